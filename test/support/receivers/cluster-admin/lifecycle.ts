import { clone, esError, isObject, ok, TIME_VALUE, type Reply } from './http';
import type { ClusterState } from './state';

const ILM_PHASES = new Set(['hot', 'warm', 'cold', 'frozen', 'delete']);
const ILM_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  hot: [
    'rollover',
    'set_priority',
    'forcemerge',
    'shrink',
    'readonly',
    'downsample',
    'searchable_snapshot',
    'unfollow',
  ],
  warm: ['set_priority', 'allocate', 'migrate', 'forcemerge', 'shrink', 'readonly', 'downsample', 'unfollow'],
  cold: [
    'set_priority',
    'allocate',
    'migrate',
    'freeze',
    'readonly',
    'downsample',
    'searchable_snapshot',
    'unfollow',
  ],
  frozen: ['searchable_snapshot', 'unfollow'],
  delete: ['delete', 'wait_for_snapshot'],
};
const ROLLOVER_FIELDS = new Set([
  'max_age',
  'max_docs',
  'max_size',
  'max_primary_shard_size',
  'max_primary_shard_docs',
]);

export function putIlmPolicy(state: ClusterState, name: string, body: unknown): Reply {
  const policy = isObject(body) ? body.policy : undefined;
  if (!isObject(policy) || !isObject(policy.phases)) {
    return esError(400, 'x_content_parse_exception', '[put_lifecycle_request] policy must have [phases]');
  }
  for (const [phase, definition] of Object.entries(policy.phases)) {
    if (!ILM_PHASES.has(phase)) {
      return esError(
        400,
        'illegal_argument_exception',
        `Timeseries lifecycle does not support phase [${phase}]`,
      );
    }
    if (!isObject(definition) || !isObject(definition.actions)) {
      return esError(400, 'x_content_parse_exception', `[phase] [${phase}] requires [actions]`);
    }
    if (
      definition.min_age !== undefined &&
      !(typeof definition.min_age === 'string' && TIME_VALUE.test(definition.min_age))
    ) {
      return esError(
        400,
        'illegal_argument_exception',
        `failed to parse setting [min_age] with value [${String(definition.min_age)}] as a time value`,
      );
    }
    for (const [action, options] of Object.entries(definition.actions)) {
      if (!ILM_ACTIONS[phase].includes(action)) {
        return esError(
          400,
          'illegal_argument_exception',
          `invalid action [${action}] defined in phase [${phase}]`,
        );
      }
      if (action === 'rollover') {
        const unknown = Object.keys(isObject(options) ? options : {}).find(
          (key) => !ROLLOVER_FIELDS.has(key),
        );
        if (unknown)
          return esError(400, 'x_content_parse_exception', `[rollover] unknown field [${unknown}]`);
      }
    }
  }
  const existing = state.ilmPolicies.get(name);
  state.ilmPolicies.set(name, {
    version: (existing?.version ?? 0) + 1,
    modified: Date.now(),
    policy: clone(policy),
  });
  return ok();
}

/** A `GET` adds what Elasticsearch fills in: `min_age: 0ms`, the delete action's default, `in_use_by`. */
export function getIlmPolicy(state: ClusterState, name: string): Reply {
  const stored = state.ilmPolicies.get(name);
  if (!stored) return esError(404, 'resource_not_found_exception', `Lifecycle policy not found: ${name}`);
  const policy = clone(stored.policy);
  for (const definition of Object.values(policy.phases as Record<string, Record<string, unknown>>)) {
    definition.min_age ??= '0ms';
    const actions = definition.actions as Record<string, Record<string, unknown>>;
    if (actions.delete) actions.delete.delete_searchable_snapshot ??= true;
  }
  return ok({
    [name]: {
      version: stored.version,
      modified_date: new Date(stored.modified).toISOString(),
      policy,
      in_use_by: { indices: [], data_streams: [], composable_templates: [] },
    },
  });
}

const ISM_ACTIONS = new Set([
  'rollover',
  'delete',
  'read_only',
  'read_write',
  'replica_count',
  'force_merge',
  'shrink',
  'close',
  'open',
  'snapshot',
  'notification',
  'index_priority',
  'allocation',
  'rollup',
  'alias',
]);
const ISM_ROLLOVER_FIELDS = new Set([
  'min_size',
  'min_doc_count',
  'min_index_age',
  'min_primary_shard_size',
  'copy_alias',
]);
const ISM_CONDITIONS = new Set(['min_index_age', 'min_doc_count', 'min_size', 'min_rollover_age', 'cron']);

function ismProblem(policy: Record<string, unknown>): string | undefined {
  const states = policy.states;
  if (!Array.isArray(states) || states.length === 0) return 'Policy must have at least one state';
  const names = new Set(states.map((state) => (isObject(state) ? state.name : undefined)));
  if (typeof policy.default_state !== 'string' || !names.has(policy.default_state)) {
    return `Policy default_state [${String(policy.default_state)}] does not exist in states`;
  }
  for (const state of states as Record<string, unknown>[]) {
    for (const action of (state.actions as Record<string, unknown>[] | undefined) ?? []) {
      for (const [type, options] of Object.entries(action)) {
        if (type === 'retry' || type === 'timeout') continue;
        if (!ISM_ACTIONS.has(type)) return `Invalid field: [${type}] found in Actions.`;
        if (type === 'rollover') {
          const unknown = Object.keys(isObject(options) ? options : {}).find(
            (key) => !ISM_ROLLOVER_FIELDS.has(key),
          );
          if (unknown) return `Invalid field: [${unknown}] found in RolloverAction.`;
        }
      }
    }
    for (const transition of (state.transitions as Record<string, unknown>[] | undefined) ?? []) {
      if (!names.has(transition.state_name)) {
        return `State ${String(state.name)} has a transition to a state that does not exist: ${String(transition.state_name)}`;
      }
      const unknown = Object.keys(isObject(transition.conditions) ? transition.conditions : {}).find(
        (key) => !ISM_CONDITIONS.has(key),
      );
      if (unknown) return `Invalid field: [${unknown}] found in Conditions.`;
    }
  }
  return undefined;
}

/** PUT: creating needs no sequence numbers; replacing needs the current ones (optimistic concurrency). */
export function putIsmPolicy(state: ClusterState, id: string, body: unknown, query: URLSearchParams): Reply {
  const policy = isObject(body) ? body.policy : undefined;
  if (!isObject(policy))
    return esError(400, 'illegal_argument_exception', 'Required body missing or invalid: policy');
  const problem = ismProblem(policy);
  if (problem) return esError(400, 'illegal_argument_exception', problem);
  const existing = state.ismPolicies.get(id);
  const seqNo = query.get('if_seq_no');
  const primaryTerm = query.get('if_primary_term');
  if (existing && (seqNo === null || primaryTerm === null)) {
    return esError(
      409,
      'version_conflict_engine_exception',
      `[${id}]: version conflict, document already exists (current version [${existing.version}])`,
    );
  }
  if (existing && (Number(seqNo) !== existing.seqNo || Number(primaryTerm) !== existing.primaryTerm)) {
    return esError(
      409,
      'version_conflict_engine_exception',
      `[${id}]: version conflict, required seqNo [${seqNo}], primary term [${primaryTerm}]. current document has seqNo [${existing.seqNo}] and primary term [${existing.primaryTerm}]`,
    );
  }
  if (!existing && seqNo !== null) return esError(404, 'status_exception', 'Policy not found');
  const stored = {
    version: (existing?.version ?? 0) + 1,
    seqNo: state.nextSeqNo(),
    primaryTerm: 1,
    updated: Date.now(),
    policy: clone(policy),
  };
  state.ismPolicies.set(id, stored);
  return {
    status: existing ? 200 : 201,
    body: {
      _id: id,
      _version: stored.version,
      _primary_term: 1,
      _seq_no: stored.seqNo,
      policy: { policy: answerOf(id, stored) },
    },
  };
}

/** The policy as ISM answers it: its id, times, schema version, and each action's default retry. */
function answerOf(
  id: string,
  stored: { updated: number; policy: Record<string, unknown> },
): Record<string, unknown> {
  const policy = clone(stored.policy);
  for (const state of policy.states as Record<string, unknown>[]) {
    for (const action of (state.actions as Record<string, unknown>[] | undefined) ?? []) {
      action.retry ??= { count: 3, backoff: 'exponential', delay: '1m' };
    }
  }
  const templates = policy.ism_template;
  const list = templates === undefined ? undefined : Array.isArray(templates) ? templates : [templates];
  return {
    policy_id: id,
    description: policy.description,
    last_updated_time: stored.updated,
    schema_version: 19,
    error_notification: policy.error_notification ?? null,
    default_state: policy.default_state,
    states: policy.states,
    ism_template:
      list?.map((template: Record<string, unknown>) => ({
        priority: 0,
        ...template,
        last_updated_time: stored.updated,
      })) ?? null,
  };
}

export function getIsmPolicy(state: ClusterState, id: string): Reply {
  const stored = state.ismPolicies.get(id);
  if (!stored) return esError(404, 'status_exception', 'Policy not found');
  return ok({
    _id: id,
    _version: stored.version,
    _seq_no: stored.seqNo,
    _primary_term: stored.primaryTerm,
    policy: answerOf(id, stored),
  });
}
