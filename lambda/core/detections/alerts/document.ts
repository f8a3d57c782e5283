import { createHash } from 'node:crypto';
import type { RecordRef } from '../records';
import type { CompiledRule, Level } from '../sigma/types';
import type { Contribution } from '../windows/store';
import { isoTime } from './iso-time';
import { outcomeOf, type AlertOutcomeKind, type AlertRegistration } from './store';

/** Default dedup period: one alert per rule and group per hour, with a running count (as Panther and PagerDuty do). */
export const DEFAULT_DEDUP_PERIOD_MS = 3_600_000;
export const MAX_SAMPLES = 5;
/** Record references kept in one alert document; the rest are counted in `omittedRecords`. */
export const MAX_RECORD_REFS = 100;

export type GroupValue = string | number | boolean | null;

/**
 * The period an event time falls in. Periods are aligned to event time (not to when the alert
 * opened) so that which alert a record joins depends on the record alone: a replay or a different
 * arrival order gives the same alerts. An incident crossing a period boundary opens a second alert.
 */
export function periodOf(eventTimeMs: number, periodMs: number): { startMs: number; endMs: number } {
  const startMs = Math.floor(eventTimeMs / periodMs) * periodMs;
  return { startMs, endMs: startMs + periodMs };
}

/** Rule, group and period, as readable text: PagerDuty's `dedup_key` and the store's key. */
export function dedupKeyOf(ruleKey: string, groupKey: string, periodStartMs: number): string {
  return `${ruleKey}|${groupKey}|${new Date(periodStartMs).toISOString()}`;
}

export function alertIdOf(dedupKey: string): string {
  return createHash('sha256').update(dedupKey, 'utf8').digest('base64url').slice(0, 22);
}

/** ATT&CK from Sigma tags: `attack.t1078.004` is a technique, `attack.initial_access` a tactic. */
export function attackOf(tags: readonly string[]): { tactics: string[]; techniques: string[] } {
  const tactics: string[] = [];
  const techniques: string[] = [];
  for (const tag of tags) {
    const match = /^attack\.(.+)$/i.exec(tag);
    if (!match) continue;
    const name = match[1];
    if (/^t\d{4}(\.\d{3})?$/i.test(name)) techniques.push(name.toUpperCase());
    else if (!/^[gs]\d{4}$/i.test(name)) tactics.push(name.toLowerCase());
  }
  return { tactics, techniques };
}

/** Alert ids of the alerts seen lately: an alert updated by every batch of a burst hashes its key once. */
const alertIds = new Map<string, string>();
const ALERT_IDS_KEPT = 10_000;

function cachedAlertId(dedupKey: string): string {
  let id = alertIds.get(dedupKey);
  if (id === undefined) {
    if (alertIds.size >= ALERT_IDS_KEPT) alertIds.clear();
    id = alertIdOf(dedupKey);
    alertIds.set(dedupKey, id);
  }
  return id;
}

/** A rule's ATT&CK, read from its tags once (a rule's tags are one array for its lifetime). */
const attacks = new WeakMap<readonly string[], { tactics: string[]; techniques: string[] }>();

function cachedAttack(tags: readonly string[]): {
  tactics: readonly string[];
  techniques: readonly string[];
} {
  let attack = attacks.get(tags);
  if (!attack) {
    attack = attackOf(tags);
    attacks.set(tags, attack);
  }
  return attack;
}

export interface AlertRecordRef {
  readonly id: string;
  /** `s3://bucket/key` of the object holding the record. */
  readonly location: string;
  /** Byte offset of the record in the (decompressed) object. */
  readonly offset: number;
  readonly eventTime: string;
}

/** The alert as JSON: what channels receive and what is written as log type `sluice-alerts`. */
export interface AlertDocument {
  /** Stable per rule, group and period: the same alert across updates. */
  readonly alertId: string;
  readonly dedupKey: string;
  /** `opened` (notify), `updated` (running count grew), `unchanged`. */
  readonly status: AlertOutcomeKind;
  readonly rule: {
    readonly key: string;
    readonly id?: string;
    readonly name?: string;
    readonly title: string;
    readonly description?: string;
    readonly type: 'detection' | 'event_count' | 'value_count';
    readonly file: string;
  };
  readonly level: Level;
  readonly tags: readonly string[];
  readonly attack: { readonly tactics: readonly string[]; readonly techniques: readonly string[] };
  /** group-by field → value (empty for single-record rules). */
  readonly group: Readonly<Record<string, GroupValue>>;
  /** Records (event_count, single rules) or distinct values (value_count) in the best window. */
  readonly count: number;
  /** Correlations: the condition and timespan that were met. */
  readonly threshold?: {
    readonly comparison: 'gt' | 'gte';
    readonly value: number;
    readonly timespanMs: number;
  };
  /** value_count: the distinct values in the best window (up to 100). */
  readonly values?: readonly string[];
  /** Event times of the first and last record the alert covers so far. */
  readonly firstEventTime: string;
  readonly lastEventTime: string;
  /** Running count: distinct records covered in this period so far. */
  readonly occurrences: number;
  readonly period: { readonly start: string; readonly end: string };
  /** The records of this firing, with where they are. */
  readonly records: readonly AlertRecordRef[];
  readonly omittedRecords: number;
  /** Up to 5 of those records, as read. */
  readonly samples: readonly Readonly<Record<string, unknown>>[];
  readonly openedBy: string;
  readonly detectedAt: string;
}

export interface AlertInput {
  readonly rule: CompiledRule;
  readonly groupNames: readonly string[];
  readonly groupValues: readonly GroupValue[];
  readonly dedupKey: string;
  readonly periodStartMs: number;
  readonly periodMs: number;
  readonly count: number;
  /** Members of the best window (correlations) or the matching record. */
  readonly best: readonly Contribution[];
  /** Every member this firing covers in this period, by event time. */
  readonly members: readonly Contribution[];
  readonly registration: AlertRegistration;
  readonly nowMs: number;
}

function refOf(ref: RecordRef): AlertRecordRef {
  return {
    id: ref.id,
    location: `s3://${ref.bucket}/${ref.key}`,
    offset: ref.offset,
    eventTime: isoTime(ref.eventTimeMs),
  };
}

export function buildAlert(input: AlertInput): AlertDocument {
  const { rule, registration } = input;
  const group: Record<string, GroupValue> = {};
  input.groupNames.forEach((name, index) => {
    group[name] = input.groupValues[index] ?? null;
  });
  const samples: Readonly<Record<string, unknown>>[] = [];
  for (let i = 0; i < input.members.length && samples.length < MAX_SAMPLES; i += 1) {
    const { sample } = input.members[i];
    if (sample !== undefined) samples.push(sample);
  }
  const values =
    rule.kind === 'correlation' && rule.type === 'value_count'
      ? [
          ...new Set(
            input.best.map((member) => member.value).filter((value): value is string => value !== undefined),
          ),
        ].slice(0, 100)
      : undefined;
  return {
    alertId: cachedAlertId(input.dedupKey),
    dedupKey: input.dedupKey,
    status: outcomeOf(registration),
    rule: {
      key: rule.key,
      id: rule.id,
      name: rule.name,
      title: rule.title,
      description: rule.description,
      type: rule.kind === 'correlation' ? rule.type : 'detection',
      file: rule.file,
    },
    level: rule.level,
    tags: rule.tags,
    attack: cachedAttack(rule.tags),
    group,
    count: input.count,
    threshold:
      rule.kind === 'correlation'
        ? { comparison: rule.threshold.comparison, value: rule.threshold.value, timespanMs: rule.timespanMs }
        : undefined,
    values,
    firstEventTime: new Date(registration.firstEventMs).toISOString(),
    lastEventTime: new Date(registration.lastEventMs).toISOString(),
    occurrences: registration.occurrences,
    period: {
      start: new Date(input.periodStartMs).toISOString(),
      end: new Date(input.periodStartMs + input.periodMs).toISOString(),
    },
    records: input.members.slice(0, MAX_RECORD_REFS).map((member) => refOf(member.ref)),
    omittedRecords: Math.max(0, input.members.length - MAX_RECORD_REFS),
    samples,
    openedBy: registration.openedBy,
    detectedAt: new Date(input.nowMs).toISOString(),
  };
}
