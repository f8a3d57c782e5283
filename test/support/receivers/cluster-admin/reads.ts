/**
 * The index reads of sluice's rollover lookup, answered as Elasticsearch and OpenSearch do, each checked
 * against the caller's privileges: `GET <target>/_settings[/<names>]` (view_index_metadata / monitor /
 * manage; OpenSearch `indices:monitor/settings/get`), `POST <target>/_search` with an `ids` query (read;
 * `indices:data/read/search`), `GET /_data_stream/<name>` (view_index_metadata / manage;
 * `indices:admin/data_stream/get`) and `POST <data stream>/_rollover` (admin only here).
 */
import { esAllowed } from './bulk';
import { esError, isObject, ok, wildcardMatch, type Reply } from './http';
import { describeOsUser, osIndexPermitted } from './os-security';
import {
  DataStreamAlias,
  describePrincipal,
  isSuperuser,
  type BackingIndex,
  type ClusterState,
  type Principal,
} from './state';

const ES_GRANTING = {
  settings: ['view_index_metadata', 'monitor', 'manage', 'all'],
  search: ['read', 'all'],
  dataStream: ['view_index_metadata', 'manage', 'all'],
  alias: ['view_index_metadata', 'manage', 'all'],
} as const;

const OS_ACTIONS = {
  settings: 'indices:monitor/settings/get',
  search: 'indices:data/read/search',
  dataStream: 'indices:admin/data_stream/get',
  alias: 'indices:admin/aliases/get',
} as const;

const ES_ACTIONS = {
  settings: 'indices:monitor/settings/get',
  search: 'indices:data/read/search',
  dataStream: 'indices:admin/data_stream/get',
  alias: 'indices:admin/aliases/get',
} as const;

type Kind = keyof typeof ES_GRANTING;

/** 403 unless the principal may do `kind` on `target`; as both products, checked before existence. */
function refusal(state: ClusterState, principal: Principal, kind: Kind, target: string): Reply | undefined {
  if (state.flavor === 'elasticsearch') {
    if (esAllowed(state, principal, ES_GRANTING[kind], target)) return undefined;
    return esError(
      403,
      'security_exception',
      `action [${ES_ACTIONS[kind]}] is unauthorized for ${describePrincipal(principal)} on indices [${target}], this action is granted by the index privileges [${ES_GRANTING[kind].join(',')}]`,
    );
  }
  if (osIndexPermitted(state, principal, OS_ACTIONS[kind], target)) return undefined;
  return esError(
    403,
    'security_exception',
    `no permissions for [${OS_ACTIONS[kind]}] and ${describeOsUser(principal)}`,
  );
}

const notFound = (target: string): Reply =>
  esError(404, 'index_not_found_exception', `no such index [${target}]`);

/** `GET /<target>/_settings/<names>`: per backing index, the matching settings (only creation_date is held). */
export function getSettings(
  state: ClusterState,
  principal: Principal,
  target: string,
  names: string | undefined,
  query: URLSearchParams,
): Reply {
  const refused = refusal(state, principal, 'settings', target);
  if (refused) return refused;
  const stream = state.target(target);
  if (!stream) return notFound(target);
  const flat = query.get('flat_settings') === 'true';
  const wanted = (names ?? '*').split(',');
  const answer: Record<string, unknown> = {};
  for (const index of stream.indices) {
    const held = { 'index.creation_date': String(index.createdAt), 'index.hidden': 'true' };
    const kept = Object.entries(held).filter(([name]) =>
      wanted.some((pattern) => wildcardMatch(pattern, name)),
    );
    if (kept.length === 0) continue;
    const settings: Record<string, unknown> = {};
    for (const [name, value] of kept) {
      if (flat) settings[name] = value;
      else {
        const index = (settings.index ??= {}) as Record<string, unknown>;
        index[name.slice('index.'.length)] = value;
      }
    }
    answer[index.name] = { settings };
  }
  return ok(answer);
}

/** `POST /<target>/_search` with `{"query":{"ids":{"values":[…]}}}`, over every backing index. */
export function search(
  state: ClusterState,
  principal: Principal,
  target: string,
  body: unknown,
  query: URLSearchParams,
): Reply {
  const refused = refusal(state, principal, 'search', target);
  if (refused) return refused;
  const stream = state.target(target);
  if (!stream && query.get('ignore_unavailable') !== 'true') return notFound(target);
  const newest = newestAggregation(stream?.indices ?? [], body);
  if (newest) return ok(filterAggregation(newest, query.get('filter_path')));
  const ids = isObject(body)
    ? (body.query as { ids?: { values?: unknown } } | undefined)?.ids?.values
    : undefined;
  if (!Array.isArray(ids)) {
    return esError(400, 'parsing_exception', 'this receiver answers only an ids query or a max aggregation');
  }
  const size = isObject(body) && typeof body.size === 'number' ? body.size : 10;
  const hits: { _index: string; _id: string; _score: number }[] = [];
  for (const index of stream?.indices ?? []) {
    for (const id of ids) {
      if (typeof id === 'string' && index.documents.has(id))
        hits.push({ _index: index.name, _id: id, _score: 1 });
    }
  }
  const answer = {
    took: 1,
    timed_out: false,
    _shards: {
      total: stream?.indices.length ?? 0,
      successful: stream?.indices.length ?? 0,
      skipped: 0,
      failed: 0,
    },
    hits: { max_score: hits.length > 0 ? 1 : null, hits: hits.slice(0, size) },
  };
  return ok(filterSearch(answer, query.get('filter_path')));
}

/**
 * `{"size":0,"query":{"bool":{"must_not":[{"term":{"_index":…}}]}},"aggs":{<name>:{"max":{"field":"@timestamp"}}}}`
 * (a `match_all` or no query too): the newest `@timestamp` of the indices not excluded, as epoch ms
 * (a double, as Elasticsearch answers a max on a date), null when they hold no document.
 */
function newestAggregation(indices: readonly BackingIndex[], body: unknown) {
  if (!isObject(body) || !isObject(body.aggs)) return undefined;
  const [name, aggregation] = Object.entries(body.aggs)[0] ?? [];
  const field = isObject(aggregation) && isObject(aggregation.max) ? aggregation.max.field : undefined;
  if (name === undefined || field !== '@timestamp') return undefined;
  const mustNot = isObject(body.query) && isObject(body.query.bool) ? body.query.bool.must_not : undefined;
  const excluded = new Set(
    (Array.isArray(mustNot) ? mustNot : [])
      .map((clause: unknown) => (isObject(clause) && isObject(clause.term) ? clause.term._index : undefined))
      .filter((value): value is string => typeof value === 'string'),
  );
  let value: number | null = null;
  for (const index of indices) {
    if (excluded.has(index.name)) continue;
    for (const document of index.documents.values()) {
      const at = isObject(document) ? Date.parse(String(document['@timestamp'])) : Number.NaN;
      if (Number.isFinite(at) && (value === null || at > value)) value = at;
    }
  }
  return {
    took: 1,
    timed_out: false,
    _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 },
    hits: { max_score: null, hits: [] },
    aggregations: {
      [name]: value === null ? { value: null } : { value, value_as_string: new Date(value).toISOString() },
    },
  };
}

/** filter_path on an aggregation answer: only the dotted paths asked for. */
function filterAggregation(answer: Record<string, unknown>, filterPath: string | null): unknown {
  if (!filterPath) return answer;
  const filtered: Record<string, unknown> = {};
  for (const path of filterPath.split(',').map((part) => part.trim())) {
    const keys = path.split('.');
    let from: unknown = answer;
    for (const key of keys) from = isObject(from) ? from[key] : undefined;
    if (from === undefined) continue;
    let into = filtered;
    for (const key of keys.slice(0, -1)) into = (into[key] ??= {}) as Record<string, unknown>;
    into[keys[keys.length - 1]] = from;
  }
  return filtered;
}

/** The part of filter_path the lookup uses: `hits.hits._id`, `hits.hits._index`, `_shards.failed`, `timed_out`. */
function filterSearch(
  answer: {
    timed_out: boolean;
    _shards: { failed: number };
    hits: { hits: { _id: string; _index: string }[] };
  },
  filterPath: string | null,
): unknown {
  if (!filterPath) return answer;
  const paths = new Set(filterPath.split(',').map((path) => path.trim()));
  const filtered: Record<string, unknown> = {};
  if (paths.has('timed_out')) filtered.timed_out = answer.timed_out;
  if (paths.has('_shards.failed')) filtered._shards = { failed: answer._shards.failed };
  // As Elasticsearch does, an empty array leaves its parents out.
  const kept = ['_id', '_index'].filter((field) => paths.has(`hits.hits.${field}`)) as Array<
    '_id' | '_index'
  >;
  if (kept.length > 0 && answer.hits.hits.length > 0) {
    filtered.hits = {
      hits: answer.hits.hits.map((hit) => Object.fromEntries(kept.map((field) => [field, hit[field]]))),
    };
  }
  return filtered;
}

/**
 * `GET /_alias/<name>`: every index behind the alias and whether it is the write index; 404 (in
 * Elasticsearch's shape) for a name that is no alias, a data stream's included.
 */
export function getAlias(state: ClusterState, principal: Principal, name: string): Reply {
  const refused = refusal(state, principal, 'alias', name);
  if (refused) return refused;
  const alias = state.aliases.get(name);
  if (!alias) return { status: 404, body: { error: `alias [${name}] missing`, status: 404 } };
  const answer: Record<string, unknown> = {};
  if (alias instanceof DataStreamAlias) {
    // Elasticsearch 8 (RestGetAliasesAction): keyed by data stream, only the write one marked.
    for (const stream of alias.dataStreams) {
      const write = stream === alias.writeDataStream;
      answer[stream.name] = { aliases: { [name]: write ? { is_write_index: true } : {} } };
    }
    return ok(answer);
  }
  for (const index of alias.indices) {
    answer[index.name] = { aliases: { [name]: { is_write_index: index === alias.writeIndex } } };
  }
  return ok(answer);
}

/** `GET /_data_stream/<name>`: the backing indices, the write index last. */
export function getDataStreamChecked(
  state: ClusterState,
  principal: Principal,
  name: string,
  answer: () => Reply,
): Reply {
  if (isSuperuser(principal)) return answer();
  return refusal(state, principal, 'dataStream', name) ?? answer();
}

/** `POST /<data stream>/_rollover`: a new write index (`createdAt` lets a test date it). */
export function rollover(
  state: ClusterState,
  principal: Principal,
  name: string,
  createdAt = Date.now(),
): Reply {
  if (!isSuperuser(principal)) {
    return esError(
      403,
      'security_exception',
      `action [indices:admin/rollover] is unauthorized for ${describePrincipal(principal)}`,
    );
  }
  const stream = state.dataStreams.get(name);
  if (!stream) return notFound(name);
  const old = stream.writeIndex.name;
  const created = stream.rollover(createdAt);
  return ok({
    acknowledged: true,
    shards_acknowledged: true,
    old_index: old,
    new_index: created.name,
    rolled_over: true,
    dry_run: false,
  });
}
