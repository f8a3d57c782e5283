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

export const sourceConfig = z
  .strictObject({
    /** Lower-case name used in sourcetypes and metrics (e.g. `strongdm` → `strongdm:activities`). */
    name: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,31}$/,
        'must be lower-case letters, digits and dashes (max 32), e.g. "strongdm"',
      ),
    /** Key prefix the writer puts objects under (the vendor's "Key Prefix"). */
    prefix: keyPrefix,
    /** A vendor preset: its writer principal and record id fields. */
    preset: z
      .string()
      .refine((value): value is VendorPresetName => (VENDOR_PRESET_NAMES as string[]).includes(value), {
        message: `is not a known preset. Fix: use one of ${VENDOR_PRESET_NAMES.join(', ')}, or list "principals" instead`,
      })
      .optional(),
    /** IAM principals allowed to write under the prefix (in addition to the preset's). */
    principals: z.array(principalArn).optional(),
    /** Object format. `auto` tells NDJSON from concatenated (pretty-printed) JSON per object. Default: `auto`. gzip is always detected. */
    format: z.enum(['auto', 'ndjson', 'concatenated']).default('auto'),
    /** Field holding each record's time. Default: `timestamp`. */
    timestampField: fieldName.default('timestamp'),
    /** Per log type, the field holding the record's own unique id (overrides the preset's). */
    idFields: z.record(z.string().regex(LOG_TYPE_PATTERN), fieldName).optional(),
    /** Your applications write this source through sluice's ingest queue and HTTPS endpoint. */
    ingest: ingestConfig.optional(),
  })
  .superRefine((source, ctx) => {
    const hasWriters = Boolean(source.preset) || (source.principals?.length ?? 0) > 0;
    if (!hasWriters && !source.ingest) {
      ctx.addIssue({
        code: 'custom',
        path: ['principals'],
        message:
          'no writer for this source. Fix: set "preset" (e.g. "strongdm"), list the writer role ARNs in "principals", or add "ingest": {} for your own applications',
      });
    }
  })
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
