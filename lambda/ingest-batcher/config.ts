import * as z from 'zod';
import { DEFAULT_OBJECT_LIMITS } from '../core/ingest/batch-plan';
import type { EnrichmentDefaults } from '../core/ingest/enrich';
import { parseIngestEnvironment } from '../core/ingest/env-config';
import {
  isValidLogType,
  LOG_TYPE_PATTERN,
  normalizePrefix,
  prefixesOverlap,
} from '../core/layout/key-layout';

/** Everything the batcher reads from its environment (set by the `IngestBatcher` construct). */
export interface BatcherConfig {
  readonly bucketName: string;
  readonly prefix: string;
  readonly quarantinePrefix: string;
  readonly maxEntriesPerObject: number;
  readonly maxBytesPerObject: number;
  readonly gzip: boolean;
  readonly defaultLogType?: string;
  readonly allowedLogTypes?: ReadonlySet<string>;
  readonly enrichment?: EnrichmentDefaults;
}

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const prefix = z
  .string()
  .transform(normalizePrefix)
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .regex(
        /^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/,
        "must be path segments of letters, digits and !_.'()-",
      )
      .refine((value) => !value.split('/').some((segment) => segment === '.' || segment === '..'), {
        message: 'must not contain "." or ".." segments',
      }),
  );

const schema = z
  .object({
    BUCKET_NAME: z.string().min(3),
    INGEST_PREFIX: prefix,
    QUARANTINE_PREFIX: prefix,
    MAX_ENTRIES_PER_OBJECT: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(DEFAULT_OBJECT_LIMITS.maxEntriesPerObject),
    MAX_BYTES_PER_OBJECT: z.coerce
      .number()
      .int()
      .min(1024)
      .max(5 * 1024 ** 3)
      .default(DEFAULT_OBJECT_LIMITS.maxBytesPerObject),
    GZIP: z.enum(['true', 'false']).default('false'),
    DEFAULT_LOG_TYPE: optionalText.refine((value) => value === undefined || isValidLogType(value), {
      message: `must match ${LOG_TYPE_PATTERN.source}`,
    }),
    ALLOWED_LOG_TYPES: optionalText,
    ENRICH_SOURCE: optionalText,
    ENRICH_APP: optionalText,
    ENRICH_ENV: optionalText,
  })
  .superRefine((env, ctx) => {
    if (prefixesOverlap(env.INGEST_PREFIX, env.QUARANTINE_PREFIX)) {
      ctx.addIssue({ code: 'custom', path: ['QUARANTINE_PREFIX'], message: 'overlaps INGEST_PREFIX' });
    }
  });

export function readBatcherConfig(env: Readonly<Record<string, string | undefined>>): BatcherConfig {
  const { value, allowedLogTypes } = parseIngestEnvironment(schema, env, 'ingest batcher');
  const enrichment: EnrichmentDefaults = {
    ...(value.ENRICH_SOURCE === undefined ? {} : { source: value.ENRICH_SOURCE }),
    ...(value.ENRICH_APP === undefined ? {} : { app: value.ENRICH_APP }),
    ...(value.ENRICH_ENV === undefined ? {} : { env: value.ENRICH_ENV }),
  };
  return {
    bucketName: value.BUCKET_NAME,
    prefix: value.INGEST_PREFIX,
    quarantinePrefix: value.QUARANTINE_PREFIX,
    maxEntriesPerObject: value.MAX_ENTRIES_PER_OBJECT,
    maxBytesPerObject: value.MAX_BYTES_PER_OBJECT,
    gzip: value.GZIP === 'true',
    defaultLogType: value.DEFAULT_LOG_TYPE,
    allowedLogTypes,
    enrichment: Object.keys(enrichment).length === 0 ? undefined : enrichment,
  };
}
