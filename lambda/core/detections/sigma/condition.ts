import { allOf, anyOf, not, type Predicate } from './predicate';
import { errorAt, type Position, type ScalarNode } from './tree';

/**
 * Sigma's `condition`: selection names joined by `and`, `or`, `not`, parentheses, and the
 * quantifiers `1 of <pattern>`, `all of <pattern>`, `1 of them`, `all of them` (`them` leaves out
 * names starting with `_`). Binding, loosest first: or, and, not, `x of`, parentheses. Keywords are
 * case-insensitive. Compiled straight into closures over the selections' predicates.
 */

export type ConditionNode =
  | { readonly kind: 'or' | 'and'; readonly items: readonly ConditionNode[] }
  | { readonly kind: 'not'; readonly item: ConditionNode }
  | { readonly kind: 'ref'; readonly name: string; readonly offset: number }
  | {
      readonly kind: 'of';
      readonly quantifier: 'one' | 'all';
      readonly target: string;
      readonly offset: number;
    };

interface Token {
  readonly text: string;
  readonly offset: number;
}

class ConditionSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\(|\)|[^\s()]+/g;
  for (let match = pattern.exec(source); match !== null; match = pattern.exec(source)) {
    tokens.push({ text: match[0], offset: match.index });
  }
  return tokens;
}

export function parseCondition(source: string): ConditionNode {
  const tokens = tokenize(source);
  let index = 0;
  const peek = (): Token | undefined => tokens[index];
  const is = (token: Token | undefined, word: string) =>
    token !== undefined && token.text.toLowerCase() === word;
  const end = source.length;

  const parseOr = (): ConditionNode => {
    const items = [parseAnd()];
    while (is(peek(), 'or')) {
      index += 1;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };
  const parseAnd = (): ConditionNode => {
    const items = [parseNot()];
    while (is(peek(), 'and')) {
      index += 1;
      items.push(parseNot());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };
  const parseNot = (): ConditionNode => {
    if (is(peek(), 'not')) {
      index += 1;
      return { kind: 'not', item: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const token = peek();
    if (token === undefined)
      throw new ConditionSyntaxError(end, 'condition ends where a selection name was expected');
    if (token.text === '(') {
      index += 1;
      const inner = parseOr();
      const close = peek();
      if (close?.text !== ')') {
        throw new ConditionSyntaxError(
          close?.offset ?? end,
          `missing ")" for the "(" at character ${token.offset + 1}`,
        );
      }
      index += 1;
      return inner;
    }
    if (token.text === ')') throw new ConditionSyntaxError(token.offset, 'unexpected ")"');
    const word = token.text.toLowerCase();
    if (is(tokens[index + 1], 'of')) {
      if (word !== '1' && word !== 'all') {
        throw new ConditionSyntaxError(
          token.offset,
          `"${token.text} of" is not Sigma: use "1 of" or "all of"`,
        );
      }
      const target = tokens[index + 2];
      if (
        target === undefined ||
        target.text === '(' ||
        target.text === ')' ||
        (KEYWORDS.has(target.text.toLowerCase()) && target.text.toLowerCase() !== 'them')
      ) {
        throw new ConditionSyntaxError(
          target?.offset ?? end,
          `"${token.text} of" needs "them" or a selection name pattern`,
        );
      }
      index += 3;
      return {
        kind: 'of',
        quantifier: word === '1' ? 'one' : 'all',
        target: target.text.toLowerCase() === 'them' ? 'them' : target.text,
        offset: token.offset,
      };
    }
    if (KEYWORDS.has(word))
      throw new ConditionSyntaxError(
        token.offset,
        `unexpected "${token.text}" where a selection name was expected`,
      );
    index += 1;
    return { kind: 'ref', name: token.text, offset: token.offset };
  };

  if (tokens.length === 0) throw new ConditionSyntaxError(0, 'condition is empty');
  const tree = parseOr();
  const rest = peek();
  if (rest !== undefined) {
    throw new ConditionSyntaxError(
      rest.offset,
      `unexpected "${rest.text}": expected "and", "or" or the end of the condition`,
    );
  }
  return tree;
}

function patternTest(pattern: string): (name: string) => boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return (name) => regex.test(name);
}

/** Where character `offset` of the condition is in the file, when the condition sits on one line. */
function positionOf(node: ScalarNode, offset: number): Position | undefined {
  if (node.textAt) return { line: node.textAt.line, column: node.textAt.column + offset };
  return node.at;
}

/** Compiles a condition (one scalar of `detection.condition`) over the compiled selections. */
export function compileCondition(
  file: string,
  node: ScalarNode,
  selections: ReadonlyMap<string, Predicate>,
): Predicate {
  if (typeof node.value !== 'string')
    throw errorAt(file, node.at, 'condition must be text, e.g. "selection and not filter"');
  const source = node.value;
  const fail = (offset: number, reason: string) =>
    errorAt(file, positionOf(node, offset), `condition: ${reason}`);
  let tree: ConditionNode;
  try {
    tree = parseCondition(source);
  } catch (error) {
    if (error instanceof ConditionSyntaxError) throw fail(error.offset, error.message);
    throw error;
  }
  const names = [...selections.keys()];
  const build = (current: ConditionNode): Predicate => {
    switch (current.kind) {
      case 'or':
        return anyOf(current.items.map(build));
      case 'and':
        return allOf(current.items.map(build));
      case 'not':
        return not(build(current.item));
      case 'ref': {
        const predicate = selections.get(current.name);
        if (!predicate) {
          throw fail(
            current.offset,
            `unknown selection "${current.name}" (defined: ${names.join(', ') || 'none'})`,
          );
        }
        return predicate;
      }
      case 'of': {
        const matches =
          current.target === 'them'
            ? names.filter((name) => !name.startsWith('_'))
            : names.filter(patternTest(current.target));
        if (matches.length === 0) {
          throw fail(
            current.offset,
            `"${current.target}" matches no selection (defined: ${names.join(', ') || 'none'})`,
          );
        }
        const parts = matches.map((name) => selections.get(name)!);
        return current.quantifier === 'one' ? anyOf(parts) : allOf(parts);
      }
    }
  };
  return build(tree);
}
