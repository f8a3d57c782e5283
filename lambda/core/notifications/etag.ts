/**
 * An ETag as one string whichever S3 API gave it: GetObject, HeadObject and ListObjectsV2 quote it
 * (`"9b2cf535f27731c974343645a3985328"`), notifications do not. Ids and quarantine names hash it, so
 * the two spellings must not make two objects. `undefined` when there is none.
 */
export function normalizeETag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bare = value.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return bare === '' ? undefined : bare;
}

/** The `If-Match` header for an ETag: quoted, as HTTP writes entity tags. */
export function ifMatchHeader(eTag: string): string {
  return `"${eTag}"`;
}
