import * as z from 'zod';
import { endpointUrl, secretArn } from '../config/destinations';
import { LOG_TYPE_PATTERN } from '../layout/key-layout';

/**
 * `collectors[]`: APIs that must be polled, each written into a source's prefix as NDJSON objects in
 * the bucket's key layout, from where the forwarder, replay, status and verify work as for any vendor.
 */

export const CIRRUS_DEFAULT_API_URL = 'https://apigw.cirrusidentity.com/logs/v1';
/** The Cirrus client's filters (`--query key=value,…`): exact matches only. */
export const CIRRUS_QUERY_KEYS = [
  'tenant',
  'service',
  'metrictype',
  'metricsubtype',
  'clientip',
  'correlationid',
  'user',
] as const;
/** Placeholders of an `http-json` query or body, replaced per request. */
export const HTTP_JSON_PLACEHOLDERS = ['since', 'until', 'limit', 'cursor', 'offset'] as const;

const secretArnOf = (what: string) => secretArn.describe(`Secrets Manager secret ARN: ${what}.`);
const fieldPath = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^.]+(\.[^.]+)*$/, 'must be a field name or a dotted path such as "message.timestamp"');

const common = {
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,47}$/,
      'must be lower-case letters, digits and dashes (max 48), starting with a letter',
    )
    // `sluice collect checkpoint <collector>` is a command: a collector of that name could not be run.
    .refine(
      (name) => name !== 'checkpoint',
      'must not be "checkpoint", the name of the `sluice collect checkpoint` command. Fix: choose another name',
    )
    .describe(
      'Lower-case name (letters, digits and dashes, up to 48), unique among collectors: the checkpoint key, part of object names, metrics and alarms.',
    ),
  source: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must name a source (sources[].name)')
    .describe('The source (`sources[].name`) whose prefix the objects are written under.'),
  logType: z
    .string()
    .regex(LOG_TYPE_PATTERN, 'must be letters, digits, - or _ (max 64)')
    .describe('The log type segment of the object keys: `<prefix>/<logType>/YYYY/MM/DD/HH/MM/<uuid>.json`.'),
  everyMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(5)
    .describe('Minutes between scheduled runs. Default: `5`.'),
  firstRunDays: z
    .number()
    .int()
    .min(0)
    .max(365)
    .default(7)
    .describe(
      "How many days back the first run starts (later runs start at the checkpoint), as the Cirrus client's first run does. Default: `7`.",
    ),
  lookbackSeconds: z
    .number({ error: 'must be a whole number of seconds from 0 to 86400' })
    .int('must be a whole number of seconds from 0 to 86400')
    .min(0, 'must be a whole number of seconds from 0 to 86400')
    .max(86_400, 'must be at most 86400 (a day): every run reads the whole lookback again')
    .default(300)
    .describe(
      "Collectors that resume by time: how many seconds before the newest collected event each run asks again, so that events the API makes available late (indexing delay, a vendor's batch) are still collected; the events already written are skipped. Longer catches later events at the cost of re-reading more each run. Ignored with a durable cursor. Default: `300`.",
    ),
  runTimeoutSeconds: z
    .number()
    .int()
    .min(30)
    .max(900)
    .default(300)
    .describe(
      "A run's time budget (the Lambda's timeout); it stops fetching early enough to write what it holds, and the next run continues. Default: `300`.",
    ),
  requestTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(120)
    .default(30)
    .describe('Per-request timeout in seconds. Default: `30`.'),
  maxRecordsPerObject: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(1000)
    .describe('Events per object, at most 1,000 (as vendor log streams write). Default: `1000`.'),
  maxObjectBytes: z
    .number()
    .int()
    .min(1024)
    .max(100_000_000)
    .default(10_000_000)
    .describe('NDJSON bytes per object before gzip. Default: `10000000` (10 MB).'),
  gzip: z.boolean().default(true).describe('Write objects gzipped (`.json.gz`). Default: `true`.'),
  lagAlarmMinutes: z
    .number()
    .int()
    .min(5)
    .max(10_080)
    .default(360)
    .describe(
      "Alarm when the newest event collected is older than this many minutes: the collector falls behind or brings nothing. Set it above the API's longest quiet spell. Default: `360`.",
    ),
};

export const cirrusSiemCollector = z
  .strictObject({
    type: z
      .literal('cirrus-siem')
      .describe(
        "Cirrus Identity's SIEM (Log) API, read as its example client does: `POST <apiUrl>` with HTTP Basic.",
      ),
    ...common,
    apiUrl: endpointUrl
      .default(CIRRUS_DEFAULT_API_URL)
      .describe(`The SIEM API's URL. Default: \`${CIRRUS_DEFAULT_API_URL}\`.`),
    credentialsSecretArn: secretArnOf(
      '`{"apiKey": "...", "apiSecret": "..."}`, the API key Cirrus assigned and its secret',
    ),
    orgUrl: z
      .string()
      .min(1)
      .optional()
      .describe(
        "One Org URL, when the API key may read several (sent as `orgUrl`). Default: none (the key's only one).",
      ),
    limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1000)
      .describe('Events per API query (the API returns at most 1,000). Default: `1000`.'),
    query: z
      .strictObject(
        Object.fromEntries(
          CIRRUS_QUERY_KEYS.map((key) => [
            key,
            z
              .string()
              .min(1)
              .optional()
              .describe(`Only events whose \`${key}\` is exactly this. Default: any.`),
          ]),
        ) as Record<(typeof CIRRUS_QUERY_KEYS)[number], z.ZodOptional<z.ZodString>>,
      )
      .prefault({})
      .describe("Exact-match filters, as the client's `--query key=value,…`. Default: `{}` (none)."),
  })
  .describe("Cirrus Identity's SIEM API (events with an ISO 8601 UTC `timestamp`).");

export const stellarbridgeEventsCollector = z
  .strictObject({
    type: z
      .literal('stellarbridge-events')
      .describe(
        "Stellarbridge's organization events: `GET /api/v1/dashboard/organization/get-events-in-org` with the session cookie.",
      ),
    ...common,
    orgUrl: endpointUrl.describe('Your Stellarbridge URL, e.g. `https://your-tenant.stellarbridge.app`.'),
    loginSecretArn: secretArnOf(
      'a JSON object posted as is to `/api/v1/auth/login-handler` (the service account\'s login, e.g. `{"email": "...", "password": "..."}`)',
    ),
  })
  .describe('Stellarbridge audit events (cloud-hosted organizations).');

const httpJsonAuth = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none').describe('No credentials.') }).describe('No credentials.'),
    z
      .strictObject({
        type: z.literal('header').describe('A static token in a header.'),
        secretArn: secretArnOf('the token as the plain secret string'),
        header: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
          .default('Authorization')
          .describe('Header name. Default: `Authorization`.'),
        prefix: z.string().max(64).default('Bearer ').describe('Text before the token. Default: `Bearer `.'),
      })
      .describe('`<header>: <prefix><token>`.'),
    z
      .strictObject({
        type: z.literal('basic').describe('HTTP Basic.'),
        secretArn: secretArnOf('`{"username": "...", "password": "..."}`'),
      })
      .describe('HTTP Basic authentication.'),
    z
      .strictObject({
        type: z
          .literal('oauth2-client-credentials')
          .describe('OAuth 2.0 client credentials grant (RFC 6749 §4.4).'),
        tokenUrl: endpointUrl.describe('The token endpoint.'),
        secretArn: secretArnOf('`{"clientId": "...", "clientSecret": "..."}`'),
        scopes: z.array(z.string().min(1)).default([]).describe('Scopes asked for. Default: `[]` (none).'),
        audience: z
          .string()
          .min(1)
          .optional()
          .describe('An `audience` form field, for servers that need one. Default: none.'),
        clientAuth: z
          .enum(['basic', 'body'])
          .default('basic')
          .describe('Client authentication: HTTP Basic (`basic`) or form fields (`body`). Default: `basic`.'),
      })
      .describe('A bearer token from an OAuth 2.0 token endpoint, renewed before it expires.'),
    z
      .strictObject({
        type: z.literal('login-cookie').describe('A login that sets a session cookie.'),
        loginUrl: endpointUrl.describe('The login endpoint (POST, JSON body).'),
        secretArn: secretArnOf('a JSON object posted as is to the login endpoint'),
        cookieName: z
          .string()
          .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a cookie name')
          .describe('The session cookie the login sets.'),
      })
      .describe('POSTs the credentials, then sends the session cookie until it expires or is refused.'),
  ])
  .describe('How requests are authenticated.');

const httpJsonPagination = z
  .discriminatedUnion('type', [
    z
      .strictObject({
        type: z.literal('link-header').describe('Follow the `Link: <…>; rel="next"` header (RFC 8288).'),
      })
      .describe("`Link` header pagination, on the API's own origin only."),
    z
      .strictObject({
        type: z.literal('cursor').describe('A cursor value in the answer, sent back through `{cursor}`.'),
        cursorPath: fieldPath.describe(
          'Dotted path of the next cursor in the answer, e.g. `meta.next_cursor`.',
        ),
        durable: z
          .boolean()
          .default(false)
          .describe(
            'The cursor stays valid between runs: the checkpoint keeps it (else runs resume by time). Default: `false`.',
          ),
      })
      .describe('Cursor-field pagination.'),
    z
      .strictObject({ type: z.literal('offset').describe('Count events through `{offset}`.') })
      .describe('Offset pagination: `{offset}` grows by the events received.'),
    z
      .strictObject({
        type: z
          .literal('since')
          .describe(
            'No continuation: the next page is asked for with `{since}` moved to the newest event received.',
          ),
      })
      .describe(
        "For an API whose only paging is its time filter. Each next request asks from the newest event's time (at the `timeFormat`'s precision), skipping the events read twice, until nothing comes after; the API must return events at or after `{since}`, oldest first. A whole page of events within one second (`epoch-millis`: one millisecond) followed by more events cannot be read past: the run stops with `COLLECTOR_TIES_EXCEED_PAGE` before it, skipping nothing, until `sluice collect checkpoint <name> --skip-second` moves past that second on purpose.",
      ),
  ])
  .describe('How the next page is asked for.');

const templateText = z.string().max(4096);

export const httpJsonCollector = z
  .strictObject({
    type: z.literal('http-json').describe('Any paged JSON API.'),
    ...common,
    url: endpointUrl.describe('The API URL (`https://`; plain `http://` only on loopback).'),
    method: z.enum(['GET', 'POST']).default('GET').describe('Default: `GET`.'),
    query: z
      .record(z.string().min(1), templateText)
      .default({})
      .describe(
        'Query parameters; values may hold `{since}`, `{until}`, `{limit}`, `{cursor}`, `{offset}`, replaced per request. Unless the cursor is durable, the API must return events oldest first: a parameter asking for newest first (an `order`/`sort` parameter set to `desc`, `-field`, `field:desc`) is refused. Default: `{}`.',
      ),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name'), z.string().max(1024))
      .default({})
      .describe('Extra request headers (never credentials: those go in `auth`). Default: `{}`.'),
    body: templateText
      .optional()
      .describe('POST body template (JSON), with the placeholders JSON-escaped. Default: none.'),
    auth: httpJsonAuth,
    recordsPath: z
      .string()
      .max(256)
      .optional()
      .describe(
        'Dotted path of the events array in the answer, e.g. `data.items`. Default: none (the answer is the array).',
      ),
    timestampField: fieldPath.describe(
      "Dotted path of each event's time (RFC 3339, or epoch seconds or milliseconds).",
    ),
    idField: fieldPath
      .optional()
      .describe(
        "Dotted path of each event's unique id. Default: none (an id hashed from the event's content).",
      ),
    timeFormat: z
      .enum(['rfc3339', 'epoch-seconds', 'epoch-millis'])
      .default('rfc3339')
      .describe(
        'How `{since}` and `{until}` are written: `rfc3339` and `epoch-seconds` to the second (rounded down), `epoch-millis` to the millisecond. With `since` pagination, the precision is how finely a run can move past a page. Default: `rfc3339`.',
      ),
    limit: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe(
        'Events per page asked for (`{limit}`). The API may return fewer (many cap pages lower without saying so): a shorter page does not end a run, which reads on while the API gives a new continuation and events (an empty page ends it, even with a continuation; `since` pagination: until nothing comes after the newest event). Default: `100`.',
      ),
    pagination: httpJsonPagination,
  })
  .superRefine((config, ctx) => {
    const templates = [...Object.values(config.query), config.body ?? ''].join('\n');
    const used = new Set([...templates.matchAll(/\{([a-z]+)\}/g)].map((match) => match[1]));
    for (const name of used) {
      if (!(HTTP_JSON_PLACEHOLDERS as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['query'],
          message: `"{${name}}" is not a placeholder. Fix: use ${HTTP_JSON_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
        });
      }
    }
    const durable = config.pagination.type === 'cursor' && config.pagination.durable;
    if (!used.has('since') && !durable) {
      ctx.addIssue({
        code: 'custom',
        path: ['query'],
        message:
          'no "{since}": runs resume by time, so the request must select events at or after {since}. Fix: add it to the query (or use a durable cursor)',
      });
    }
    if (config.pagination.type === 'cursor' && !used.has('cursor')) {
      ctx.addIssue({
        code: 'custom',
        path: ['query'],
        message: 'cursor pagination needs "{cursor}" in the query or body',
      });
    }
    if (config.pagination.type === 'offset' && !used.has('offset')) {
      ctx.addIssue({
        code: 'custom',
        path: ['query'],
        message: 'offset pagination needs "{offset}" in the query or body',
      });
    }
    if (config.pagination.type === 'since') {
      for (const name of ['cursor', 'offset'].filter((placeholder) => used.has(placeholder))) {
        ctx.addIssue({
          code: 'custom',
          path: ['query'],
          message: `since pagination sends no "{${name}}" (the API gives no continuation). Fix: remove it, or choose "${name}" pagination`,
        });
      }
    }
    if (!durable) {
      for (const { path, name, value } of descendingOrders(config.query, config.body)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${name}": "${value}" asks for newest events first, but runs resume by time and need them oldest first (a descending API is refused at its first page). Fix: ask for ascending order (e.g. "asc"), or use a durable cursor`,
        });
      }
    }
    if (config.body !== undefined && config.method === 'GET') {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'a body needs "method": "POST"' });
    }
    for (const header of Object.keys(config.headers)) {
      if (['authorization', 'cookie', 'proxy-authorization'].includes(header.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', header],
          message:
            'credentials must not be written in the configuration. Fix: use "auth" with a Secrets Manager ARN',
        });
      }
    }
  })
  .describe('A generic paged JSON API.');

/** A parameter that names a sort order, and values that say "newest first" (`desc`, `time:desc`, `-time`). */
const ORDER_NAME = /order|sort|direction|^dir$/i;
const DESCENDING_VALUE = /^(desc|descending)$|[:\s.,_]desc(ending)?$|^-[A-Za-z@_]|^-1$/i;

/**
 * The query parameters and body fields that ask for descending order, where the configuration says so
 * in a way no API reads otherwise. Other ways of sorting (a header, an API's fixed order) show at the
 * first page instead.
 */
function descendingOrders(
  query: Readonly<Record<string, string>>,
  body: string | undefined,
): Array<{ path: PropertyKey[]; name: string; value: string }> {
  const found: Array<{ path: PropertyKey[]; name: string; value: string }> = [];
  // Within an order field, any value counts: Elasticsearch's `"sort": [{"@timestamp": "desc"}]`.
  const visit = (name: string, value: unknown, path: PropertyKey[], inOrder: boolean) => {
    const order = inOrder || ORDER_NAME.test(name);
    if (typeof value === 'string' && order && DESCENDING_VALUE.test(value.trim())) {
      found.push({ path, name, value });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) visit(key, inner, path, order);
    }
  };
  for (const [name, value] of Object.entries(query)) visit(name, value, ['query', name], false);
  if (body !== undefined) visit('', parsedBody(body), ['body'], false);
  return found;
}

/** The body template as JSON, its placeholders standing for any value; undefined if it is not JSON. */
function parsedBody(body: string): unknown {
  try {
    return JSON.parse(body.replace(/\{[a-z]+\}/g, '0'));
  } catch {
    return undefined;
  }
}

export const collectorConfig = z.discriminatedUnion(
  'type',
  [cirrusSiemCollector, stellarbridgeEventsCollector, httpJsonCollector],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'must be "cirrus-siem", "stellarbridge-events" or "http-json". Fix: choose one'
        : undefined,
  },
);

export type CirrusSiemCollectorConfig = z.output<typeof cirrusSiemCollector>;
export type StellarbridgeEventsCollectorConfig = z.output<typeof stellarbridgeEventsCollector>;
export type HttpJsonCollectorConfig = z.output<typeof httpJsonCollector>;
export type CollectorConfig = z.output<typeof collectorConfig>;
