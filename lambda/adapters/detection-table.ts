import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SluiceError } from '../core/errors';

/**
 * The detection state table, as the stack creates it and the adapters read it: one table holds the
 * window store's items (`pk = 'w#' + partition`) and the alert store's (`pk = 'a#' + dedupKey`),
 * PAY_PER_REQUEST, with DynamoDB's TTL on `expiresAt` (Number, epoch seconds).
 */
export const DETECTION_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttl: 'expiresAt' } as const;

/** Forwarder environment variable naming the table. */
export const DETECTION_TABLE_ENV = 'SLUICE_DETECTIONS_TABLE';

/** Stable code of a failed read or write of detection state (the stage retries the batch). */
export const DETECTION_STATE_UNAVAILABLE = 'DETECTION_STATE_UNAVAILABLE';

/** DynamoDB refuses partition keys over 2,048 bytes; a key is hashed well before that. */
const MAX_READABLE_KEY_BYTES = 1_024;
const KEPT_PREFIX_CHARS = 200;

/**
 * The partition key of a name (a window partition or a dedup key, which embed group-by values of
 * any length): the name itself while it is short, so items stay readable in the console; else its
 * start and a SHA-256 of the whole, which is as unique and stays under DynamoDB's key limit.
 */
export function partitionKeyOf(prefix: 'w#' | 'a#', name: string): string {
  const key = prefix + name;
  if (Buffer.byteLength(key, 'utf8') <= MAX_READABLE_KEY_BYTES) return key;
  const digest = createHash('sha256').update(name, 'utf8').digest('base64url');
  return `${prefix}${name.slice(0, KEPT_PREFIX_CHARS)}\u2026#${digest}`;
}

/** DynamoDB's TTL reads epoch seconds; rounded up so an item never expires before its time. */
export function ttlSecondsOf(expiresAtMs: number): string {
  return String(Math.ceil(expiresAtMs / 1000));
}

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string }).name === 'ConditionalCheckFailedException'
  );
}

/** Why a DynamoDB request failed: its error name and status, and DynamoDB's reason (e.g. an item size). */
function causeOf(error: unknown): string {
  const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = failure.$metadata?.httpStatusCode;
  const reason = (failure.message ?? '').slice(0, 300);
  if (status !== undefined)
    return `${failure.name ?? 'error'} (HTTP ${status})${reason ? `: ${reason}` : ''}`;
  return `${failure.name ?? 'error'}${reason ? `: ${reason}` : ''}. Fix: check the network path to DynamoDB (VPC endpoint or NAT, region)`;
}

/**
 * A DynamoDB failure as an operator reads it. The context names the table and the rule, never the
 * group values (they are record content).
 */
export function stateUnavailable(table: string, doing: string, ruleKey: string, error: unknown): SluiceError {
  return new SluiceError(
    DETECTION_STATE_UNAVAILABLE,
    `cannot ${doing} of rule '${ruleKey}' in table ${table}: ${causeOf(error)}`,
    { table, rule: ruleKey },
    { cause: error },
  );
}
