import * as z from 'zod';
import { collectorConfig } from '../collectors/config';
import { collectorIdField, collectorTimestampField } from '../collectors/record-fields';
import { keyPrefixesOverlap } from '../layout/key-layout';
import { DEFAULT_KEY_LAYOUT } from '../layout/key-pattern';
import { detectionsProblems } from './detections-checks';
import { detectionsConfig } from './detections';
import { destinationConfig, localDestinationConfig } from './destinations';
import { keyPrefix, sourceConfig } from './sources';
import { pascal } from './spelling';

const days = z.number().int().min(1).max(36_500);

/** Said of every section whose fields all have defaults, so that `{}` (or leaving it out) is complete. */
const ALL_DEFAULTS = 'Default: `{}` (every field at its default).';

export const bucketConfig = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'is not a valid S3 bucket name (3-63 lower-case letters, digits, . and -)',
    )
    .optional()
    .describe(
      "Bucket name, known before deployment so that it can be typed into the vendor's UI. Default: `sluice-logs-<account>-<region>`.",
    ),
  encryption: z
    .enum(['s3-managed', 'kms'])
    .default('s3-managed')
    .describe(
      '`s3-managed` (SSE-S3) or `kms`: a customer-managed key with yearly rotation and S3 Bucket Keys, created by the stack; its key policy lets each writer use it only through S3, for this bucket and its prefix. Default: `s3-managed`.',
    ),
  retentionDays: days
    .default(395)
    .describe(
      'Days objects are kept before they expire (a year of SOC 2 evidence plus a month of margin). Default: `395`.',
    ),
  transitionDays: days
    .default(30)
    .describe(
      'Days before objects move to `transitionStorageClass`; below `retentionDays`, and at least 30 for `STANDARD_IA` (an S3 rule). Default: `30`.',
    ),
  transitionStorageClass: z
    .enum(['STANDARD_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER'])
    .default('STANDARD_IA')
    .describe(
      'Storage class objects move to after `transitionDays`. `GLACIER` (Flexible Retrieval) objects must be restored before they can be read: `sluice replay` of older ranges and re-driven notifications of such objects fail with `InvalidObjectState` until an S3 restore is done; the other classes read as usual. Default: `STANDARD_IA`.',
    ),
  noncurrentVersionDays: days
    .default(30)
    .describe('Days a replaced or deleted object version is kept. Default: `30`.'),
  versioned: z.boolean().default(true).describe('S3 versioning (Object Lock requires it). Default: `true`.'),
  objectLock: z
    .strictObject({
      mode: z
        .enum(['governance', 'compliance'])
        .describe(
          '`governance` (principals allowed to bypass governance retention can still delete) or `compliance` (nobody can, the root user included, until the lock expires).',
        ),
      days: days.describe('Days each new object version stays locked.'),
    })
    .optional()
    .describe(
      'Object Lock for tamper evidence: every new object version is locked for `days` days. Needs `versioned` and `retentionDays` >= `days`; it can only be enabled when the bucket is created. Default: none (off).',
    ),
  accessLogRetentionDays: days
    .default(395)
    .describe('Days the server access logs (in a bucket of their own) are kept. Default: `395`.'),
});

export const forwarderConfig = z.strictObject({
  memoryMb: z
    .number()
    .int()
    .min(256)
    .max(10_240)
    .default(512)
    .describe(
      'Forwarder memory in MB. Memory stays flat whatever the object size (objects are streamed); more memory buys CPU for JSON parsing. Default: `512`.',
    ),
  timeoutSeconds: z
    .number()
    .int()
    .min(30)
    .max(900)
    .default(300)
    .describe(
      "Forwarder timeout in seconds. Long objects continue in a new invocation from the last delivered offset; the object queue's visibility timeout is 6 × this + `maxBatchingWindowSeconds`. Default: `300`.",
    ),
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(10)
    .describe('Notifications per invocation; above 10 needs `maxBatchingWindowSeconds` >= 1. Default: `10`.'),
  maxBatchingWindowSeconds: z
    .number()
    .int()
    .min(0)
    .max(300)
    .default(0)
    .describe('Seconds Lambda waits to fill a batch; 0 forwards as soon as an object lands. Default: `0`.'),
  maxConcurrency: z
    .number()
    .int()
    .min(2)
    .max(1000)
    .optional()
    .describe(
      'Event-source maximum concurrency: caps the load on your SIEM. Required, and at most `reservedConcurrency`, when `reservedConcurrency` is set. Default: unset (Lambda scales with the queue).',
    ),
  reservedConcurrency: z
    .number()
    .int()
    // maxConcurrency must fit within it, and Lambda's SQS maximum concurrency is at least 2.
    .min(
      2,
      'must be at least 2: maxConcurrency must be set and fit within it, and an SQS event source takes at least 2. Fix: set reservedConcurrency and maxConcurrency to 2 or more',
    )
    .max(1000)
    .optional()
    .describe(
      'Reserved concurrency of the forwarder function, at least 2 (it must hold `maxConcurrency`). Default: unset.',
    ),
  maxReceiveCount: z
    .number()
    .int()
    .min(5)
    .max(1000)
    .default(5)
    .describe(
      "Receives before a notification moves to the object DLQ (Lambda's guidance: at least 5). Default: `5`.",
    ),
  maxRecordBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(8 * 1024 * 1024)
    .describe(
      'A record larger than this is quarantined (its first 64 KiB kept). Default: `8388608` (8 MiB).',
    ),
  maxObjectBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .default(16 * 1024 ** 3)
    .describe(
      'Decompressed size above which an object is refused (gzip-bomb guard). Default: `17179869184` (16 GiB).',
    ),
});

/** Days the object queue keeps a notification (SQS then deletes it, forwarded or not). */
export const OBJECT_QUEUE_RETENTION_DAYS = 4;

/**
 * The largest backlog alarm age: half the object queue's retention. An older threshold would alarm
 * late or never, after SQS had deleted the notifications unforwarded, with nothing to say so.
 */
const MAX_MESSAGE_AGE_MINUTES = (OBJECT_QUEUE_RETENTION_DAYS * 24 * 60) / 2;

export const monitoringConfig = z.strictObject({
  alarmEmail: z
    .email('must be an e-mail address')
    .optional()
    .describe('An address subscribed to the alarm topic. Default: none (subscribe to the topic yourself).'),
  maxMessageAgeMinutes: z
    .number()
    .int()
    .min(1)
    .max(
      MAX_MESSAGE_AGE_MINUTES,
      `must be at most ${MAX_MESSAGE_AGE_MINUTES}: the object queue deletes notifications after ${OBJECT_QUEUE_RETENTION_DAYS} days, forwarded or not, and the alarm must leave time to act before. Fix: use ${MAX_MESSAGE_AGE_MINUTES} or less`,
    )
    .default(15)
    .describe(
      `Alarm when a queue's oldest message is older than this many minutes; at most ${MAX_MESSAGE_AGE_MINUTES}, half the ${OBJECT_QUEUE_RETENTION_DAYS} days the object queue keeps a notification. Default: \`15\`.`,
    ),
});

/** The top-level fields, with the destinations a reader accepts (the stack's, or the CLI's with `file`). */
function configObject<D extends typeof destinationConfig | typeof localDestinationConfig>(destination: D) {
  return z.strictObject({
    $schema: z
      .string()
      .optional()
      .describe(
        "The JSON Schema of this file, for editors' completion and checks, e.g. `./node_modules/sluice/schema/sluice.config.schema.json`. sluice ignores it. Default: none.",
      ),
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'is not a valid stack name')
      .default('Sluice')
      .describe('CloudFormation stack name; the CLI finds the deployment by it. Default: `Sluice`.'),
    bucket: bucketConfig.prefault({}).describe(`The log bucket writers put objects into. ${ALL_DEFAULTS}`),
    sources: z
      .array(sourceConfig)
      .min(1, 'needs at least one source. Fix: add {"name","prefix","preset"|"principals"}')
      .describe(
        'Who writes where: one entry per vendor or application, each under its own prefix. At least one.',
      ),
    destinations: z
      .array(destination)
      .default([])
      .describe(
        'Where records are forwarded: `splunk-hec`, `elasticsearch`, `https` or `sentinel` (and `file`, with the sluice CLI only). Default: `[]`.',
      ),
    quarantinePrefix: keyPrefix
      .default('sluice/quarantine')
      .describe(
        'Key prefix where unreadable or refused records are written, with the reason; must not overlap a source prefix. Default: `sluice/quarantine`.',
      ),
    forwarder: forwarderConfig
      .prefault({})
      .describe(`Sizing of the forwarder Lambda and its event source. ${ALL_DEFAULTS}`),
    monitoring: monitoringConfig.prefault({}).describe(`Alarms and their SNS topic. ${ALL_DEFAULTS}`),
    collectors: z
      .array(collectorConfig)
      .default([])
      .describe(
        "APIs that must be polled (`cirrus-siem`, `stellarbridge-events`, `http-json`): each runs on a schedule and writes the new events as NDJSON objects under its source's prefix, from where they are forwarded like any vendor's. Default: `[]`.",
      ),
    detections: detectionsConfig
      .optional()
      .describe(
        'Sigma detections run by the forwarder beside the destinations: rule packs and your own rules, alert deduplication, where alerts are written (they are forwarded to the destinations as log type `sluice-alerts` of the source `sluice`) and where they are routed. `{}` runs the `strongdm` pack with every default. Default: none (no detections).',
      ),
  });
}

type CheckedConfig = z.output<ReturnType<typeof configObject<typeof localDestinationConfig>>>;

/** Rules between fields, which JSON Schema cannot say: the validators check them, editors do not. */
function checkConfig(config: CheckedConfig, ctx: z.RefinementCtx<CheckedConfig>): void {
  const seen = new Map<string, number>();
  config.sources.forEach((source, index) => {
    const first = seen.get(source.name);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources', index, 'name'],
        message: `duplicates sources[${first}].name '${source.name}'. Fix: give every source its own name`,
      });
    }
    seen.set(source.name, index);
    config.sources.slice(0, index).forEach((other, otherIndex) => {
      if (keyPrefixesOverlap(keyPrefixesOfSource(source), keyPrefixesOfSource(other))) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'prefix'],
          message: `'${source.prefix}' overlaps sources[${otherIndex}].prefix '${other.prefix}'${source.prefix === '' || other.prefix === '' ? ` (a source at the bucket root owns the keys starting with ${keyPrefixesOfSource(source.prefix === '' ? source : other).join(', ')})` : ''}. Fix: use prefixes where neither contains the other`,
        });
      }
    });
    if (keyPrefixesOverlap(keyPrefixesOfSource(source), [`${config.quarantinePrefix}/`])) {
      ctx.addIssue({
        code: 'custom',
        path: ['quarantinePrefix'],
        message: `'${config.quarantinePrefix}' overlaps sources[${index}].prefix '${source.prefix}'. Fix: keep quarantined records outside every source prefix`,
      });
    }
  });
  const ingestSources = config.sources.filter((source) => source.ingest);
  if (ingestSources.length > 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['sources'],
      message: `${ingestSources.length} sources have "ingest"; one stack has one ingest queue and endpoint. Fix: keep "ingest" on one source and tell log types apart with logType`,
    });
  }
  const destinationNames = new Set<string>();
  config.destinations.forEach((destination, index) => {
    if (destinationNames.has(destination.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['destinations', index, 'name'],
        message: `'${destination.name}' is used twice. Fix: give every destination its own name`,
      });
    }
    destinationNames.add(destination.name);
  });
  checkCollectors(config, ctx);
  checkSpellings(config.sources, 'sources', pascal, 'its bucket policy statement and stack output', ctx);
  checkSpellings(config.destinations, 'destinations', alarmSpelling, 'its alarms', ctx);
  checkSpellings(config.collectors, 'collectors', pascal, 'its alarms', ctx);
  for (const problem of detectionsProblems(config)) {
    ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
  }
  const { bucket } = config;
  config.sources.forEach((source, index) => {
    if (source.serviceWriter && bucket.encryption === 'kms') {
      ctx.addIssue({
        code: 'custom',
        path: ['sources', index, 'preset'],
        message: `'${source.preset}' cannot write to a bucket with encryption "kms": the ${source.serviceWriter.service} service would need a grant in the key policy, which sluice does not create. Fix: use bucket.encryption "s3-managed" (CloudTrail's own default is SSE-S3)`,
      });
    }
  });
  if (bucket.objectLock && !bucket.versioned) {
    ctx.addIssue({
      code: 'custom',
      path: ['bucket', 'objectLock'],
      message: 'needs versioning. Fix: set bucket.versioned to true (or remove bucket.objectLock)',
    });
  }
  if (bucket.objectLock && bucket.retentionDays < bucket.objectLock.days) {
    ctx.addIssue({
      code: 'custom',
      path: ['bucket', 'retentionDays'],
      message: `${bucket.retentionDays} is shorter than bucket.objectLock.days ${bucket.objectLock.days}: objects could not expire while locked. Fix: set retentionDays >= objectLock.days`,
    });
  }
  if (bucket.transitionDays >= bucket.retentionDays) {
    ctx.addIssue({
      code: 'custom',
      path: ['bucket', 'transitionDays'],
      message: `${bucket.transitionDays} must be below bucket.retentionDays ${bucket.retentionDays}. Fix: lower transitionDays or raise retentionDays`,
    });
  }
  if (bucket.transitionStorageClass === 'STANDARD_IA' && bucket.transitionDays < 30) {
    ctx.addIssue({
      code: 'custom',
      path: ['bucket', 'transitionDays'],
      message: `${bucket.transitionDays} is below S3's 30-day minimum for STANDARD_IA. Fix: use 30 or more, or another transitionStorageClass`,
    });
  }
  const { forwarder } = config;
  if (
    forwarder.reservedConcurrency !== undefined &&
    (forwarder.maxConcurrency === undefined || forwarder.maxConcurrency > forwarder.reservedConcurrency)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['forwarder', 'maxConcurrency'],
      message: `must be set and at most forwarder.reservedConcurrency (${forwarder.reservedConcurrency}): otherwise SQS polling outruns the reserved functions, throttled messages use up their receives and reach the DLQ unprocessed. Fix: set maxConcurrency <= reservedConcurrency`,
    });
  }
  if (forwarder.batchSize > 10 && forwarder.maxBatchingWindowSeconds === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['forwarder', 'maxBatchingWindowSeconds'],
      message: `must be at least 1 when forwarder.batchSize (${forwarder.batchSize}) is above 10 (a Lambda rule). Fix: set a batching window or a batch size of 10 or less`,
    });
  }
}

/** How the alarms spell a destination name in their ids: its letters and digits (`splunk-1` → `splunk1`). */
function alarmSpelling(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '');
}

/**
 * Names the stack spells alike in construct ids, statement ids and output names (`portal-1` and
 * `portal1`): accepted, they would fail synth with a bare "There is already a Construct" or be refused
 * by IAM at deployment (statement ids are unique per policy). Identical names are reported elsewhere.
 */
function checkSpellings(
  items: readonly { readonly name: string }[],
  field: 'sources' | 'destinations' | 'collectors',
  spelling: (name: string) => string,
  where: string,
  ctx: z.RefinementCtx<CheckedConfig>,
): void {
  const seen = new Map<string, number>();
  items.forEach(({ name }, index) => {
    const spelled = spelling(name);
    const first = seen.get(spelled);
    if (first !== undefined && items[first].name !== name) {
      ctx.addIssue({
        code: 'custom',
        path: [field, index, 'name'],
        message: `'${name}' and ${field}[${first}].name '${items[first].name}' are spelled alike ('${spelled}') in ${where}, which would collide. Fix: give it a name that differs from '${items[first].name}' by more than dashes`,
      });
    }
    if (first === undefined) seen.set(spelled, index);
  });
}

/**
 * `collectors[]` against the sources: each names an existing source, once per log type, and its
 * events' id and time fields are the ones the forwarder reads for that source and log type. A source
 * a collector writes to needs no other writer.
 */
function checkCollectors(config: CheckedConfig, ctx: z.RefinementCtx<CheckedConfig>): void {
  const names = new Map<string, number>();
  const streams = new Map<string, number>();
  const collected = new Set<string>();
  config.collectors.forEach((collector, index) => {
    const first = names.get(collector.name);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['collectors', index, 'name'],
        message: `duplicates collectors[${first}].name '${collector.name}'. Fix: give every collector its own name (it keys the checkpoint)`,
      });
    }
    names.set(collector.name, index);
    const sourceIndex = config.sources.findIndex((source) => source.name === collector.source);
    if (sourceIndex < 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['collectors', index, 'source'],
        message: `'${collector.source}' is not a source. Fix: use one of ${config.sources.map((source) => source.name).join(', ')}, or add {"name": "${collector.source}", "prefix": "…"} to sources`,
      });
      return;
    }
    collected.add(collector.source);
    const stream = `${collector.source}/${collector.logType}`;
    const sameStream = streams.get(stream);
    if (sameStream !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['collectors', index, 'logType'],
        message: `collectors[${sameStream}] writes log type '${collector.logType}' of source '${collector.source}' already. Fix: give each collector its own logType`,
      });
    }
    streams.set(stream, index);
    const source = config.sources[sourceIndex];
    if (
      (source.keyLayout ?? DEFAULT_KEY_LAYOUT) !== DEFAULT_KEY_LAYOUT ||
      source.format === 'records-array'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['collectors', index, 'source'],
        message: `'${collector.source}' reads the key layout '${source.keyLayout}'${source.format === 'records-array' ? ' and format records-array' : ''}, but a collector writes NDJSON objects in the layout ${DEFAULT_KEY_LAYOUT}. Fix: give the collector a source of its own, without "preset", "keyLayout" or "format"`,
      });
    }
    const idField = collectorIdField(collector);
    // Refinements run on fields with problems too: a source whose own fields were refused has no derived ones.
    const idFields: Readonly<Record<string, string>> = source.idFieldByLogType ?? {};
    const configured = Object.hasOwn(idFields, collector.logType) ? idFields[collector.logType] : undefined;
    if (configured !== undefined && configured !== idField) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources', sourceIndex, 'idFields', collector.logType],
        message: `'${configured}' is not the id field of collectors[${index}] ('${collector.name}' writes its events' ids in '${idField}'). Fix: remove this entry (the collector's is used) or set it to '${idField}'`,
      });
    }
    const timestampField = collectorTimestampField(collector);
    if (timestampField !== undefined && timestampField !== source.timestampField) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources', sourceIndex, 'timestampField'],
        message: `'${source.timestampField}' is not where collectors[${index}] ('${collector.name}') finds its events' time. Fix: set it to '${timestampField}'`,
      });
    }
  });
  config.sources.forEach((source, index) => {
    const hasWriters = (source.writers?.length ?? 0) > 0 || Boolean(source.serviceWriter);
    if (hasWriters || source.ingest || collected.has(source.name)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['sources', index, 'principals'],
      message: `no writer for this source. Fix: ${source.preset === 'github-enterprise' ? 'list the IAM role (OIDC) or user (access keys) your GitHub audit log stream writes with in "principals"' : 'set "preset" (e.g. "strongdm"), list the writer role ARNs in "principals", add "ingest": {} for your own applications, or name it as a collector\'s "source"'}`,
    });
  });
}

/** The key prefixes a source's objects start with (derived fields are missing when the source's own fields were refused). */
function keyPrefixesOfSource(source: {
  readonly prefix: string;
  readonly keyPrefixes?: readonly string[];
}): readonly string[] {
  return source.keyPrefixes ?? [`${source.prefix}/`];
}

/** The forwarder finds each collected event's id in the field its collector writes it to. */
function withCollectorIds<C extends CheckedConfig>(config: C): C {
  if (config.collectors.length === 0) return config;
  return {
    ...config,
    sources: config.sources.map((source) => {
      const own = config.collectors.filter((collector) => collector.source === source.name);
      if (own.length === 0) return source;
      return {
        ...source,
        idFieldByLogType: {
          ...source.idFieldByLogType,
          ...Object.fromEntries(own.map((collector) => [collector.logType, collectorIdField(collector)])),
        },
      };
    }),
  };
}

/** What a deployed stack accepts (`cdk synth`, the `Sluice` construct): no `file` destinations. */
export const sluiceConfig = configObject(destinationConfig)
  .superRefine(checkConfig)
  .transform(withCollectorIds);

/**
 * What a configuration file may hold: the stack's configuration, plus the `file` destinations only the
 * CLI runs. The published JSON Schema is generated from this, so editors accept `examples/local.json`.
 */
export const sluiceConfigFile = configObject(localDestinationConfig)
  .superRefine(checkConfig)
  .transform(withCollectorIds);

export type SluiceConfigInput = z.input<typeof sluiceConfig>;
export type SluiceConfig = z.output<typeof sluiceConfig>;
export type BucketConfig = z.output<typeof bucketConfig>;
export type ForwarderConfig = z.output<typeof forwarderConfig>;
export type { DetectionsConfig } from './detections';
