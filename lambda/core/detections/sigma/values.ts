import { compileCidr } from './cidr';
import { compileFieldPath, type ValueTest } from './field-path';
import { parseModifiers, type Comparison, type ParsedModifiers, type ValueKind } from './modifiers';
import { allOf, type Predicate } from './predicate';
import { compileSigmaRegex } from './regex';
import { compileStringPattern, parseSigmaString, surround } from './strings';
import { describeKind, errorAt, type Position, type ScalarNode, type TreeNode } from './tree';

/**
 * One `field|modifiers: value(s)` entry of a selection, compiled into a record test. Values follow
 * Sigma: strings are case-insensitive with wildcards unless `cased`; a list is OR (AND with `all`);
 * `null` means the field is absent or null. Numbers match numbers and numeric text alike, because
 * vendors write numbers as strings (StrongDM's `durationMs: "20"`).
 */

/**
 * Decimal text, as JSON and vendors write numbers. Number() reads far more ('0x10', 'Infinity',
 * ' 16 ', '0b1'), which would make `port: 16` match '0x10' and `n|gt: 5` match 'Infinity'.
 */
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Numeric value of a leaf: a number, or decimal text; NaN otherwise. */
function numeric(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || !DECIMAL_TEXT.test(value)) return Number.NaN;
  return Number(value);
}

function stringTest(test: (text: string) => boolean): ValueTest {
  return (value) =>
    typeof value === 'string'
      ? test(value)
      : typeof value === 'number' || typeof value === 'boolean'
        ? test(String(value))
        : false;
}

/** NaN (no number) compares false with everything, so absent or non-numeric values never match. */
function comparisonTest(comparison: Comparison, bound: number): ValueTest {
  switch (comparison) {
    case 'gt':
      return (leaf) => numeric(leaf) > bound;
    case 'gte':
      return (leaf) => numeric(leaf) >= bound;
    case 'lt':
      return (leaf) => numeric(leaf) < bound;
    case 'lte':
      return (leaf) => numeric(leaf) <= bound;
  }
}

interface CompiledValue {
  readonly test: ValueTest;
  readonly cost: number;
}

interface Context {
  readonly file: string;
  readonly key: string;
}

function valueError(context: Context, node: ScalarNode, reason: string) {
  return errorAt(context.file, node.at, `${context.key}: ${reason}`);
}

function compileValue(context: Context, kind: ValueKind, node: ScalarNode): CompiledValue {
  const { value } = node;
  if (value === null) throw valueError(context, node, 'null cannot be combined with modifiers');
  switch (kind.kind) {
    case 'string': {
      if (typeof value === 'number' && kind.position === 'equals') {
        return { test: (leaf) => numeric(leaf) === value, cost: 1 };
      }
      if (typeof value === 'boolean' && kind.position === 'equals') {
        const text = String(value);
        return {
          test: (leaf) =>
            leaf === value ||
            (typeof leaf === 'string' && leaf.length === text.length && leaf.toLowerCase() === text),
          cost: 1,
        };
      }
      const pieces = parseSigmaString(String(value));
      const placed =
        kind.position === 'contains'
          ? surround(pieces, true, true)
          : kind.position === 'startswith'
            ? surround(pieces, false, true)
            : kind.position === 'endswith'
              ? surround(pieces, true, false)
              : pieces;
      const compiled = compileStringPattern(placed, kind.cased);
      return { test: stringTest(compiled.test), cost: compiled.cost };
    }
    case 're': {
      if (typeof value !== 'string')
        throw valueError(context, node, `a regular expression must be text, not ${describeKind(node)}`);
      let pattern: RegExp;
      try {
        pattern = compileSigmaRegex(value, kind.flags);
      } catch (error) {
        throw valueError(context, node, (error as Error).message);
      }
      return { test: stringTest((text) => pattern.test(text)), cost: 8 };
    }
    case 'cidr': {
      if (typeof value !== 'string')
        throw valueError(context, node, `a CIDR network must be text, not ${describeKind(node)}`);
      try {
        const test = compileCidr(value);
        return { test: (leaf) => typeof leaf === 'string' && test(leaf), cost: 4 };
      } catch (error) {
        throw valueError(context, node, `invalid CIDR: ${(error as Error).message}`);
      }
    }
    case 'compare': {
      if (typeof value !== 'number')
        throw valueError(context, node, `"${kind.comparison}" needs a number, not ${describeKind(node)}`);
      return { test: comparisonTest(kind.comparison, value), cost: 1 };
    }
    case 'exists':
      throw valueError(context, node, 'internal: exists has no value test');
  }
}

function anyValue(values: readonly CompiledValue[]): CompiledValue {
  if (values.length === 1) return values[0];
  const tests = values.map((value) => value.test);
  return {
    test: (leaf) => {
      for (let i = 0; i < tests.length; i += 1) if (tests[i](leaf)) return true;
      return false;
    },
    cost: values.reduce((sum, value) => sum + value.cost, 0),
  };
}

function scalars(context: Context, keyAt: Position | undefined, node: TreeNode): ScalarNode[] {
  if (node.kind === 'scalar') return [node];
  if (node.kind === 'map') {
    throw errorAt(
      context.file,
      node.at ?? keyAt,
      `${context.key}: a value must be a scalar or a list of scalars, not a map`,
    );
  }
  if (node.items.length === 0)
    throw errorAt(context.file, node.at ?? keyAt, `${context.key}: empty list of values`);
  return node.items.map((item) => {
    if (item.kind !== 'scalar') {
      throw errorAt(
        context.file,
        item.at ?? keyAt,
        `${context.key}: list items must be scalars, not ${describeKind(item)}`,
      );
    }
    return item;
  });
}

const notNull: ValueTest = (value) => value !== null;

/** Splits `field|mod|mod` and validates the modifiers; the field is '' for keyword entries (`'|all'`). */
export function splitKey(
  file: string,
  key: string,
  keyAt: Position | undefined,
): { field: string; modifiers: ParsedModifiers } {
  const [field, ...written] = key.split('|');
  try {
    return { field, modifiers: parseModifiers(written) };
  } catch (error) {
    throw errorAt(file, keyAt, `${key}: ${(error as Error).message}`);
  }
}

/** Compiles one map entry of a selection. */
export function compileFieldEntry(
  file: string,
  key: string,
  keyAt: Position | undefined,
  valueNode: TreeNode,
): Predicate {
  const context = { file, key };
  const { field, modifiers } = splitKey(file, key, keyAt);
  if (field === '') return compileKeywords(file, key, keyAt, modifiers, valueNode);
  const path = compileFieldPath(field);
  const pathCost = 1 + field.split('.').length;
  const nodes = scalars(context, keyAt, valueNode);

  if (modifiers.value.kind === 'exists') {
    const expected = nodes[0].value;
    if (nodes.length !== 1 || typeof expected !== 'boolean') {
      throw errorAt(file, nodes[0].at ?? keyAt, `${key}: "exists" takes true or false`);
    }
    return { test: (record) => path.present(record) === expected, cost: pathCost };
  }
  const nulls = nodes.filter((node) => node.value === null);
  if (nulls.length > 0) {
    if (nodes.length > 1) {
      throw errorAt(
        file,
        nulls[0].at ?? keyAt,
        `${key}: null cannot be part of a list of values (Sigma): give it its own selection`,
      );
    }
    if (modifiers.written.length > 0)
      throw valueError(context, nulls[0], 'null cannot be combined with modifiers');
    return { test: (record) => !path.some(record, notNull), cost: pathCost };
  }
  if (modifiers.all && nodes.length < 2) {
    throw errorAt(file, nodes[0].at ?? keyAt, `${key}: "all" needs a list of at least two values (Sigma)`);
  }
  const values = nodes.map((node) => compileValue(context, modifiers.value, node));
  if (!modifiers.all) {
    const { test, cost } = anyValue(values);
    return { test: (record) => path.some(record, test), cost: pathCost + cost };
  }
  return allOf(
    values.map(({ test, cost }) => ({ test: (record) => path.some(record, test), cost: pathCost + cost })),
  );
}

/** True when a string (or number) anywhere in the record, at any depth, satisfies `test`. Keys are not searched. */
function someValueInRecord(node: unknown, test: ValueTest): boolean {
  if (typeof node === 'string' || typeof node === 'number') return test(node);
  if (typeof node !== 'object' || node === null) return false;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i += 1) if (someValueInRecord(node[i], test)) return true;
    return false;
  }
  for (const key in node) {
    if (someValueInRecord((node as Record<string, unknown>)[key], test)) return true;
  }
  return false;
}

/**
 * Keyword search (a list of strings as a selection, or a `'|modifiers'` key): each keyword is
 * searched in every value of the record. A plain keyword is found anywhere in a value (as if
 * `contains`), case-insensitively, wildcards included.
 */
export function compileKeywords(
  file: string,
  key: string,
  keyAt: Position | undefined,
  modifiers: ParsedModifiers,
  valueNode: TreeNode,
): Predicate {
  const context = { file, key: key === '' ? 'keywords' : key };
  const { value } = modifiers;
  if (value.kind === 'exists' || value.kind === 'compare' || value.kind === 'cidr') {
    throw errorAt(
      file,
      keyAt ?? valueNode.at,
      `${context.key}: keywords take string modifiers or "re", not "${modifiers.written.join('|')}"`,
    );
  }
  const kind: ValueKind =
    value.kind === 'string' && value.position === 'equals' ? { ...value, position: 'contains' } : value;
  const nodes = scalars(context, keyAt, valueNode);
  for (const node of nodes) {
    if (node.value === null || typeof node.value === 'boolean') {
      throw errorAt(
        file,
        node.at ?? keyAt,
        `${context.key}: a keyword must be text or a number, not ${describeKind(node)}`,
      );
    }
  }
  if (modifiers.all && nodes.length < 2) {
    throw errorAt(
      file,
      nodes[0].at ?? keyAt,
      `${context.key}: "all" needs a list of at least two values (Sigma)`,
    );
  }
  const values = nodes.map((node) => compileValue(context, kind, { ...node, value: String(node.value) }));
  const walkCost = 40;
  if (!modifiers.all) {
    const { test, cost } = anyValue(values);
    return { test: (record) => someValueInRecord(record, test), cost: walkCost + cost };
  }
  return allOf(
    values.map(({ test, cost }) => ({
      test: (record) => someValueInRecord(record, test),
      cost: walkCost + cost,
    })),
  );
}
