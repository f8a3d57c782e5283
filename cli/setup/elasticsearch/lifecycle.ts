import { includes } from './compare';
import type { Resource } from './resource';

/**
 * A backing index is written for at most this long (or this size) before it rolls over, the defaults of
 * Elasticsearch's own logs policy.
 */
const ROLLOVER_AGE = '30d';
const ROLLOVER_SIZE = '50gb';

/**
 * The ILM policy: roll over, then delete `retentionDays` after the rollover. ILM counts a rolled-over
 * index's `min_age` from its rollover, when its last document was written, so every document is kept at
 * least `retentionDays` (and at most `retentionDays` + 30 days).
 */
export function ilmPolicy(name: string, retentionDays: number): Resource {
  const desired = {
    policy: {
      phases: {
        hot: { actions: { rollover: { max_age: ROLLOVER_AGE, max_primary_shard_size: ROLLOVER_SIZE } } },
        delete: { min_age: `${retentionDays}d`, actions: { delete: {} } },
      },
    },
  };
  const path = `/_ilm/policy/${encodeURIComponent(name)}`;
  return {
    kind: 'ilm-policy',
    name,
    summary: `roll over at ${ROLLOVER_AGE} or ${ROLLOVER_SIZE} a shard, delete ${retentionDays} days after rollover`,
    read: { method: 'GET', path },
    reconcile: (current) => {
      // GET answers `{"<name>": {"version", "modified_date", "policy": {…}, "in_use_by"}}`.
      const held = (current as Record<string, { policy?: unknown }> | undefined)?.[name]?.policy;
      return {
        writes:
          held !== undefined && includes(held, desired.policy)
            ? []
            : [{ method: 'PUT', path, body: desired }],
      };
    },
  };
}

/**
 * The ISM policy: the same lifecycle as states. `min_rollover_age` counts from the rollover, like ILM's
 * `min_age`; `ism_template` attaches it to each new backing index of these data streams (ISM matches a
 * backing index by its data stream's name).
 */
export function ismPolicy(
  name: string,
  retentionDays: number,
  dataStreams: readonly string[],
  destination: string,
): Resource {
  const desired = {
    description: `sluice: documents of destination ${destination} are deleted ${retentionDays} days after their backing index rolled over`,
    default_state: 'hot',
    states: [
      {
        name: 'hot',
        actions: [{ rollover: { min_index_age: ROLLOVER_AGE, min_size: ROLLOVER_SIZE } }],
        transitions: [{ state_name: 'delete', conditions: { min_rollover_age: `${retentionDays}d` } }],
      },
      { name: 'delete', actions: [{ delete: {} }], transitions: [] },
    ],
    ism_template: [{ index_patterns: [...dataStreams], priority: 100 }],
  };
  const path = `/_plugins/_ism/policies/${encodeURIComponent(name)}`;
  return {
    kind: 'ism-policy',
    name,
    summary: `roll over at ${ROLLOVER_AGE} or ${ROLLOVER_SIZE}, delete ${retentionDays} days after rollover`,
    read: { method: 'GET', path },
    reconcile: (current) => {
      if (current === undefined) return { writes: [{ method: 'PUT', path, body: { policy: desired } }] };
      // GET answers `{"_id", "_version", "_seq_no", "_primary_term", "policy": {…}}`.
      const held = current as { policy?: unknown; _seq_no?: unknown; _primary_term?: unknown };
      if (includes(held.policy, desired)) return { writes: [] };
      // ISM refuses to replace a policy without the sequence number and primary term it replaces.
      const query = `?if_seq_no=${String(held._seq_no)}&if_primary_term=${String(held._primary_term)}`;
      return { writes: [{ method: 'PUT', path: `${path}${query}`, body: { policy: desired } }] };
    },
  };
}
