import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  alertRoutes,
  PAGERDUTY_EVENTS_URL,
  type AlertRouteConfig,
} from '../../../../lambda/core/detections/routing/config';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/slack-AbCdEf';

function problems(routes: unknown): string[] {
  const result = alertRoutes.safeParse(routes);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

interface JsonSchemaNode {
  readonly properties?: Record<string, JsonSchemaNode>;
  readonly required?: readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly items?: JsonSchemaNode;
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly anyOf?: readonly JsonSchemaNode[];
}

function fieldsOf(
  node: JsonSchemaNode,
  path = '',
): { path: string; schema: JsonSchemaNode; required: boolean }[] {
  const own = Object.entries(node.properties ?? {}).flatMap(([name, schema]) => [
    { path: `${path}.${name}`, schema, required: node.required?.includes(name) ?? false },
    ...fieldsOf(schema, `${path}.${name}`),
  ]);
  const nested = [
    ...(node.items ? fieldsOf(node.items, `${path}[]`) : []),
    ...[...(node.oneOf ?? []), ...(node.anyOf ?? [])].flatMap((variant) => fieldsOf(variant, path)),
  ];
  return [...own, ...nested];
}

describe('alert route configuration (detections.routes)', () => {
  it("fills each channel's defaults", () => {
    const [slack, pagerduty, sns, webhook] = alertRoutes.parse([
      { type: 'slack', secretArn: ARN },
      { type: 'pagerduty', secretArn: ARN },
      { type: 'sns' },
      { type: 'webhook', secretArn: ARN, levels: ['critical'] },
    ]) as AlertRouteConfig[];
    assert.deepEqual(slack, { type: 'slack', secretArn: ARN, updates: false, timeoutSeconds: 10 });
    assert.deepEqual(pagerduty, {
      type: 'pagerduty',
      secretArn: ARN,
      updates: true,
      timeoutSeconds: 10,
      url: PAGERDUTY_EVENTS_URL,
      source: 'sluice',
    });
    assert.deepEqual(sns, { type: 'sns', updates: false, timeoutSeconds: 10 });
    assert.deepEqual(webhook.levels, ['critical']);
    assert.deepEqual(alertRoutes.parse(undefined), []);
  });

  it('takes either a list of levels or a minimum level, not both', () => {
    assert.deepEqual(problems([{ type: 'slack', secretArn: ARN, minLevel: 'high' }]), []);
    assert.deepEqual(problems([{ type: 'slack', secretArn: ARN, levels: ['high', 'critical'] }]), []);
    assert.deepEqual(problems([{ type: 'slack', secretArn: ARN, levels: ['high'], minLevel: 'high' }]), [
      '0.levels: give either `levels` or `minLevel`, not both',
    ]);
    assert.equal(problems([{ type: 'slack', secretArn: ARN, minLevel: 'severe' }]).length, 1);
    assert.equal(problems([{ type: 'slack', secretArn: ARN, levels: [] }]).length, 1);
  });

  it('needs a Secrets Manager ARN for Slack, PagerDuty and webhooks, never a URL or key in the file', () => {
    for (const type of ['slack', 'pagerduty', 'webhook']) {
      assert.match(problems([{ type }]).join(), /0\.secretArn/);
      assert.match(
        problems([{ type, secretArn: 'https://hooks.slack.com/services/T0/B0/x' }]).join(),
        /must be a Secrets Manager secret ARN/,
      );
    }
  });

  it('keeps URLs out of Slack and webhook routes: the URL is the secret', () => {
    for (const type of ['slack', 'webhook']) {
      assert.match(problems([{ type, secretArn: ARN, url: 'https://hooks.example/x' }]).join(), /url/);
    }
  });

  it('refuses an unknown channel, naming the ones there are', () => {
    assert.deepEqual(problems([{ type: 'teams' }]), [
      '0.type: must be "sns", "slack", "pagerduty" or "webhook". Fix: choose one',
    ]);
  });

  it('needs each route name once, the default names (type and position) included', () => {
    assert.deepEqual(problems([{ type: 'sns' }, { type: 'sns' }]), []);
    assert.deepEqual(problems([{ type: 'sns' }, { type: 'slack', secretArn: ARN, name: 'sns-1' }]), [
      '1.name: "sns-1" is also the name of route 1. Fix: give each route its own name',
    ]);
  });

  it('describes every field, with its default when it has one', () => {
    const schema = z.toJSONSchema(alertRoutes, { target: 'draft-07', io: 'input' }) as JsonSchemaNode;
    const fields = fieldsOf(schema);
    assert.ok(fields.length >= 25, `only ${fields.length} fields found`);
    for (const { path, schema: field, required } of fields) {
      assert.ok(field.description, `${path} has no description`);
      if (required) {
        assert.doesNotMatch(field.description, /Default:/, `${path} is required, yet documents a default`);
        continue;
      }
      assert.match(
        field.description,
        /Default: /,
        `${path} is optional: its description must say its default`,
      );
      if ('default' in field) {
        const written = `\`${typeof field.default === 'string' ? field.default : JSON.stringify(field.default)}\``;
        assert.ok(
          field.description.includes(written),
          `${path}: "${field.description}" does not say ${written}`,
        );
      }
    }
  });
});
