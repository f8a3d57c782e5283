import type { FieldPath } from './field-path';
import type { Logsource } from './logsource';
import type { RecordTest } from './predicate';

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

/** What every compiled rule carries for alerts and messages. */
export interface RuleMeta {
  /** Stable key for state and alerts: the rule's `id`, else its `name`, else its title. */
  readonly key: string;
  readonly id?: string;
  readonly name?: string;
  readonly title: string;
  readonly description?: string;
  /** Sigma level; `medium` when the rule gives none. */
  readonly level: Level;
  /** Sigma tags as written, e.g. `attack.t1078`, `attack.initial_access`. */
  readonly tags: readonly string[];
  readonly file: string;
  /** Line of the rule's document in its file (1-based), when read from YAML. */
  readonly line?: number;
  /** Column of the rule's document on that line (1-based): messages name file:line:column. */
  readonly column?: number;
}

/** A Sigma detection rule, compiled into one predicate. */
export interface DetectionRule extends RuleMeta {
  readonly kind: 'detection';
  readonly logsource: Logsource;
  /** The rule's condition over its selections: a plain function, no rule tree is read per record. */
  readonly matches: RecordTest;
  /** Relative cost of `matches` (the sum of its tests), for ordering and reports. */
  readonly cost: number;
  /** The record fields the rule reads, as written (dotted paths), without modifiers; keyword searches read all. */
  readonly fields: readonly string[];
  /** True when it has keyword searches: they read every value of the record, not only `fields`. */
  readonly readsWholeRecord: boolean;
}

export type CorrelationType = 'event_count' | 'value_count';

/** A count reached within a timespan: only lower bounds, since a stream decides when a count is reached. */
export interface Threshold {
  readonly comparison: 'gt' | 'gte';
  readonly value: number;
}

/** A Sigma correlation rule (`event_count` or `value_count`), compiled into a descriptor for the window counter. */
export interface CorrelationRule extends RuleMeta {
  readonly kind: 'correlation';
  readonly type: CorrelationType;
  /** The `rules:` references as written (ids or names), with their lines. */
  readonly references: readonly { readonly ref: string; readonly line?: number; readonly column?: number }[];
  readonly groupBy: readonly FieldPath[];
  readonly timespanMs: number;
  readonly threshold: Threshold;
  /** value_count: the field whose distinct values are counted. */
  readonly field?: FieldPath;
  /** Sigma `generate`: the referenced rules also alert on their own (default false). */
  readonly generate: boolean;
}

export type CompiledRule = DetectionRule | CorrelationRule;

export function meetsThreshold(threshold: Threshold, count: number): boolean {
  return threshold.comparison === 'gt' ? count > threshold.value : count >= threshold.value;
}
