import { SluiceError } from '../../errors';
import type { SecretSource } from '../../sinks/types';
import { CollectorCodes, CollectorError } from '../codes';

/** Reads a secret, naming the failure without ever quoting the value. */
export async function readSecret(source: SecretSource, refresh = false): Promise<string> {
  try {
    return await (refresh ? source.refresh() : source.get());
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new CollectorError(
      CollectorCodes.SECRET_INVALID,
      'the credentials secret cannot be read',
      {},
      {
        cause: error,
      },
    );
  }
}

/**
 * A secret holding a JSON object with the given string fields. The error names the missing fields
 * and the expected shape, never the secret's content.
 */
export function secretFields<K extends string>(
  text: string,
  fields: readonly K[],
  what: string,
): Record<K, string> & Record<string, unknown> {
  const shape = `{${fields.map((field) => `"${field}": "..."`).join(', ')}}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CollectorError(
      CollectorCodes.SECRET_INVALID,
      `the ${what} secret is not JSON. Fix: store ${shape} in the secret`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CollectorError(
      CollectorCodes.SECRET_INVALID,
      `the ${what} secret is not a JSON object. Fix: store ${shape} in the secret`,
    );
  }
  const record = parsed as Record<string, unknown>;
  const missing = fields.filter((field) => typeof record[field] !== 'string' || record[field] === '');
  if (missing.length > 0) {
    throw new CollectorError(
      CollectorCodes.SECRET_INVALID,
      `the ${what} secret lacks ${missing.map((field) => `"${field}"`).join(', ')}. Fix: store ${shape} in the secret`,
      { missing },
    );
  }
  return record as Record<K, string> & Record<string, unknown>;
}
