import { hasField } from '../../records/field-view';

/**
 * Reading a rule's field from a record. `resourceTags.env` is a nested path, but a vendor may also
 * put dots in a key (`{"app.kubernetes.io/name": …}`), so every way of splitting the name at its
 * dots is tried, longest literal key first. Arrays along the way (StrongDM's `entities[]`) are
 * searched element by element: a field matches when any of the values it reaches matches. Every
 * split is precomputed when the rule is compiled; reading allocates nothing. A record may be the
 * forwarder's view of the fields it scanned (records/field-view.ts): a field is decoded when read.
 */

export type ValueTest = (value: unknown) => boolean;

export interface FieldPath {
  readonly name: string;
  /** True when a value reached by the path satisfies `test` (arrays are tested element by element). */
  some(record: unknown, test: ValueTest): boolean;
  /** True when the path reaches a key that is present, whatever its value (Sigma's `exists`: even null or empty). */
  present(record: unknown): boolean;
  /** The first scalar the path reaches (group-by and value_count), or undefined. */
  first(record: unknown): string | number | boolean | null | undefined;
}

type Step = (node: unknown, test: ValueTest) => boolean;

/** Passed as the test by `present`: any reached key counts, whatever its value. */
const PRESENT: ValueTest = () => true;

function isRecord(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null;
}

/** Visits the values reachable from `segments[from..]`, trying dotted keys before nesting. */
function compileStep(segments: readonly string[], from: number, memo: Map<number, Step>): Step {
  const known = memo.get(from);
  if (known) return known;
  const candidates: { key: string; next: Step | undefined }[] = [];
  for (let end = segments.length; end > from; end -= 1) {
    candidates.push({
      key: segments.slice(from, end).join('.'),
      next: end === segments.length ? undefined : compileStep(segments, end, memo),
    });
  }
  if (candidates.length === 1 && candidates[0].next === undefined) {
    const { key } = candidates[0];
    const single: Step = (node, test) => {
      if (!isRecord(node)) return false;
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i += 1) if (single(node[i], test)) return true;
        return false;
      }
      return hasField(node, key) && (test === PRESENT || someValue(node[key], test));
    };
    memo.set(from, single);
    return single;
  }
  const step: Step = (node, test) => {
    if (!isRecord(node)) return false;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) if (step(node[i], test)) return true;
      return false;
    }
    for (let c = 0; c < candidates.length; c += 1) {
      const { key, next } = candidates[c];
      if (!hasField(node, key)) continue;
      const value = node[key];
      if (next !== undefined ? next(value, test) : test === PRESENT || someValue(value, test)) return true;
    }
    return false;
  };
  memo.set(from, step);
  return step;
}

/** Tests a leaf; a list is tested element by element (a field holding `["a","b"]` matches `a`). */
function someValue(value: unknown, test: ValueTest): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) if (someValue(value[i], test)) return true;
    return false;
  }
  return test(value);
}

type Leaf = string | number | boolean | null;

function isLeaf(value: unknown): value is Leaf {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

/** Finds the first leaf, for `first`: a test that keeps what it accepts. */
class FirstLeaf {
  found: Leaf | undefined;
  readonly test: ValueTest = (leaf) => {
    if (!isLeaf(leaf)) return false;
    this.found = leaf;
    return true;
  };
}

export function compileFieldPath(name: string): FieldPath {
  const root = compileStep(name.split('.'), 0, new Map());
  const slowFirst = (record: unknown): Leaf | undefined => {
    const finder = new FirstLeaf();
    root(record, finder.test);
    return finder.found;
  };
  // group-by reads a field of every counted record: a plain key holding a leaf is read directly.
  const plain = !name.includes('.');
  return {
    name,
    some: root,
    present: (record) => root(record, PRESENT),
    first: plain
      ? (record) => {
          if (isRecord(record) && !Array.isArray(record)) {
            // No own-key check needed for a leaf: what a record inherits (Object.prototype's) is never one.
            const value = record[name];
            if (isLeaf(value)) return value;
          }
          return slowFirst(record);
        }
      : slowFirst,
  };
}
