/**
 * The bucket's key layout, shared by the vendor, the batcher and the forwarder:
 * `<prefix>/<logType>/YYYY/MM/DD/HH/MM/<uuid>.json[.gz]`, times in UTC.
 */

/** Letters, digits, `-` and `_`: nothing that could climb out of the layout (`/`, `..`). */
export const LOG_TYPE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidLogType(value: unknown): value is string {
  return typeof value === 'string' && LOG_TYPE_PATTERN.test(value);
}

/** `/sdm/logs/` → `sdm/logs`: prefixes are compared segment by segment, without edge slashes. */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

export interface LayoutSource {
  readonly name: string;
  readonly prefix: string;
}

export type KeyClassification<S extends LayoutSource> =
  | { readonly kind: 'record-object'; readonly source: S; readonly logType: string }
  | { readonly kind: 'vendor-test'; readonly source: S }
  | { readonly kind: 'outside-sources' };

/**
 * Which source an object belongs to and its log type (the first segment after the prefix).
 * `<prefix>/test` is the vendor's connectivity test and is never forwarded.
 */
export function classifyKey<S extends LayoutSource>(
  key: string,
  sources: readonly S[],
): KeyClassification<S> {
  for (const source of sources) {
    const prefix = normalizePrefix(source.prefix);
    const rest =
      prefix === '' ? key : key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : undefined;
    if (rest === undefined) continue;
    if (rest === 'test') return { kind: 'vendor-test', source };
    const slash = rest.indexOf('/');
    const firstSegment = slash === -1 ? '' : rest.slice(0, slash);
    return {
      kind: 'record-object',
      source,
      logType: isValidLogType(firstSegment) ? firstSegment : 'unknown',
    };
  }
  return { kind: 'outside-sources' };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `YYYY/MM/DD/HH/MM` of a UTC instant. */
export function timePath(at: Date): string {
  return [
    at.getUTCFullYear(),
    pad(at.getUTCMonth() + 1),
    pad(at.getUTCDate()),
    pad(at.getUTCHours()),
    pad(at.getUTCMinutes()),
  ].join('/');
}

export function buildObjectKey(options: {
  readonly prefix: string;
  readonly logType: string;
  readonly at: Date;
  readonly id: string;
  readonly gzip: boolean;
}): string {
  if (!isValidLogType(options.logType)) throw new RangeError(`invalid log type '${options.logType}'`);
  const prefix = normalizePrefix(options.prefix);
  const head = prefix === '' ? '' : `${prefix}/`;
  return `${head}${options.logType}/${timePath(options.at)}/${options.id}.json${options.gzip ? '.gz' : ''}`;
}

/** True when one prefix contains the other segment-wise (`a/b` and `a/b/c` overlap; `a/b` and `a/bc` do not). */
export function prefixesOverlap(a: string, b: string): boolean {
  const x = normalizePrefix(a);
  const y = normalizePrefix(b);
  if (x === '' || y === '') return true;
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}
