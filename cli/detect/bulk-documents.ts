import { SluiceError } from '../../lambda/core/errors';
import type { ReadEvent } from '../../lambda/core/records/read-event';

/** A `_bulk` file that cannot be read as action/document pairs; `context.offset` is where, in bytes. */
export const BULK_FILE_INVALID = 'BULK_FILE_INVALID';

export interface BulkAction {
  readonly action: 'create' | 'index' | 'update' | 'delete';
  /** The document's `_id`: the forwarder's record id when sluice wrote the file. */
  readonly id?: string;
}

const ACTIONS: ReadonlySet<string> = new Set(['create', 'index', 'update', 'delete']);

/** Action metadata Elasticsearch accepts besides the `_`-prefixed fields. */
const METADATA: ReadonlySet<string> = new Set([
  'routing',
  'pipeline',
  'require_alias',
  'require_data_stream',
  'if_seq_no',
  'if_primary_term',
  'version',
  'version_type',
  'dynamic_templates',
  'retry_on_conflict',
  'list_executed_pipelines',
]);

/**
 * The `_bulk` action a record is (`{"create":{"_index":…,"_id":…}}`), else undefined. Strict on
 * purpose: one key naming an action, holding only metadata, so an audit record with an `index`
 * field of its own is never taken for one.
 */
export function bulkActionOf(value: Readonly<Record<string, unknown>>): BulkAction | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1 || !ACTIONS.has(keys[0])) return undefined;
  const metadata = value[keys[0]];
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return undefined;
  const fields = metadata as Record<string, unknown>;
  if (!Object.keys(fields).every((key) => key.startsWith('_') || METADATA.has(key))) return undefined;
  return {
    action: keys[0] as BulkAction['action'],
    id: typeof fields._id === 'string' ? fields._id : undefined,
  };
}

function invalid(offset: number, reason: string): SluiceError {
  return new SluiceError(BULK_FILE_INVALID, reason, { offset });
}

/**
 * Reads a record file as Elasticsearch `_bulk` pairs when its first record is an action line (what
 * sluice's `file` sink writes in the `elasticsearch-bulk` format, and what an export for `_bulk`
 * holds): the action lines are dropped, the documents kept, each with its action's `_id`. Any other
 * file passes through untouched. Counting action lines as records would double the record count and
 * let keyword rules match index names.
 *
 * Give it every chunk's events in order (`select`), then call `finish`.
 */
export class BulkDocuments {
  #format: 'undecided' | 'records' | 'bulk' = 'undecided';
  /** The action whose document is the next event. */
  #pending: { readonly action: BulkAction; readonly offset: number } | undefined;
  /** The `_id` of each document of the last chunk, by its offset: valid until the next `select`. */
  readonly #ids = new Map<number, string>();

  /** True once the first record showed the file is `_bulk`. */
  get isBulk(): boolean {
    return this.#format === 'bulk';
  }

  /** The `_id` its action line gave the document at `offset`, for the last chunk selected. */
  idOf(offset: number): string | undefined {
    return this.#ids.get(offset);
  }

  readonly select = (events: ReadEvent[]): readonly ReadEvent[] => {
    this.#ids.clear();
    if (this.#format === 'records') return events;
    const kept: ReadEvent[] = [];
    for (const event of events) {
      if (this.#format === 'undecided' && event.kind === 'record')
        this.#format = bulkActionOf(event.value) ? 'bulk' : 'records';
      if (this.#format !== 'bulk') kept.push(event);
      else this.#take(event, kept);
    }
    return kept;
  };

  /** Throws when the file ends with an action that has no document. */
  finish(): void {
    const pending = this.#pending;
    if (pending)
      throw invalid(
        pending.offset,
        `the file ends after a "${pending.action.action}" action line, without its document`,
      );
  }

  #take(event: ReadEvent, kept: ReadEvent[]): void {
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      if (event.kind === 'record' && bulkActionOf(event.value))
        throw invalid(
          event.offset,
          `another action line where the document of the "${pending.action.action}" action line before it belongs`,
        );
      // An unreadable document is reported as unreadable, as any record.
      kept.push(event);
      if (event.kind === 'record' && pending.action.id !== undefined)
        this.#ids.set(event.offset, pending.action.id);
      return;
    }
    const action = event.kind === 'record' ? bulkActionOf(event.value) : undefined;
    if (!action)
      throw invalid(
        event.offset,
        'not a _bulk action line where one belongs (the file starts with one, so it is read as action/document pairs)',
      );
    if (action.action === 'update')
      throw invalid(event.offset, 'an "update" action: its document is a partial update, not a record');
    // A delete has no document line.
    if (action.action !== 'delete') this.#pending = { action, offset: event.offset };
  }
}
