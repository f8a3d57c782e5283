import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/** Edits at most for a name to be offered as what was meant (a typo, not another word). */
const MAX_TYPO_EDITS = 2;

/** What was meant by `given`, when one of `known` is a typo away from it. */
export function meantOf(given: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const candidate = closest(given, [...known]);
  const edits = distance(given.toLowerCase(), candidate.toLowerCase());
  return edits <= Math.min(MAX_TYPO_EDITS, Math.floor(candidate.length / 3)) ? candidate : undefined;
}

function fixFor(given: string, known: readonly string[], otherwise: string): string {
  const meant = meantOf(given, known);
  return meant === undefined ? otherwise : `did you mean ${JSON.stringify(meant)}?`;
}

/**
 * zod's messages for an unknown field, a value outside a list, a missing field and a value of the
 * wrong type, with the fix (zod names the parent object, lists nothing and says "Invalid input"): a
 * schema's own message, where it has one, still wins.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'unrecognized_keys') {
    const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
    const known = shape ? Object.keys(shape) : [];
    return issue.keys
      .map(
        (key) =>
          `unknown field ${JSON.stringify(key)}. Fix: ${fixFor(key, known, known.length > 0 ? `remove it (fields here: ${known.join(', ')})` : 'remove it')}`,
      )
      .join('; ');
  }
  if (issue.code === 'invalid_value' && issue.values.every((value) => typeof value === 'string')) {
    const values = issue.values as string[];
    const given = typeof issue.input === 'string' ? issue.input : undefined;
    const list = values.map((value) => JSON.stringify(value)).join(', ');
    return `must be one of ${list}${given === undefined ? '' : `, not ${JSON.stringify(given)}`}. Fix: ${given === undefined ? 'use one of them' : fixFor(given, values, 'use one of them')}`;
  }
  if (issue.code === 'invalid_type') {
    const expected = KINDS[issue.expected] ?? issue.expected;
    if (issue.input === undefined) {
      const key = issue.path?.at(-1);
      return `is required. Fix: add ${typeof key === 'string' ? JSON.stringify(key) : 'it'} (${expected})`;
    }
    const input = typeof issue.input === 'string' ? issue.input.trim() : undefined;
    const unquote =
      input !== undefined &&
      ((issue.expected === 'number' && input !== '' && Number.isFinite(Number(input))) ||
        (issue.expected === 'boolean' && (input === 'true' || input === 'false')));
    return `must be ${expected}, not ${kindOf(issue.input)}. Fix: ${unquote ? `write ${input} without quotes` : `write it as ${expected}`}`;
  }
  return undefined;
};

/** zod's type names as the fix says them. */
const KINDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list [ … ]',
  object: 'an object { … }',
};

/** What was given instead, never a string's content (it may be a secret written in the wrong place). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'boolean' ? 'the boolean' : `the ${typeof value}`} ${String(value)}`;
}
