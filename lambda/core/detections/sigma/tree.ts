import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import { RuleError } from '../errors';

/** 1-based position of a node in its file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export type Scalar = string | number | boolean | null;

/**
 * A rule document as a small tree that keeps every node's position, so that the compiler can name
 * the line of what it refuses. Rules built in code (e.g. converted from seed 004's model) have no
 * positions: errors then name the file only.
 */
export type TreeNode = MapNode | SeqNode | ScalarNode;

export interface MapNode {
  readonly kind: 'map';
  readonly entries: readonly MapEntry[];
  readonly at?: Position;
}

export interface MapEntry {
  readonly key: string;
  readonly keyAt?: Position;
  readonly value: TreeNode;
}

export interface SeqNode {
  readonly kind: 'seq';
  readonly items: readonly TreeNode[];
  readonly at?: Position;
}

export interface ScalarNode {
  readonly kind: 'scalar';
  readonly value: Scalar;
  readonly at?: Position;
  /**
   * Where the scalar's text starts when it sits on one line (after an opening quote): lets the
   * condition parser point at a column inside it. Absent for block and multi-line scalars.
   */
  readonly textAt?: Position;
}

/** One YAML document of a file (Sigma allows several per file, e.g. a correlation and its base rules). */
export interface RuleDocument {
  readonly file: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  readonly root: TreeNode;
}

export function describeKind(node: TreeNode): string {
  if (node.kind !== 'scalar') return node.kind === 'map' ? 'a map' : 'a list';
  return node.value === null ? 'null' : `a ${typeof node.value}`;
}

export function entry(node: MapNode, key: string): MapEntry | undefined {
  return node.entries.find((candidate) => candidate.key === key);
}

export function errorAt(file: string, at: Position | undefined, reason: string): RuleError {
  return new RuleError({ file, line: at?.line, column: at?.column }, reason);
}

/**
 * Refuses the first key of `section` that is not one of `known` (a misspelt key would otherwise be
 * ignored silently); `shown` are the keys the message offers (default: all of `known`).
 */
export function refuseUnknownKeys(
  file: string,
  node: MapNode,
  section: string,
  known: readonly string[],
  shown: readonly string[] = known,
): void {
  const unknown = node.entries.find((item) => !known.includes(item.key));
  if (unknown)
    throw errorAt(
      file,
      unknown.keyAt,
      `${section}.${unknown.key} is not a ${section} key (known: ${shown.join(', ')})`,
    );
}

/** Parses every document of a YAML file; YAML syntax errors become RuleErrors at their line. Throws the first. */
export function parseRuleFile(file: string, text: string): RuleDocument[] {
  const { documents, errors } = readRuleFile(file, text);
  if (errors.length > 0) throw errors[0];
  return documents;
}

/**
 * Where the quoted scalar that runs up to `offset` opens. YAML reports a missing closing quote where
 * the text ends, often past the last line: the opening quote is where the author must look.
 */
function unclosedQuoteAt(text: string, offset: number): number | undefined {
  let start = 0;
  for (const token of new Lexer().lex(text)) {
    // The lexer's markers of a document, a flow's end and a scalar are not in the text.
    if (token === '\x02' || token === '\x18' || token === '\x1f') continue;
    const end = start + token.length;
    if ((token[0] === "'" || token[0] === '"') && start < offset && offset <= end) return start;
    start = end;
  }
  return undefined;
}

/**
 * Parses every document of a YAML file, collecting the first error of each document that cannot be
 * read (its syntax, an alias without anchor) rather than stopping at the first: `sluice detect
 * validate` reports them all.
 */
export function readRuleFile(file: string, text: string): { documents: RuleDocument[]; errors: RuleError[] } {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const documents: RuleDocument[] = [];
  const errors: RuleError[] = [];
  if (!Array.isArray(parsed)) return { documents, errors }; // an empty stream
  const position = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  parsed.forEach((document, index) => {
    const problem = document.errors[0];
    if (problem) {
      const opened = problem.code === 'MISSING_CHAR' ? unclosedQuoteAt(text, problem.pos[0]) : undefined;
      errors.push(
        opened === undefined
          ? errorAt(file, position(problem.pos[0]), `YAML: ${problem.message.split('\n')[0]}`)
          : errorAt(file, position(opened), 'YAML: this quoted value has no closing quote'),
      );
      return;
    }
    if (document.contents === null) return; // e.g. a trailing `---`
    try {
      documents.push({ file, index, root: toTree(file, document, document.contents, position, text) });
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      errors.push(error);
    }
  });
  return { documents, errors };
}

function toTree(
  file: string,
  document: Document,
  node: Node,
  position: (offset: number) => Position,
  text: string,
): TreeNode {
  const at = node.range ? position(node.range[0]) : undefined;
  if (isAlias(node)) {
    const target = node.resolve(document);
    if (!target) throw errorAt(file, at, `YAML: alias *${node.source} has no anchor`);
    return toTree(file, document, target, position, text);
  }
  if (isMap(node)) {
    const entries: MapEntry[] = [];
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) throw errorAt(file, at, 'map keys must be plain text');
      const keyAt = pair.key.range ? position(pair.key.range[0]) : at;
      const value = pair.value as Node | null;
      entries.push({
        key: String(pair.key.value),
        keyAt,
        value: value
          ? toTree(file, document, value, position, text)
          : { kind: 'scalar', value: null, at: keyAt },
      });
    }
    return { kind: 'map', entries, at };
  }
  if (isSeq(node)) {
    const items = node.items.map((item) =>
      item
        ? toTree(file, document, item as Node, position, text)
        : ({ kind: 'scalar', value: null, at } as const),
    );
    return { kind: 'seq', items, at };
  }
  if (isScalar(node)) {
    const value = node.value;
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw errorAt(file, at, `unsupported YAML value ${String(node.tag ?? typeof value)}`);
    }
    let textAt: Position | undefined;
    if (
      node.range &&
      (node.type === 'PLAIN' || node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE')
    ) {
      const [start, end] = node.range;
      if (!text.slice(start, end).includes('\n'))
        textAt = position(node.type === 'PLAIN' ? start : start + 1);
    }
    return { kind: 'scalar', value: value as Scalar, at, textAt };
  }
  throw errorAt(file, at, 'unsupported YAML node');
}

/** A rule given as plain data (JSON, or built in code) as a tree without positions. */
export function treeFromPlain(value: unknown): TreeNode {
  if (Array.isArray(value)) return { kind: 'seq', items: value.map(treeFromPlain) };
  if (value !== null && typeof value === 'object') {
    return {
      kind: 'map',
      // As in JSON, an undefined property is no property.
      entries: Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => ({ key, value: treeFromPlain(item) })),
    };
  }
  if (value === undefined) return { kind: 'scalar', value: null };
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    value === null
  ) {
    return { kind: 'scalar', value };
  }
  throw new TypeError(`cannot express ${typeof value} in a rule`);
}
