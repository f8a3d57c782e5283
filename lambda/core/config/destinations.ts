import * as z from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** `localhost, 127.0.0.1 or [::1]`: the refusal names exactly what is accepted. */
const LOOPBACK_LIST = [...LOOPBACK_HOSTS].join(', ').replace(/, ([^,]*)$/, ' or $1');

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
    message: `'${value}' must use https:// (plain http is accepted only on loopback: ${LOOPBACK_LIST}). Fix: use the TLS endpoint`,
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
  .regex(
    /^[a-z][a-z0-9-]{0,62}$/,
    'must be lower-case letters, digits and dashes, starting with a letter, at most 63. Fix: e.g. "splunk" or "elastic-prod"',
  );

const logTypeName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, - or _');

/** `{source}` and `{logType}` are replaced per record. */
const template = z.string().min(1);

const NAME_DESCRIPTION =
  'Lower-case name (letters, digits and dashes, starting with a letter), unique among destinations; used in metrics and alarms.';
const LOG_TYPES_DESCRIPTION = 'Forward only these log types. Default: all.';
const batchBytes = (bytes: number, size: string) =>
  z
    .number()
    .int()
    .min(1024)
    .max(100_000_000)
    .default(bytes)
    .describe(`Bytes per request body, before gzip. Default: \`${bytes}\` (${size}).`);
const batchRecords = (records: number, what: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(records)
    .describe(`${what} per request. Default: \`${records}\`.`);
const secretArnOf = (what: string) => secretArn.describe(`Secrets Manager secret ARN: ${what}.`);

const common = {
  name: destinationName.describe(NAME_DESCRIPTION),
  url: endpointUrl.describe(
    'Base URL, e.g. `https://splunk.example.com:8088`. `https://` (plain `http://` only for a local receiver on loopback); never credentials in it.',
  ),
  gzip: z.boolean().default(true).describe('gzip request bodies. Default: `true`.'),
  maxConcurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('Parallel requests to this destination per invocation. Default: `4`.'),
  requestTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(600)
    .default(30)
    .describe('Per-request timeout in seconds. Default: `30`.'),
  logTypes: z.array(logTypeName).min(1).optional().describe(LOG_TYPES_DESCRIPTION),
};

export const splunkHecDestination = z
  .strictObject({
    type: z
      .literal('splunk-hec')
      .describe('Splunk HTTP Event Collector: `POST <url>/services/collector/event`.'),
    ...common,
    tokenSecretArn: secretArnOf('the HEC token as the plain secret string'),
    index: z.string().min(1).optional().describe("Splunk index. Default: the token's default index."),
    indexByLogType: z
      .record(logTypeName, z.string().min(1))
      .default({})
      .describe(
        'Per log type, a Splunk index used instead of `index`, e.g. `{ "sluice-alerts": "alerts" }`. Default: `{}`.',
      ),
    host: z
      .string()
      .min(1)
      .optional()
      .describe("The events' `host`. Default: the Splunk-side default (the HEC input's host)."),
    sourcetype: template
      .default('{source}:{logType}')
      .describe(
        'Sourcetype template; `{source}` and `{logType}` are replaced per record. Default: `{source}:{logType}` (e.g. `strongdm:activities`).',
      ),
    maxBatchBytes: batchBytes(1_000_000, '1 MB'),
    maxBatchRecords: batchRecords(10_000, 'Events'),
    acknowledgements: z
      .boolean()
      .default(false)
      .describe(
        'Indexer acknowledgement: records count as delivered only once Splunk says they are indexed (`/services/collector/ack`), and batches never acknowledged are sent again (duplicates rather than loss). Needs a token with indexer acknowledgement enabled and, behind a load balancer, sticky sessions. Default: `false`.',
      ),
    ackPollIntervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(300)
      .default(10)
      .describe(
        'With `acknowledgements`: seconds between queries of the acknowledgement endpoint (one query asks for every pending batch). Default: `10`.',
      ),
    ackTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .default(120)
      .describe(
        'With `acknowledgements`: a batch not acknowledged this many seconds after Splunk accepted it is sent again; must exceed `ackPollIntervalSeconds`. Default: `120`.',
      ),
  })
  .superRefine((destination, ctx) => {
    // Refinements run on objects whose fields were refused too: only compare two valid numbers.
    const { ackPollIntervalSeconds: interval, ackTimeoutSeconds: timeout } = destination;
    if (typeof interval !== 'number' || typeof timeout !== 'number' || timeout > interval) return;
    ctx.addIssue({
      code: 'custom',
      path: ['ackTimeoutSeconds'],
      message: `${timeout} s is not longer than ackPollIntervalSeconds (${interval} s): every batch would be sent again before its acknowledgement was asked for. Fix: make ackTimeoutSeconds several times ackPollIntervalSeconds`,
    });
  })
  .describe('A Splunk HTTP Event Collector.');

const SIGV4_RESOURCE = {
  es: { kind: 'domain', what: 'an OpenSearch Service domain' },
  aoss: { kind: 'collection', what: 'an OpenSearch Serverless collection' },
} as const;

/**
 * The signing service, the region and the ARN must name the same thing: each is accepted alone, but a
 * request signed for `es` is refused by a collection (and the role's grant names the wrong service),
 * one signed for another region by any endpoint. Deployed, every batch would fail and reach the DLQ.
 */
function checkSigV4Target(
  auth: { readonly service?: unknown; readonly region?: unknown; readonly resourceArn?: unknown },
  ctx: z.RefinementCtx,
): void {
  // Refinements run on objects whose fields were refused too: compare only valid values.
  const match =
    typeof auth.resourceArn === 'string'
      ? /^arn:aws[a-z-]*:(es|aoss):([a-z0-9-]+):\d{12}:(domain|collection)\//.exec(auth.resourceArn)
      : null;
  if (!match) return;
  const [, arnService, arnRegion, kind] = match;
  const resource = SIGV4_RESOURCE[arnService as keyof typeof SIGV4_RESOURCE];
  if (resource.kind !== kind) {
    ctx.addIssue({
      code: 'custom',
      path: ['resourceArn'],
      message: `'${auth.resourceArn}' mixes the service ${arnService} with a ${kind}. Fix: use arn:aws:es:<region>:<account>:domain/<name> or arn:aws:aoss:<region>:<account>:collection/<id>`,
    });
    return;
  }
  const service = auth.service ?? 'es';
  if (service !== arnService) {
    ctx.addIssue({
      code: 'custom',
      path: ['service'],
      message: `"${String(service)}" does not sign for ${resource.what} ('${auth.resourceArn}'): every request would be refused. Fix: set "service": "${arnService}"`,
    });
  }
  if (typeof auth.region === 'string' && auth.region !== arnRegion) {
    ctx.addIssue({
      code: 'custom',
      path: ['region'],
      message: `'${auth.region}' is not the region of resourceArn (${arnRegion}): requests signed for it are refused. Fix: set "region": "${arnRegion}"`,
    });
  }
}

export const elasticsearchAuth = z
  .discriminatedUnion('type', [
    z
      .strictObject({
        type: z.literal('api-key').describe('An Elasticsearch API key.'),
        secretArn: secretArnOf('the encoded API key (the `encoded` value Elasticsearch returns)'),
      })
      .describe('An Elasticsearch API key, read from Secrets Manager.'),
    z
      .strictObject({
        type: z.literal('basic').describe('HTTP basic authentication.'),
        secretArn: secretArnOf('JSON `{"username": "...", "password": "..."}`'),
      })
      .describe('HTTP basic authentication, the user and password read from Secrets Manager.'),
    z
      .strictObject({
        type: z.literal('sigv4').describe("AWS Signature V4, signed with the forwarder's role."),
        service: z
          .enum(['es', 'aoss'])
          .default('es')
          .describe('`es` (Amazon OpenSearch Service) or `aoss` (OpenSearch Serverless). Default: `es`.'),
        region: z
          .string()
          .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
          .describe('Region of the domain or collection, e.g. `eu-west-1`.'),
        resourceArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:(es|aoss):[a-z0-9-]+:\d{12}:(domain|collection)\/[a-z0-9-]+$/,
            'must be an OpenSearch domain ARN (arn:aws:es:<region>:<account>:domain/<name>) or a Serverless collection ARN (arn:aws:aoss:<region>:<account>:collection/<id>)',
          )
          .describe(
            'The domain ARN (`es`) or collection ARN (`aoss`) the forwarder may write to: its role gets exactly that.',
          ),
      })
      .superRefine(checkSigV4Target)
      .describe(
        "Amazon OpenSearch Service (`es`) or OpenSearch Serverless (`aoss`), requests signed with the forwarder's role.",
      ),
  ])
  .describe('How sluice authenticates: `api-key`, `basic` or `sigv4`.');

export const elasticsearchDestination = z
  .strictObject({
    type: z
      .literal('elasticsearch')
      .describe('Elasticsearch or OpenSearch: `POST <url>/_bulk` with `create` actions.'),
    ...common,
    auth: elasticsearchAuth,
    index: template
      .default('logs-{source}.{logType}-default')
      .describe(
        "Index or data stream template; `{source}` and `{logType}` are replaced per record. Default: `logs-{source}.{logType}-default` (a data stream under Elasticsearch's built-in `logs-*-*` template).",
      ),
    indexByLogType: z
      .record(logTypeName, template)
      .default({})
      .describe('Per log type, an index template used instead of `index`. Default: `{}`.'),
    documentIds: z
      .enum(['record', 'none'])
      .default('record')
      .describe(
        "`record`: `_id` is the record's deterministic id (exactly-once). `none`: the cluster chooses (OpenSearch Serverless time-series collections refuse custom ids; retries can then create duplicates). Default: `record`.",
      ),
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .default(395)
      .describe(
        'Days the cluster keeps each document: the lifecycle policy `sluice setup elasticsearch` installs (ILM on Elasticsearch, ISM on OpenSearch) deletes a backing index this long after it rolled over, so every document in it is kept at least this long. The forwarder does not use it. Default: `395` (13 months).',
      ),
    rolloverLookup: z
      .boolean()
      .optional()
      .describe(
        "Before sending, look up in the target's other indices the ids of records that may be there (older than its write index; every record while an alias writes to an index that is not its newest), and skip those already there: `_id` is unique only within one backing index, so without it a resend after a rollover (a replay, a late DLQ redrive) indexes a second copy. Needs the `read` and `view_index_metadata` privileges that `sluice setup elasticsearch` grants; without them sluice warns and sends unchecked. Default: `true`, except with `documentIds: none` or OpenSearch Serverless (`false`).",
      ),
    maxBatchBytes: batchBytes(5_000_000, '5 MB; Elasticsearch recommends 5–15 MB'),
    maxBatchRecords: batchRecords(5_000, 'Documents'),
  })
  .superRefine((destination, ctx) => {
    if (destination.rolloverLookup !== true || destination.documentIds !== 'none') return;
    ctx.addIssue({
      code: 'custom',
      path: ['rolloverLookup'],
      message:
        'looks records up by their id, but documentIds is "none" (the cluster picks ids). Fix: remove rolloverLookup, or set documentIds to "record"',
    });
  })
  .describe('An Elasticsearch or OpenSearch cluster.');

/** Whether the destination looks ids up across backing indices (see `rolloverLookup`). */
export function rolloverLookupEnabled(
  config: Pick<ElasticsearchDestinationConfig, 'rolloverLookup' | 'documentIds' | 'auth'>,
): boolean {
  if (config.documentIds === 'none') return false;
  // OpenSearch Serverless rolls nothing over that a client could see: no lookup unless asked for.
  return config.rolloverLookup ?? !(config.auth.type === 'sigv4' && config.auth.service === 'aoss');
}

export const httpsDestination = z
  .strictObject({
    type: z.literal('https').describe('Any HTTPS collector: `POST <url>` with a JSON array of records.'),
    ...common,
    tokenSecretArn: secretArn
      .optional()
      .describe(
        'Secrets Manager secret ARN holding a bearer token. Default: none (no Authorization header).',
      ),
    maxBatchBytes: batchBytes(1_000_000, '1 MB'),
    maxBatchRecords: batchRecords(500, 'Records'),
  })
  .describe('A generic HTTPS collector.');

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The Logs Ingestion API refuses a call above 1 MB (1,048,576 bytes); a margin keeps every body below it. */
export const SENTINEL_MAX_BATCH_BYTES = 1_000_000;

/** The ingestion URL's path is built from the DCR and the stream: a pasted full URL would double it. */
const ingestionEndpoint = endpointUrl.superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return; // endpointUrl reports it
  }
  if (/\/dataCollectionRules(\/|$)/i.test(url.pathname) || url.search || url.hash) {
    ctx.addIssue({
      code: 'custom',
      message: `'${value}' must be the endpoint's base URL. Fix: use only https://<endpoint host>; sluice adds /dataCollectionRules/<dcrImmutableId>/streams/<stream>?api-version=2023-01-01`,
    });
  }
});

/** `Custom-…` (a custom table's stream) or `Microsoft-…` (an Azure table's), `{source}`/`{logType}` allowed. */
const streamTemplate = z.string().superRefine((value, ctx) => {
  const literal = value.replaceAll('{source}', 'x').replaceAll('{logType}', 'x');
  if (!/^(Custom|Microsoft)-[A-Za-z0-9_-]+$/.test(literal)) {
    ctx.addIssue({
      code: 'custom',
      message: `'${value}' is not a DCR stream name. Fix: use Custom-<name> (a custom table's stream, e.g. Custom-{source}_{logType}) or Microsoft-<Table>, with letters, digits, _ and -, and {source} / {logType} as placeholders`,
    });
  }
});

export const sentinelDestination = z
  .strictObject({
    type: z
      .literal('sentinel')
      .describe(
        'Microsoft Sentinel / Azure Monitor Logs Ingestion API: `POST <endpoint>/dataCollectionRules/<dcrImmutableId>/streams/<stream>?api-version=2023-01-01`, a JSON array of records, with an Entra ID token.',
      ),
    name: common.name,
    endpoint: ingestionEndpoint.describe(
      "The logs ingestion endpoint: the DCR's (`properties.endpoints.logsIngestion`) or a data collection endpoint's, e.g. `https://my-dce-a1b2.westeurope-1.ingest.monitor.azure.com`. `https://` (plain `http://` only on loopback).",
    ),
    dcrImmutableId: z
      .string()
      .regex(
        /^dcr-[0-9a-f]{32}$/,
        "must be the data collection rule's immutable id (dcr- and 32 hex digits). Fix: copy it from the DCR's JSON view, or `az monitor data-collection rule show --query immutableId`",
      )
      .describe("The data collection rule's immutable id, `dcr-` and 32 hex digits."),
    streamName: streamTemplate
      .default('Custom-{source}_{logType}')
      .describe(
        'The DCR stream records are sent to; `{source}` and `{logType}` are replaced per record. Default: `Custom-{source}_{logType}` (e.g. `Custom-strongdm_activities`).',
      ),
    streamByLogType: z
      .record(logTypeName, streamTemplate)
      .default({})
      .describe('Per log type, a stream used instead of `streamName`. Default: `{}`.'),
    tenantId: z
      .string()
      .regex(
        GUID,
        'must be the Directory (tenant) ID, a GUID. Fix: copy it from the app registration’s overview',
      )
      .describe('Directory (tenant) ID of the app registration, a GUID.'),
    clientId: z
      .string()
      .regex(
        GUID,
        'must be the Application (client) ID, a GUID. Fix: copy it from the app registration’s overview',
      )
      .describe('Application (client) ID of the app registration, a GUID.'),
    clientSecretArn: secretArnOf(
      "the app registration's client secret **value** (not its secret ID), as the plain secret string",
    ),
    authorityHost: endpointUrl
      .default('https://login.microsoftonline.com')
      .describe(
        'Entra ID authority the token is requested from (`<authorityHost>/<tenantId>/oauth2/v2.0/token`); `https://login.microsoftonline.us` for Azure Government, `https://login.chinacloudapi.cn` for Azure operated by 21Vianet. Default: `https://login.microsoftonline.com`.',
      ),
    scope: z
      .string()
      // `//.default` is the form of Microsoft's Logs Ingestion examples and SDKs: Entra ID takes both.
      .regex(
        /^https:\/\/[^\s/]+\/\/?\.default$/,
        'must be https://<resource>/.default. Fix: https://monitor.azure.com/.default (https://monitor.azure.us/.default for Azure Government, https://monitor.azure.cn/.default for Azure operated by 21Vianet)',
      )
      .default('https://monitor.azure.com/.default')
      .describe(
        "OAuth2 scope of the token (`https://<resource>/.default`, or `//.default` as in Microsoft's examples); `https://monitor.azure.us/.default` for Azure Government, `https://monitor.azure.cn/.default` for Azure operated by 21Vianet. Default: `https://monitor.azure.com/.default`.",
      ),
    gzip: common.gzip,
    maxConcurrency: common.maxConcurrency,
    requestTimeoutSeconds: common.requestTimeoutSeconds,
    logTypes: common.logTypes,
    maxBatchBytes: z
      .number()
      .int()
      .min(1024)
      .max(SENTINEL_MAX_BATCH_BYTES)
      .default(SENTINEL_MAX_BATCH_BYTES)
      .describe(
        `Bytes per request body, before gzip; the API refuses calls above 1 MB. Default: \`${SENTINEL_MAX_BATCH_BYTES}\` (1 MB, also the maximum).`,
      ),
    maxBatchRecords: batchRecords(10_000, 'Records'),
  })
  .describe('Microsoft Sentinel (a Log Analytics workspace) through the Azure Monitor Logs Ingestion API.');

/**
 * Local use only (`sluice dev`, `sluice forward`, `sluice run`): appends what would be sent to a file, so
 * the pipeline runs with no SIEM. Not part of `destinationConfig`: a deployed stack has no use for it (a
 * Lambda has no durable local disk), so `cdk synth` refuses it; the CLI reads it with `localDestinationConfig`.
 */
export const fileDestination = z
  .strictObject({
    type: z
      .literal('file')
      .describe('A local file (sluice CLI only: `dev`, `run`, `forward`; `cdk synth` refuses it).'),
    name: destinationName.describe(NAME_DESCRIPTION),
    path: z
      .string()
      .min(1)
      .describe(
        'File to append to (created with its folders); a relative path is relative to the working directory.',
      ),
    format: z
      .enum(['ndjson', 'splunk-hec', 'elasticsearch-bulk'])
      .default('ndjson')
      .describe(
        '`ndjson`: each record as read; `splunk-hec`: HEC event envelopes; `elasticsearch-bulk`: `_bulk` action/source pairs. Default: `ndjson`.',
      ),
    logTypes: z.array(logTypeName).min(1).optional().describe(LOG_TYPES_DESCRIPTION),
    maxConcurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('Parallel writes (appends are serialized anyway). Default: `1`.'),
    maxBatchBytes: z
      .number()
      .int()
      .min(1024)
      .max(100_000_000)
      .default(1_000_000)
      .describe('Bytes per write. Default: `1000000` (1 MB).'),
    maxBatchRecords: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1_000)
      .describe('Records per write. Default: `1000`.'),
  })
  .describe(
    'Local use only (`sluice dev`, `sluice run`, `sluice forward`): appends what would be sent to a file, so the pipeline runs with no SIEM. `cdk synth` refuses it.',
  );

export const destinationConfig = z.discriminatedUnion(
  'type',
  [splunkHecDestination, elasticsearchDestination, httpsDestination, sentinelDestination],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `must be "splunk-hec", "elasticsearch", "https" or "sentinel". Fix: choose one ("file" destinations work only with the sluice CLI: dev, run, forward)`
        : undefined,
  },
);

/** What the CLI accepts: every deployable destination, and `file`. */
export const localDestinationConfig = z.discriminatedUnion('type', [
  splunkHecDestination,
  elasticsearchDestination,
  httpsDestination,
  sentinelDestination,
  fileDestination,
]);

export type SplunkHecDestinationConfig = z.output<typeof splunkHecDestination>;
export type ElasticsearchDestinationConfig = z.output<typeof elasticsearchDestination>;
export type HttpsDestinationConfig = z.output<typeof httpsDestination>;
export type SentinelDestinationConfig = z.output<typeof sentinelDestination>;
export type FileDestinationConfig = z.output<typeof fileDestination>;
export type DestinationConfig = z.output<typeof destinationConfig>;
export type LocalDestinationConfig = z.output<typeof localDestinationConfig>;
