import * as z from 'zod';
import { LOG_TYPE_PATTERN, normalizePrefix } from '../layout/key-layout';
import {
  DEFAULT_KEY_LAYOUT,
  keyPatternProblem,
  parseKeyPattern,
  rootKeyPrefixes,
} from '../layout/key-pattern';
import { RECORD_FORMATS, type RecordFormat } from '../records/read-event';
import { ingestConfig } from './ingest';
import {
  VENDOR_PRESET_NAMES,
  VENDOR_TEST_OBJECT,
  vendorPreset,
  type ControlObject,
  type VendorPreset,
  type VendorPresetName,
} from './presets';

/** Roles, users and account roots; wildcards are refused because a bucket policy must name its writers. */
export const principalArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]{1,512}|user\/[\w+=,.@/-]{1,512})$/,
    'is not an IAM principal ARN. Fix: use arn:aws:iam::<12-digit account>:role/<name> (or :user/<name>, :root)',
  );

/** Plain path segments, so that a prefix cannot match more than it says. */
const pathSegments = z
  .string()
  .max(512)
  .regex(
    /^([A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*)?$/,
    'must be path segments of letters, digits and !_.\'()- separated by "/". Fix: e.g. "sdm/logs"',
  )
  .refine((value) => !value.split('/').some((segment) => segment === '.' || segment === '..'), {
    message: 'must not contain "." or ".." segments',
  });

/** A key prefix made of plain path segments, so that it cannot match more than it says. */
export const keyPrefix = z
  .string()
  .transform(normalizePrefix)
  .pipe(pathSegments.refine((value) => value.length > 0, 'must not be empty. Fix: e.g. "sluice/quarantine"'));

/**
 * A source's prefix; empty for a writer that cannot be given one (GitHub's stream writes at the bucket
 * root), which the source's key layout then bounds (see rootKeyPrefixes).
 */
const sourcePrefix = z.string().transform(normalizePrefix).pipe(pathSegments);

const trailArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]{3,128}$/,
    'is not a CloudTrail trail ARN. Fix: use arn:aws:cloudtrail:<region>:<12-digit account>:trail/<name>',
  );

const fieldName = z.string().min(1).max(256);

function describePreset(name: VendorPresetName): string {
  const preset = vendorPreset(name);
  const writer = preset.servicePrincipal
    ? `the \`${preset.servicePrincipal}\` service (per trail in \`trailArns\`)`
    : preset.principals.length > 0
      ? preset.principals.map((arn) => `\`${arn}\``).join(', ')
      : 'your `principals`';
  const ids = Object.entries(preset.idFieldByLogType).map(
    ([logType, field]) => `\`${logType}\` → \`${field}\``,
  );
  const times = Object.entries(preset.timestampFieldByLogType ?? {}).map(
    ([logType, field]) => `\`${logType}\` → \`${field}\``,
  );
  return [
    `\`${name}\` = writer ${writer}`,
    `layout \`${preset.keyLayout}\``,
    ...(preset.logType ? [`log type \`${preset.logType}\``] : []),
    `format \`${preset.format}\``,
    `time \`${preset.timestampField}\`${times.length > 0 ? ` (${times.join(', ')})` : ''}`,
    `ids ${ids.join(', ')}`,
  ].join(', ');
}

/** The writer of a source that is an AWS service, allowed for the listed resources only (`aws:SourceArn`). */
export interface ServiceWriter {
  readonly service: 'cloudtrail.amazonaws.com';
  readonly sourceArns: readonly string[];
}

export const sourceConfig = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,31}$/,
        'must be lower-case letters, digits and dashes, starting with a letter, at most 32. Fix: e.g. "strongdm" or "apps-prod"',
      )
      .describe(
        'Lower-case name (letters, digits and dashes, up to 32), used in sourcetypes (`strongdm:activities`), quarantine keys and metrics.',
      ),
    prefix: sourcePrefix.describe(
      'Key prefix the writer puts objects under (the vendor\'s "Key Prefix", e.g. `sdm/logs`): plain path segments, edge slashes dropped. Prefixes of two sources may not contain one another. `""` for a writer with no prefix setting (GitHub\'s stream writes at the bucket root); `keyLayout` must then start with literal text or `{yyyy}`.',
    ),
    preset: z
      .enum(VENDOR_PRESET_NAMES as [VendorPresetName, ...VendorPresetName[]], {
        error: `is not a known preset. Fix: use one of ${VENDOR_PRESET_NAMES.join(', ')}, or list "principals" instead`,
      })
      .optional()
      .describe(
        `A vendor preset: its writer, key layout, record format, time and id fields (see docs/vendor-presets.md). ${VENDOR_PRESET_NAMES.map(describePreset).join('; ')}. Default: none.`,
      ),
    principals: z
      .array(principalArn)
      .optional()
      .describe(
        "IAM principal ARNs (roles, users, account roots; no wildcards) allowed to write under the prefix, added to the preset's. A source needs `preset`, `principals`, `ingest` or a collector. Default: none.",
      ),
    trailArns: z
      .array(trailArn)
      .min(1)
      .optional()
      .describe(
        'With the `cloudtrail` preset: the ARNs of the trails that write here. The bucket policy lets the `cloudtrail.amazonaws.com` service write under the prefix for these trails only (`aws:SourceArn`). Default: none (required with `cloudtrail`).',
      ),
    keyLayout: z
      .string()
      .superRefine((value, ctx) => {
        const problem = keyPatternProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem.replace(/^key layout '.*?' /, '') });
      })
      .optional()
      .describe(
        "Where objects are, relative to the prefix: a pattern of `/`-separated segments with `{logType}` (a whole segment), `{yyyy}` `{MM}` `{dd}` `{HH}` `{mm}` (UTC) and `{*}` (any text without `/`), e.g. `{yyyy}{MM}{dd}/{*}`. It gives each object's log type and time; `replay` and `status` list time ranges by it. Default: the preset's, else `{logType}/{yyyy}/{MM}/{dd}/{HH}/{mm}/{*}` (StrongDM's).",
      ),
    logType: z
      .string()
      .regex(LOG_TYPE_PATTERN, 'must be 1-64 letters, digits, - or _')
      .optional()
      .describe(
        "The log type of every object, for a `keyLayout` without `{logType}` (a record's own `logType` field still wins). Default: the preset's (`audit` for `github-enterprise`, `cloudtrail` for `cloudtrail`); required for `cloudflare-logpush` (the job's dataset, e.g. `http_requests`).",
      ),
    format: z
      .enum(RECORD_FORMATS as [RecordFormat, ...RecordFormat[]])
      .optional()
      .describe(
        "`ndjson`, `concatenated` (pretty-printed JSON objects one after another, as in StrongDM's docs), `records-array` (the elements of a document's top-level `Records` array, as CloudTrail writes) or `auto` (NDJSON or concatenated, decided per object). gzip is always detected by its magic bytes. Default: the preset's, else `auto`.",
      ),
    timestampField: fieldName
      .optional()
      .describe(
        "The record field holding its time: RFC 3339, or epoch seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude). Set, it applies to every log type. Default: the preset's (per log type for `cloudflare-logpush`), else `timestamp`.",
      ),
    idFields: z
      .record(z.string().regex(LOG_TYPE_PATTERN), fieldName)
      .optional()
      .describe(
        'Per log type, the record field holding its own unique id, e.g. `{ "login": "event_id" }`; overrides the preset\'s. Log types without one get an id hashed from the object and the record\'s position in it. Default: the preset\'s.',
      ),
    ingest: ingestConfig
      .optional()
      .describe(
        "Makes this the source your own applications write through sluice's ingest queue and HTTPS endpoint (at most one source); such a source needs no `preset` or `principals`. Default: none.",
      ),
  })
  // "Who writes here" is checked with the whole configuration: a collector can be a source's writer.
  .transform((source, ctx) => {
    const preset: VendorPreset | undefined = source.preset ? vendorPreset(source.preset) : undefined;
    const keyLayout = source.keyLayout ?? preset?.keyLayout ?? DEFAULT_KEY_LAYOUT;
    const logType = source.logType ?? (source.keyLayout === undefined ? preset?.logType : undefined);
    const format = source.format ?? preset?.format ?? 'auto';
    checkLayout(source, { keyLayout, logType, format, preset }, ctx);
    const controlObjects: readonly ControlObject[] = preset?.controlObjects ?? [VENDOR_TEST_OBJECT];
    const serviceWriter: ServiceWriter | undefined =
      preset?.servicePrincipal && source.trailArns
        ? { service: preset.servicePrincipal, sourceArns: source.trailArns }
        : undefined;
    return {
      ...source,
      keyLayout,
      logType,
      format,
      timestampField: source.timestampField ?? preset?.timestampField ?? 'timestamp',
      /** Log types whose time is in another field (the preset's, unless `timestampField` is set). */
      timestampFieldByLogType:
        source.timestampField === undefined ? { ...(preset?.timestampFieldByLogType ?? {}) } : {},
      /** Objects the writer puts under the prefix that hold no logs: never forwarded. */
      controlObjects,
      /** Every principal that may write, preset first, without duplicates. */
      writers: [...new Set([...(preset?.principals ?? []), ...(source.principals ?? [])])],
      serviceWriter,
      /** The key prefixes every object of the source starts with (one, unless the prefix is empty). */
      keyPrefixes: keyPrefixesOf(source.prefix, keyLayout),
      idFieldByLogType: { ...(preset?.idFieldByLogType ?? {}), ...(source.idFields ?? {}) },
    };
  });

/**
 * `<prefix>/`, or for a source at the bucket root the text its layout makes every key start with
 * (`AWSLogs/`, or the ten digits a year starts with).
 */
export function keyPrefixesOf(prefix: string, keyLayout: string): string[] {
  if (prefix !== '') return [`${prefix}/`];
  const problem = keyPatternProblem(keyLayout);
  return (problem ? undefined : rootKeyPrefixes(parseKeyPattern(keyLayout))) ?? [''];
}

/** Rules between a source's layout fields, once the preset's defaults are applied. */
function checkLayout(
  source: {
    readonly prefix: string;
    readonly preset?: string;
    readonly keyLayout?: string;
    readonly logType?: string;
    readonly ingest?: unknown;
    readonly trailArns?: readonly string[];
  },
  resolved: {
    readonly keyLayout: string;
    readonly logType: string | undefined;
    readonly format: RecordFormat;
    readonly preset: VendorPreset | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (keyPatternProblem(resolved.keyLayout)) return; // already reported on keyLayout
  const layout = parseKeyPattern(resolved.keyLayout);
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (layout.logTypeSegment === undefined && resolved.logType === undefined) {
    issue(
      'logType',
      `is required: the key layout '${resolved.keyLayout}' names no log type. Fix: set "logType"${source.preset === 'cloudflare-logpush' ? ' to the Logpush job\'s dataset, e.g. "http_requests"' : ', e.g. "audit"'}`,
    );
  }
  if (layout.logTypeSegment !== undefined && source.logType !== undefined) {
    issue(
      'logType',
      `is for layouts without {logType}; '${resolved.keyLayout}' names the log type in its keys. Fix: remove "logType"`,
    );
  }
  if (source.prefix === '' && rootKeyPrefixes(layout) === undefined) {
    issue(
      'prefix',
      `is empty, so the key layout must say what the source's keys start with, but '${resolved.keyLayout}' starts with a variable. Fix: give the source a prefix, or a keyLayout that starts with literal text or {yyyy}`,
    );
  }
  if (
    source.ingest &&
    (resolved.keyLayout !== DEFAULT_KEY_LAYOUT || !['auto', 'ndjson'].includes(resolved.format))
  ) {
    issue(
      'ingest',
      `writes NDJSON objects in the layout ${DEFAULT_KEY_LAYOUT}, so the source must read that. Fix: remove "keyLayout", "format" and "preset" from this source, or give "ingest" a source of its own`,
    );
  }
  if (resolved.preset?.servicePrincipal && !source.trailArns) {
    issue(
      'trailArns',
      `is required with the "${source.preset}" preset: the bucket policy lets ${resolved.preset.servicePrincipal} write for these trails only. Fix: list your trails, e.g. ["arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"]`,
    );
  }
  if (source.trailArns && !resolved.preset?.servicePrincipal) {
    issue(
      'trailArns',
      'is only for the "cloudtrail" preset. Fix: remove "trailArns", or set "preset": "cloudtrail"',
    );
  }
}

export type SourceConfig = z.output<typeof sourceConfig>;
