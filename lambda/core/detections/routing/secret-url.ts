import { SluiceError } from '../../errors';
import { AlertRoutingCodes } from './codes';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A URL read from a secret: `https://`, or plain `http://` on loopback only (local receivers and tests),
 * as destination URLs are. The refusal names what is wrong and never the value: a Slack webhook URL is
 * itself the credential.
 */
export function secretUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SluiceError(
      AlertRoutingCodes.SECRET_INVALID,
      `the secret does not hold a URL. Fix: store ${what} as the plain secret string`,
    );
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url;
  throw new SluiceError(
    AlertRoutingCodes.SECRET_INVALID,
    `the secret's URL must use https:// (plain http:// only on loopback). Fix: store ${what}`,
  );
}

/**
 * The parts of a secret URL a message must not quote: its path and query whole and apart, their
 * token-length pieces (an answer may echo only the token), and any user and password.
 */
export function urlSecrets(url: URL): string[] {
  const pieces = [...url.pathname.split('/'), ...url.searchParams.values()].filter(
    (piece) => piece.length >= 16,
  );
  // Empty and one-character parts (`/`) are left to the redaction, which skips them.
  return [`${url.pathname}${url.search}`, url.pathname, url.search, ...pieces, url.username, url.password];
}
