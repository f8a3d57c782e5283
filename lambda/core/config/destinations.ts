import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Destination URLs must use TLS; plain http is accepted only on loopback, for local receivers and tests. */
export const endpointUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `'${value}' is not a URL. Fix: use https://host[:port]` });
    return;
  }
  if (url.username || url.password) {
    ctx.addIssue({
      code: 'custom',
      message: 'must not embed credentials. Fix: put them in Secrets Manager and reference the secret ARN',
    });
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return;
  ctx.addIssue({
    code: 'custom',
    message: `'${value}' must use https:// (plain http is accepted only for localhost). Fix: use the TLS endpoint`,
  });
});

export const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
    'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  );

export const destinationName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes, starting with a letter');

const logTypeName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, - or _');

/** `{source}` and `{logType}` are replaced per record. */
const template = z.string().min(1);

const common = {
  name: destinationName,
  url: endpointUrl,
  /** gzip request bodies. Default: true. */
  gzip: z.boolean().default(true),
  /** Parallel requests per destination and invocation. Default: 4. */
  maxConcurrency: z.number().int().min(1).max(64).default(4),
  /** Per-request timeout. Default: 30 s. */
  requestTimeoutSeconds: z.number().int().min(1).max(600).default(30),
  /** Forward only these log types. Default: all. */
  logTypes: z.array(logTypeName).min(1).optional(),
};

export const splunkHecDestination = z.strictObject({
  type: z.literal('splunk-hec'),
  ...common,
  /** Secret holding the HEC token (plain string). */
  tokenSecretArn: secretArn,
  /** Default: the token's default index. */
  index: z.string().min(1).optional(),
  /** Default: the Splunk-side default (the HEC input's host). */
  host: z.string().min(1).optional(),
  /** Default: `{source}:{logType}`, e.g. `strongdm:activities`. */
  sourcetype: template.default('{source}:{logType}'),
  /** Default: 1 MB per request. */
  maxBatchBytes: z.number().int().min(1024).max(100_000_000).default(1_000_000),
  /** Default: 10,000 events per request. */
  maxBatchRecords: z.number().int().min(1).max(100_000).default(10_000),
});

export const elasticsearchAuth = z.discriminatedUnion('type', [
  /** Secret holds the encoded API key (the `encoded` value Elasticsearch returns). */
  z.strictObject({ type: z.literal('api-key'), secretArn }),
  /** Secret holds JSON `{"username": "...", "password": "..."}`. */
  z.strictObject({ type: z.literal('basic'), secretArn }),
  /** Amazon OpenSearch Service (`es`) or OpenSearch Serverless (`aoss`), signed with the function's role. */
  z.strictObject({
    type: z.literal('sigv4'),
    service: z.enum(['es', 'aoss']).default('es'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
    /** The domain ARN (`es`) or collection ARN (`aoss`) the forwarder may write to: its role gets exactly that. */
    resourceArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:(es|aoss):[a-z0-9-]+:\d{12}:(domain|collection)\/[a-z0-9-]+$/,
        'must be an OpenSearch domain ARN (arn:aws:es:<region>:<account>:domain/<name>) or a Serverless collection ARN (arn:aws:aoss:<region>:<account>:collection/<id>)',
      ),
  }),
]);

export const elasticsearchDestination = z.strictObject({
  type: z.literal('elasticsearch'),
  ...common,
  auth: elasticsearchAuth,
  /** Index or data stream. Default: `logs-{source}.{logType}-default` (matches Elasticsearch's built-in `logs-*-*` data stream template). */
  index: template.default('logs-{source}.{logType}-default'),
  /** Per log type override of `index`. */
  indexByLogType: z.record(logTypeName, template).default({}),
  /** `record`: `_id` is the record's deterministic id (exactly-once). `none`: let the cluster choose (OpenSearch Serverless time-series collections reject custom ids; duplicates then become possible on retries). Default: `record`. */
  documentIds: z.enum(['record', 'none']).default('record'),
  /** Default: 5 MB per request (Elasticsearch recommends 5–15 MB). */
  maxBatchBytes: z.number().int().min(1024).max(100_000_000).default(5_000_000),
  /** Default: 5,000 documents per request. */
  maxBatchRecords: z.number().int().min(1).max(100_000).default(5_000),
});

export const httpsDestination = z.strictObject({
  type: z.literal('https'),
  ...common,
  /** Secret holding a bearer token. Default: no Authorization header. */
  tokenSecretArn: secretArn.optional(),
  /** Default: 1 MB per request. */
  maxBatchBytes: z.number().int().min(1024).max(100_000_000).default(1_000_000),
  /** Default: 500 records per request. */
  maxBatchRecords: z.number().int().min(1).max(100_000).default(500),
});

/**
 * Local use only (`sluice dev`, `sluice forward`, `sluice run`): appends what would be sent to a file, so
 * the pipeline runs with no SIEM. Not part of `destinationConfig`: a deployed stack has no use for it (a
 * Lambda has no durable local disk), so `cdk synth` refuses it; the CLI reads it with `localDestinationConfig`.
 */
export const fileDestination = z.strictObject({
  type: z.literal('file'),
  name: destinationName,
  /** File to append to (created with its folders); relative paths are relative to the working directory. */
  path: z.string().min(1),
  /** `ndjson`: each record as read; `splunk-hec`: HEC event envelopes; `elasticsearch-bulk`: `_bulk` action/source pairs. Default: `ndjson`. */
  format: z.enum(['ndjson', 'splunk-hec', 'elasticsearch-bulk']).default('ndjson'),
  /** Forward only these log types. Default: all. */
  logTypes: z.array(logTypeName).min(1).optional(),
  /** Default: 1 (appends are serialized anyway). */
  maxConcurrency: z.number().int().min(1).max(64).default(1),
  /** Default: 1 MB per write. */
  maxBatchBytes: z.number().int().min(1024).max(100_000_000).default(1_000_000),
  /** Default: 1,000 records per write. */
  maxBatchRecords: z.number().int().min(1).max(100_000).default(1_000),
});

export const destinationConfig = z.discriminatedUnion(
  'type',
  [splunkHecDestination, elasticsearchDestination, httpsDestination],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `must be "splunk-hec", "elasticsearch" or "https". Fix: choose one ("file" destinations work only with the sluice CLI: dev, run, forward)`
        : undefined,
  },
);

/** What the CLI accepts: every deployable destination, and `file`. */
export const localDestinationConfig = z.discriminatedUnion('type', [
  splunkHecDestination,
  elasticsearchDestination,
  httpsDestination,
  fileDestination,
]);

export type SplunkHecDestinationConfig = z.output<typeof splunkHecDestination>;
export type ElasticsearchDestinationConfig = z.output<typeof elasticsearchDestination>;
export type HttpsDestinationConfig = z.output<typeof httpsDestination>;
export type FileDestinationConfig = z.output<typeof fileDestination>;
export type DestinationConfig = z.output<typeof destinationConfig>;
export type LocalDestinationConfig = z.output<typeof localDestinationConfig>;
