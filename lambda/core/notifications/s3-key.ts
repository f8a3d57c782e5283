/**
 * Keys as S3 writes them in event notifications (and compares them with notification filters):
 * URL-encoded, `+` for spaces, `/` kept, and `!'()*` encoded too.
 */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The key a notification names, as stored. */
export function decodeS3Key(encoded: string): string {
  const spaced = encoded.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Not produced by S3; reading the key as written beats dropping the object.
    return spaced;
  }
}
