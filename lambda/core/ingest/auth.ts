import { createHash, timingSafeEqual } from 'node:crypto';

/** What an `Authorization` header says. Both `Bearer <token>` and HEC's `Splunk <token>` are accepted. */
export type Credentials =
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'token'; readonly token: string };

const SCHEMES = new Set(['bearer', 'splunk']);

export function readAuthorization(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { kind: 'missing' };
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match || !SCHEMES.has(match[1].toLowerCase())) return { kind: 'malformed' };
  return { kind: 'token', token: match[2] };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Compares in time that does not depend on where the strings differ or on their lengths (both are
 * hashed to 32 bytes first), so that response timing reveals nothing about the expected token.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  if (expected === '') return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
