import * as z from 'zod';
import { parseIngestEnvironment } from '../core/ingest/env-config';
import { ENDPOINT_TIMEOUT_SECONDS } from '../core/ingest/time-budget';
import { FUNCTION_TIMEOUT_ENV } from '../adapters/request-bounds';
import { isValidLogType, LOG_TYPE_PATTERN } from '../core/layout/key-layout';

/** Everything the endpoint reads from its environment (set by the `IngestEndpoint` construct). */
export interface EndpointConfig {
  readonly queueUrl: string;
  /** ARN of the secret whose SecretString is the token; the token itself never sits in the environment. */
  readonly tokenSecretArn: string;
  readonly defaultLogType?: string;
  readonly allowedLogTypes?: ReadonlySet<string>;
  /** Largest accepted body after decompression. */
  readonly maxBodyBytes: number;
  /** The ingest queue's maximum message size. */
  readonly maxMessageBytes: number;
  /** How long a fetched token is reused before it is read again (rotation takes effect within this). */
  readonly tokenCacheSeconds: number;
  /** The function's timeout (the stack sets it; Lambda tells a handler only the time left). */
  readonly functionTimeoutSeconds?: number;
}

export const ENDPOINT_DEFAULTS = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxMessageBytes: 256 * 1024,
  tokenCacheSeconds: 300,
} as const;

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const schema = z.object({
  INGEST_QUEUE_URL: z.string().url(),
  TOKEN_SECRET_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'is not a secret ARN'),
  DEFAULT_LOG_TYPE: optionalText.refine((value) => value === undefined || isValidLogType(value), {
    message: `must match ${LOG_TYPE_PATTERN.source}`,
  }),
  ALLOWED_LOG_TYPES: optionalText,
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(ENDPOINT_DEFAULTS.maxBodyBytes),
  MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1_048_576)
    .default(ENDPOINT_DEFAULTS.maxMessageBytes),
  TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(ENDPOINT_DEFAULTS.tokenCacheSeconds),
  [FUNCTION_TIMEOUT_ENV]: z.coerce
    .number()
    .int()
    .min(ENDPOINT_TIMEOUT_SECONDS.min)
    .max(ENDPOINT_TIMEOUT_SECONDS.max)
    .optional(),
});

export function readEndpointConfig(env: Readonly<Record<string, string | undefined>>): EndpointConfig {
  const { value, allowedLogTypes } = parseIngestEnvironment(schema, env, 'ingest endpoint');
  return {
    queueUrl: value.INGEST_QUEUE_URL,
    tokenSecretArn: value.TOKEN_SECRET_ARN,
    defaultLogType: value.DEFAULT_LOG_TYPE,
    allowedLogTypes,
    maxBodyBytes: value.MAX_BODY_BYTES,
    maxMessageBytes: value.MAX_MESSAGE_BYTES,
    tokenCacheSeconds: value.TOKEN_CACHE_SECONDS,
    functionTimeoutSeconds: value[FUNCTION_TIMEOUT_ENV],
  };
}
