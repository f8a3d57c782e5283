import { z } from 'zod';
import { LOG_TYPE_PATTERN, normalizePrefix } from '../layout/key-layout';
import { ingestConfig } from './ingest';
import { VENDOR_PRESET_NAMES, VENDOR_PRESETS, type VendorPresetName } from './presets';

/** Roles, users and account roots; wildcards are refused because a bucket policy must name its writers. */
export const principalArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]{1,512}|user\/[\w+=,.@/-]{1,512})$/,
    'is not an IAM principal ARN. Fix: use arn:aws:iam::<12-digit account>:role/<name> (or :user/<name>, :root)',
  );

/** A key prefix made of plain path segments, so that it cannot match more than it says. */
export const keyPrefix = z
  .string()
  .transform(normalizePrefix)
  .pipe(
    z
      .string()
      .min(1, 'must not be empty. Fix: give each source its own prefix, e.g. "sdm/logs"')
      .max(512)
      .regex(
        /^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/,
        'must be path segments of letters, digits and !_.\'()- separated by "/". Fix: e.g. "sdm/logs"',
      )
      .refine((value) => !value.split('/').some((segment) => segment === '.' || segment === '..'), {
        message: 'must not contain "." or ".." segments',
      }),
  );

const fieldName = z.string().min(1).max(256);

function describePreset(name: VendorPresetName): string {
  const { principals, idFieldByLogType } = VENDOR_PRESETS[name];
  const ids = Object.entries(idFieldByLogType).map(([logType, field]) => `\`${logType}\` → \`${field}\``);
  return `\`${name}\` = writer ${principals.map((arn) => `\`${arn}\``).join(', ')}, ids ${ids.join(', ')}`;
}

export const sourceConfig = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,31}$/,
        'must be lower-case letters, digits and dashes (max 32), e.g. "strongdm"',
      )
      .describe(
        'Lower-case name (letters, digits and dashes, up to 32), used in sourcetypes (`strongdm:activities`), quarantine keys and metrics.',
      ),
    prefix: keyPrefix.describe(
      'Key prefix the writer puts objects under (the vendor\'s "Key Prefix", e.g. `sdm/logs`): plain path segments, edge slashes dropped. Prefixes of two sources may not contain one another.',
    ),
    preset: z
      .enum(VENDOR_PRESET_NAMES as [VendorPresetName, ...VendorPresetName[]], {
        error: `is not a known preset. Fix: use one of ${VENDOR_PRESET_NAMES.join(', ')}, or list "principals" instead`,
      })
      .optional()
      .describe(
        `A vendor preset: its writer principal and record id fields. ${VENDOR_PRESET_NAMES.map(describePreset).join('; ')}. Default: none.`,
      ),
    principals: z
      .array(principalArn)
      .optional()
      .describe(
        "IAM principal ARNs (roles, users, account roots; no wildcards) allowed to write under the prefix, added to the preset's. A source needs `preset`, `principals`, `ingest` or a collector. Default: none.",
      ),
    format: z
      .enum(['auto', 'ndjson', 'concatenated'])
      .default('auto')
      .describe(
        "`ndjson`, `concatenated` (pretty-printed JSON objects one after another, as in StrongDM's docs) or `auto` (decided per object). gzip is always detected by its magic bytes. Default: `auto`.",
      ),
    timestampField: fieldName
      .default('timestamp')
      .describe('The record field holding its time. Default: `timestamp`.'),
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
  .transform((source) => {
    const preset = source.preset ? VENDOR_PRESETS[source.preset as VendorPresetName] : undefined;
    return {
      ...source,
      /** Every principal that may write, preset first, without duplicates. */
      writers: [...new Set([...(preset?.principals ?? []), ...(source.principals ?? [])])],
      idFieldByLogType: { ...(preset?.idFieldByLogType ?? {}), ...(source.idFields ?? {}) },
    };
  });

export type SourceConfig = z.output<typeof sourceConfig>;
