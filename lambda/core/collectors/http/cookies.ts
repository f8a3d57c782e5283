/** A session cookie as a login answer set it. */
export interface SessionCookie {
  readonly name: string;
  readonly value: string;
  /** Epoch ms after which it is no longer sent; undefined: until the server refuses it. */
  readonly expiresAt?: number;
}

/**
 * The cookie `name` from `Set-Cookie` headers, with its expiry: `Max-Age` wins over `Expires`
 * (RFC 6265 §5.3), and a JWT value's `exp` claim bounds both. A cookie set already expired (a logout)
 * counts as absent.
 */
export function sessionCookie(
  setCookie: string | readonly string[] | undefined,
  name: string,
  now: number,
): SessionCookie | undefined {
  const headers = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie as string];
  let found: SessionCookie | undefined;
  for (const header of headers) {
    const [pair, ...attributes] = header.split(';');
    const equals = pair.indexOf('=');
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
    const value = unquote(pair.slice(equals + 1).trim());
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const attribute of attributes) {
      const [key, ...rest] = attribute.split('=');
      const attributeValue = rest.join('=').trim();
      const lower = key.trim().toLowerCase();
      if (lower === 'max-age' && /^-?\d+$/.test(attributeValue)) maxAge = Number(attributeValue);
      if (lower === 'expires') {
        const at = Date.parse(attributeValue);
        if (!Number.isNaN(at)) expires = at;
      }
    }
    const expiresAt = minDefined(maxAge !== undefined ? now + maxAge * 1000 : expires, jwtExpiry(value));
    found = expiresAt !== undefined && expiresAt <= now ? undefined : { name, value, expiresAt };
  }
  return found;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** The `exp` claim (epoch seconds) of a JWT, read without verifying it: only to know when to log in again. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a cookie is still worth sending: a margin before its expiry avoids a request that is sure to fail. */
export function isFresh(cookie: SessionCookie, now: number, marginMs = 30_000): boolean {
  return cookie.expiresAt === undefined || cookie.expiresAt - marginMs > now;
}
