/**
 * The top-level keys of a record that reading `paths` needs: every prefix of a dotted path, since
 * `resourceTags.env` may be a nested field or a key with a dot (see sigma/field-path.ts), and a path
 * reaches the same values from a copy of those keys (nested values are shared, not copied).
 */
function topLevelKeysOf(paths: Iterable<string>, into = new Set<string>()): Set<string> {
  for (const path of paths) {
    const segments = path.split('.');
    for (let end = 1; end <= segments.length; end += 1) into.add(segments.slice(0, end).join('.'));
  }
  return into;
}

/** Keys a copy of some of a record's keys cannot hold as its own without changing what it is. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['toJSON', '__proto__']);

/**
 * The top-level keys reading `paths` needs (topLevelKeysOf), when a copy of those keys can hold
 * them all; undefined when one is reserved (the record must then be read whole).
 */
export function copyableKeysOf(paths: Iterable<string>): string[] | undefined {
  const keys = [...topLevelKeysOf(paths)];
  return keys.some((key) => RESERVED_KEYS.has(key)) ? undefined : keys;
}
