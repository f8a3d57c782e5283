/**
 * Sigma value modifiers (`field|contains|all`): which ones sluice runs, and which combinations make
 * sense. Sigma modifiers sluice does not run are named as such, so a rule author can tell "not
 * supported here" from "misspelt".
 */

import { meantOf } from '../../config/error-map';

export const SUPPORTED_MODIFIERS = [
  'contains',
  'startswith',
  'endswith',
  'all',
  'cased',
  're',
  'i',
  'm',
  's',
  'cidr',
  'exists',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;

export type Modifier = (typeof SUPPORTED_MODIFIERS)[number];

/** Defined by the Sigma modifiers appendix, not run by sluice (encodings, placeholders, field references, time parts). */
export const UNSUPPORTED_SIGMA_MODIFIERS = [
  'windash',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'expand',
  'fieldref',
  'neq',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
] as const;

export type StringPosition = 'contains' | 'startswith' | 'endswith';
export type Comparison = 'gt' | 'gte' | 'lt' | 'lte';

/** What a field's modifiers ask for, once validated. */
export type ValueKind =
  | { readonly kind: 'string'; readonly position: StringPosition | 'equals'; readonly cased: boolean }
  | { readonly kind: 're'; readonly flags: string }
  | { readonly kind: 'cidr' }
  | { readonly kind: 'exists' }
  | { readonly kind: 'compare'; readonly comparison: Comparison };

export interface ParsedModifiers {
  readonly value: ValueKind;
  /** `all`: every value must match (lists are OR otherwise). */
  readonly all: boolean;
  /** The modifiers as written, for messages. */
  readonly written: readonly string[];
}

const POSITIONS: readonly string[] = ['contains', 'startswith', 'endswith'];
const COMPARISONS: readonly string[] = ['gt', 'gte', 'lt', 'lte'];

/** Validates the modifiers after a field name; throws the reason as an Error. */
export function parseModifiers(written: readonly string[]): ParsedModifiers {
  const seen = new Set<string>();
  for (const modifier of written) {
    if (modifier === '') throw new Error('empty modifier (two "|" in a row, or a trailing "|")');
    if ((UNSUPPORTED_SIGMA_MODIFIERS as readonly string[]).includes(modifier)) {
      throw new Error(`modifier "${modifier}" is a Sigma modifier sluice does not support`);
    }
    if (!(SUPPORTED_MODIFIERS as readonly string[]).includes(modifier)) {
      const meant = meantOf(modifier, [...SUPPORTED_MODIFIERS, ...UNSUPPORTED_SIGMA_MODIFIERS]);
      const hint = meant === undefined ? '' : `: did you mean "${meant}"?`;
      throw new Error(`unknown modifier "${modifier}"${hint} (supported: ${SUPPORTED_MODIFIERS.join(', ')})`);
    }
    if (seen.has(modifier)) throw new Error(`modifier "${modifier}" is given twice`);
    seen.add(modifier);
  }
  const all = seen.has('all');
  const positions = written.filter((modifier) => POSITIONS.includes(modifier));
  const comparisons = written.filter((modifier) => COMPARISONS.includes(modifier));
  const reFlags = written.filter((modifier) => modifier === 'i' || modifier === 'm' || modifier === 's');
  const others = (allowed: readonly string[]) =>
    written.filter((modifier) => modifier !== 'all' && !allowed.includes(modifier));
  const refuse = (what: string, extra: readonly string[]) => {
    if (extra.length > 0) throw new Error(`modifier "${extra[0]}" cannot be combined with "${what}"`);
  };

  if (reFlags.length > 0 && !seen.has('re')) {
    throw new Error(`modifier "${reFlags[0]}" is a flag of "re" and needs it (e.g. "field|re|i")`);
  }
  if (seen.has('exists')) {
    if (written.length > 1) throw new Error('modifier "exists" stands alone');
    return { value: { kind: 'exists' }, all, written };
  }
  if (seen.has('re')) {
    refuse('re', others(['re', 'i', 'm', 's']));
    return { value: { kind: 're', flags: reFlags.join('') }, all, written };
  }
  if (seen.has('cidr')) {
    refuse('cidr', others(['cidr']));
    return { value: { kind: 'cidr' }, all, written };
  }
  if (comparisons.length > 0) {
    if (comparisons.length > 1)
      throw new Error(`modifiers "${comparisons[0]}" and "${comparisons[1]}" exclude each other`);
    refuse(comparisons[0], others(comparisons));
    return { value: { kind: 'compare', comparison: comparisons[0] as Comparison }, all, written };
  }
  if (positions.length > 1)
    throw new Error(`modifiers "${positions[0]}" and "${positions[1]}" exclude each other`);
  return {
    value: {
      kind: 'string',
      position: (positions[0] as StringPosition | undefined) ?? 'equals',
      cased: seen.has('cased'),
    },
    all,
    written,
  };
}
