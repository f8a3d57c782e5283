/** The `_bulk` wire format as Elasticsearch reads and answers it (request parsing, error shapes, filter_path). */

export interface BulkAction {
  readonly op: string;
  readonly index: string;
  readonly id?: string;
  /** The source line (absent for `delete`). */
  readonly source?: string;
}

export type BulkParse =
  | { readonly ok: true; readonly actions: BulkAction[] }
  | { readonly ok: false; readonly type: string; readonly reason: string };

export interface ItemResult {
  readonly _index: string;
  readonly _id?: string;
  readonly status: number;
  readonly result?: string;
  readonly _version?: number;
  readonly error?: { type: string; reason: string; index?: string };
}

const OPERATIONS = new Set(['create', 'index', 'delete', 'update']);
const UNTERMINATED = 'The bulk request must be terminated by a newline [\\n]';

export function errorBody(status: number, type: string, reason: string): unknown {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

/**
 * Splits an NDJSON bulk body into actions. Every action line is checked before anything is indexed:
 * a malformed one fails the whole request, as in Elasticsearch. Source lines are parsed later, per item.
 */
export function parseBulkBody(text: string, defaultIndex: string | undefined): BulkParse {
  if (text.length === 0) {
    return {
      ok: false,
      type: 'action_request_validation_exception',
      reason: 'Validation Failed: 1: no requests added;',
    };
  }
  if (!text.endsWith('\n')) return { ok: false, type: 'illegal_argument_exception', reason: UNTERMINATED };
  const lines = text.split('\n');
  lines.pop();
  const actions: BulkAction[] = [];
  for (let line = 0; line < lines.length; line += 1) {
    if (lines[line].trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(lines[line]);
    } catch {
      return {
        ok: false,
        type: 'x_content_parse_exception',
        reason: `Malformed action/metadata line [${line + 1}], expected START_OBJECT`,
      };
    }
    const op = parsed && typeof parsed === 'object' ? Object.keys(parsed)[0] : undefined;
    if (!op || !OPERATIONS.has(op)) {
      return {
        ok: false,
        type: 'illegal_argument_exception',
        reason: `Malformed action/metadata line [${line + 1}], expected one of [create, delete, index, update] but found [${op}]`,
      };
    }
    const meta = ((parsed as Record<string, unknown>)[op] ?? {}) as { _index?: string; _id?: string };
    const index = meta._index ?? defaultIndex;
    if (!index) {
      return {
        ok: false,
        type: 'action_request_validation_exception',
        reason: 'Validation Failed: 1: index is missing;',
      };
    }
    let source: string | undefined;
    if (op !== 'delete') {
      line += 1;
      if (line >= lines.length)
        return { ok: false, type: 'illegal_argument_exception', reason: UNTERMINATED };
      source = lines[line];
    }
    actions.push({ op, index, id: meta._id, source });
  }
  return { ok: true, actions };
}

/** A small subset of `filter_path`: top-level names and `items.*.<field>`, which is what sinks use. */
export function filterAnswer(
  answer: { took: number; errors: boolean; items: Array<Record<string, ItemResult>> },
  filterPath: string | null,
): unknown {
  if (!filterPath) return answer;
  const paths = filterPath.split(',').map((path) => path.trim());
  const filtered: Record<string, unknown> = {};
  if (paths.includes('took')) filtered.took = answer.took;
  if (paths.includes('errors')) filtered.errors = answer.errors;
  if (paths.includes('items')) filtered.items = answer.items;
  else {
    const fields = paths
      .filter((path) => path.startsWith('items.*.'))
      .map((path) => path.slice('items.*.'.length));
    if (fields.length > 0) {
      filtered.items = answer.items.map((item) => {
        const [op, result] = Object.entries(item)[0];
        const kept: Record<string, unknown> = {};
        for (const field of fields) {
          const value = (result as unknown as Record<string, unknown>)[field];
          if (value !== undefined) kept[field] = value;
        }
        return { [op]: kept };
      });
    }
  }
  return filtered;
}
