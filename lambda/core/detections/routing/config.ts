import * as z from 'zod';
import { endpointUrl, secretArn } from '../../config/destinations';
import { LEVELS, type Level } from '../sigma/types';

/** PagerDuty's Events API v2 endpoint (US service region; EU accounts use events.eu.pagerduty.com). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const level = z.enum(LEVELS);

const routeName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,62}$/,
    'must be lower-case letters, digits and dashes, starting with a letter, at most 63. Fix: e.g. "slack-secops"',
  );

/** The fields every route has; the defaults that differ by channel are given per channel. */
function common(defaults: { readonly minLevel: Level; readonly updates: boolean }) {
  return {
    name: routeName
      .optional()
      .describe(
        "Lower-case name (letters, digits and dashes, starting with a letter), unique among routes; used in logs and metrics. Default: the type and the route's position, e.g. `slack-2`.",
      ),
    minLevel: level
      .optional()
      .describe(
        `Route alerts of this Sigma level and above (\`informational\` < \`low\` < \`medium\` < \`high\` < \`critical\`). Default: \`${defaults.minLevel}\` (when \`levels\` is not given).`,
      ),
    levels: z
      .array(level)
      .min(1)
      .optional()
      .describe(
        'Route alerts of exactly these levels, instead of `minLevel`. Default: none (`minLevel` decides).',
      ),
    updates: z
      .boolean()
      .default(defaults.updates)
      .describe(
        `Also send an alert again when its running count grows within its dedup period (otherwise only its opening is sent). Default: \`${defaults.updates}\`.`,
      ),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(10)
      .describe('Per-request timeout in seconds. Default: `10`.'),
  };
}

const snsRoute = z
  .strictObject({
    type: z
      .literal('sns')
      .describe('The SNS topic the stack creates for alerts: subject and the alert as JSON.'),
    ...common({ minLevel: 'medium', updates: false }),
    emails: z
      .array(z.email('must be an e-mail address'))
      .optional()
      .describe(
        'Addresses the stack subscribes to the topic (each confirms by e-mail). Default: none (subscribe queues, functions or addresses yourself).',
      ),
  })
  .describe('Amazon SNS: the topic the stack creates, with an optional e-mail subscription.');

const slackRoute = z
  .strictObject({
    type: z
      .literal('slack')
      .describe('A Slack incoming webhook: `POST <webhook URL>` with `{text, blocks}`.'),
    ...common({ minLevel: 'medium', updates: false }),
    secretArn: secretArn.describe(
      'Secrets Manager secret ARN: the incoming-webhook URL (`https://hooks.slack.com/services/…`) as the plain secret string. The URL is itself the credential.',
    ),
  })
  .describe('Slack, through an incoming webhook.');

const pagerDutyRoute = z
  .strictObject({
    type: z
      .literal('pagerduty')
      .describe("PagerDuty Events API v2: a `trigger` event whose `dedup_key` is the alert's dedup key."),
    ...common({ minLevel: 'high', updates: true }),
    secretArn: secretArn.describe(
      'Secrets Manager secret ARN: the Events API v2 integration (routing) key, 32 characters, as the plain secret string.',
    ),
    url: endpointUrl
      .default(PAGERDUTY_EVENTS_URL)
      .describe(
        `Events API endpoint; \`https://events.eu.pagerduty.com/v2/enqueue\` for an EU account. Default: \`${PAGERDUTY_EVENTS_URL}\`.`,
      ),
    source: z
      .string()
      .min(1)
      .max(255)
      .default('sluice')
      .describe(
        'The events\' `payload.source` (PagerDuty: "the unique location of the affected system"). Default: `sluice`.',
      ),
  })
  .describe('PagerDuty, through the Events API v2.');

const webhookRoute = z
  .strictObject({
    type: z.literal('webhook').describe('Any HTTPS endpoint: `POST <url>` with the alert document as JSON.'),
    ...common({ minLevel: 'medium', updates: true }),
    secretArn: secretArn.describe(
      'Secrets Manager secret ARN: the URL as the plain secret string, or JSON `{"url": "https://…", "token": "…"}` to also send `Authorization: Bearer <token>`.',
    ),
  })
  .describe('A generic HTTPS webhook.');

export const alertRoute = z
  .discriminatedUnion('type', [snsRoute, slackRoute, pagerDutyRoute, webhookRoute], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'must be "sns", "slack", "pagerduty" or "webhook". Fix: choose one'
        : undefined,
  })
  .superRefine((route, ctx) => {
    if (route.levels !== undefined && route.minLevel !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['levels'],
        message: 'give either `levels` or `minLevel`, not both',
      });
    }
  })
  .describe('Where alerts of some levels are sent.');

export type AlertRouteConfig = z.output<typeof alertRoute>;
export type AlertRouteType = AlertRouteConfig['type'];

/** A route's name: its own, or its type and 1-based position among the routes. */
export function routeNameOf(route: Pick<AlertRouteConfig, 'name' | 'type'>, index: number): string {
  return route.name ?? `${route.type}-${index + 1}`;
}

/** `detections.routes` of the configuration. */
export const alertRoutes = z
  .array(alertRoute)
  .max(20)
  .superRefine((routes, ctx) => {
    const seen = new Map<string, number>();
    routes.forEach((route, index) => {
      const name = routeNameOf(route, index);
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `"${name}" is also the name of route ${first + 1}. Fix: give each route its own name`,
        });
    });
  })
  .default([])
  .describe(
    'Alert routes: each sends the alerts of some levels to one channel. Default: `[]` (alerts are only recorded).',
  );
