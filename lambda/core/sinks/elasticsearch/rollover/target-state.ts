import { excerpt } from '../../classification';
import { SinkCodes } from '../../codes';
import type { DeliveryContext, SinkLog } from '../../types';
import { dataStreamWriteIndex, readCreationDates, settingsUrl } from './backing-indices';
import type { LookupRequests } from './lookup-requests';
import { newestElsewhereBody, newestElsewhereUrl, readNewestElsewhere } from './newest-elsewhere';
import {
  aliasUrl,
  aliasWriteIndex,
  describeTarget,
  readAliasWriteIndex,
  type TargetIndices,
} from './write-index';

/** How long what a target is made of is trusted; a rollover inside it is caught by `_bulk`'s `_index`. */
export const TARGET_CACHE_MS = 60_000;

/** A target's lookup the cluster will not do: records go unchecked until the cache entry expires. */
export type Unchecked = { readonly kind: 'unchecked'; readonly reason: 'forbidden' | 'unsupported' };
export type TargetState = TargetIndices | Unchecked;
export type Fetched =
  { readonly state: TargetState } | { readonly failure: { readonly code: string; readonly message: string } };

const FIX = {
  forbidden:
    "the writer's role lacks the read and view_index_metadata privileges on it. Fix: run `sluice setup elasticsearch <destination>` again (it grants them), or set rolloverLookup: false to accept duplicates after a rollover",
  unsupported:
    'the cluster does not answer the lookup requests (GET <target>/_settings, POST <target>/_search). Fix: set rolloverLookup: false on the destination if this is expected',
} as const;

export interface TargetStateOptions {
  readonly name: string;
  readonly cluster: URL;
  readonly request: LookupRequests;
  readonly now: () => number;
  readonly log: SinkLog;
  /** Default: TARGET_CACHE_MS. */
  readonly cacheMs?: number;
}

/**
 * What each target is made of, cached per target (concurrent batches share one request; failures are
 * not kept), and the warnings about targets the lookup cannot cover, once per target and reason.
 */
export function createTargetStates(options: TargetStateOptions) {
  const { name, cluster, request, now, log } = options;
  const cacheMs = options.cacheMs ?? TARGET_CACHE_MS;
  const cache = new Map<string, { readonly at: number; readonly state: Promise<Fetched> }>();
  /** The write index each target's last answer named, for reading `_bulk` answers synchronously. */
  const writeIndices = new Map<string, string | undefined>();
  /** Their names, rebuilt when one changes: most `_bulk` answers only name these. */
  let writeIndexNames: Set<string | undefined> | undefined;
  const warned = new Set<string>();

  const warnOnce = (target: string, key: string, message: string, fields: Record<string, unknown>): void => {
    if (warned.has(`${target}\u0000${key}`)) return;
    warned.add(`${target}\u0000${key}`);
    log.warn(message, { destination: name, target, ...fields });
  };

  const unchecked = (target: string, status: number, body: string): Unchecked => {
    const reason = status === 403 ? 'forbidden' : 'unsupported';
    warnOnce(
      target,
      reason,
      `${name}: records of ${target} are sent without the rollover lookup: ${FIX[reason]}`,
      {
        status,
        answer: excerpt(body),
      },
    );
    return { kind: 'unchecked', reason };
  };

  /**
   * The index or data stream an alias marks as written to, or undefined (with a warning when the
   * cluster would not say).
   */
  const markedWriteTarget = async (
    target: string,
    context: DeliveryContext,
  ): Promise<{ readonly writeIndex?: string } | { readonly failure: { code: string; message: string } }> => {
    const result = await request({ method: 'GET', url: aliasUrl(cluster, target) }, context);
    if (result.kind === 'failed') return { failure: result };
    if (result.status >= 200 && result.status < 300)
      return { writeIndex: readAliasWriteIndex(result.body, target) };
    if (result.status !== 404) {
      warnOnce(
        target,
        'alias',
        `${name}: every record of ${target} is looked up before it is sent: the cluster would not say which index is its write index. Fix: grant view_index_metadata on the alias (OpenSearch: indices:admin/aliases/get)`,
        { status: result.status, answer: excerpt(result.body) },
      );
    }
    return {};
  };

  /**
   * An alias's write index being its newest proves nothing about when the others stopped being
   * written (newest-elsewhere.ts): the newest record they hold bounds what is looked up. Not known:
   * every record.
   */
  const newestElsewhere = async (
    target: string,
    state: Extract<TargetIndices, { kind: 'rolled-over' }>,
    context: DeliveryContext,
  ): Promise<Fetched> => {
    const result = await request(
      {
        method: 'POST',
        url: newestElsewhereUrl(cluster, target),
        body: newestElsewhereBody(state.writeIndex),
      },
      context,
    );
    if (result.kind === 'failed') return { failure: result };
    // Refused like the ids search would be: the writer lacks `read` on the alias.
    if (result.status === 403) return { state: unchecked(target, result.status, result.body) };
    const answer =
      result.status >= 200 && result.status < 300
        ? readNewestElsewhere(result.body)
        : ({ kind: 'unreadable' } as const);
    if (answer.kind === 'incomplete') {
      return {
        failure: { code: SinkCodes.UNAVAILABLE, message: `${name}: rollover lookup ${answer.reason}` },
      };
    }
    if (answer.kind === 'unreadable') {
      const why = `whether its other indices were written after ${state.writeIndex} was created could not be told (HTTP ${result.status})`;
      return { state: { kind: 'every-record', why, indices: state.indices } };
    }
    return { state: answer.at === undefined ? state : { ...state, newestElsewhere: answer.at } };
  };

  const fetch = async (target: string, context: DeliveryContext): Promise<Fetched> => {
    const result = await request({ method: 'GET', url: settingsUrl(cluster, target) }, context);
    if (result.kind === 'failed') return { failure: result };
    if (result.status === 404) return { state: { kind: 'one-index' } };
    if (result.status < 200 || result.status >= 300)
      return { state: unchecked(target, result.status, result.body) };
    const indices = readCreationDates(result.body);
    if (!indices) return { state: unchecked(target, result.status, result.body) };
    let writeIndex = dataStreamWriteIndex(target, indices)?.name;
    const isAlias = writeIndex === undefined && indices.length > 1;
    if (isAlias) {
      const alias = await markedWriteTarget(target, context);
      if ('failure' in alias) return alias;
      writeIndex = aliasWriteIndex(alias.writeIndex, indices);
    }
    let state: TargetState = describeTarget(target, indices, writeIndex);
    if (isAlias && state.kind === 'rolled-over') {
      const checked = await newestElsewhere(target, state, context);
      if ('failure' in checked) return checked;
      state = checked.state;
    }
    if (state.kind === 'every-record') {
      warnOnce(
        target,
        `every:${state.why}`,
        `${name}: every record of ${target} is looked up before it is sent: ${state.why}`,
        {
          indices: state.indices,
        },
      );
    }
    return { state };
  };

  return {
    stateOf(target: string, context: DeliveryContext): Promise<Fetched> {
      const held = cache.get(target);
      if (held && now() - held.at < cacheMs) return held.state;
      const state = fetch(target, context).then((fetched) => {
        if ('failure' in fetched) cache.delete(target);
        else {
          cache.set(target, { at: now(), state: Promise.resolve(fetched) });
          const known = fetched.state;
          writeIndices.set(
            target,
            known.kind === 'one-index' || known.kind === 'rolled-over' ? known.writeIndex : undefined,
          );
          writeIndexNames = undefined;
        }
        return fetched;
      });
      cache.set(target, { at: now(), state });
      return state;
    },
    /** The lookup cannot be made for this target until the cache entry expires. */
    refuse(target: string, status: number, body: string): Fetched {
      const state = unchecked(target, status, body);
      cache.set(target, { at: now(), state: Promise.resolve({ state }) });
      return { state };
    },
    /**
     * Forgets what the target was made of: the next batch asks again. The write index stays known until
     * then, so that batches already sent are still read against it.
     */
    forget(target: string): void {
      cache.delete(target);
    },
    /** The write index the records of `target` were checked against, when one is known. */
    writeIndexOf(target: string): string | undefined {
      return writeIndices.get(target);
    },
    /** Whether `index` is the known write index of some target. */
    isWriteIndex(index: string): boolean {
      writeIndexNames ??= new Set(writeIndices.values());
      return writeIndexNames.has(index);
    },
  };
}

export type TargetStates = ReturnType<typeof createTargetStates>;
