import {
  buildAlert,
  dedupKeyOf,
  DEFAULT_DEDUP_PERIOD_MS,
  periodOf,
  type AlertDocument,
  type GroupValue,
} from './alerts/document';
import { outcomeOf, type AlertOutcomeKind, type AlertStore } from './alerts/store';
import { refOf, type DetectionRecord } from './records';
import type { RuleIndex } from './rule-index';
import type { BoundCorrelation } from './sigma/rule-set';
import type { CompiledRule, DetectionRule } from './sigma/types';
import { correlate, DEFAULT_LATENESS_MS } from './windows/correlate';
import type { Contribution, WindowStore } from './windows/store';

export interface DetectionEngineOptions {
  readonly windows: WindowStore;
  readonly alerts: AlertStore;
  /** One alert per rule, group and period of this length. Default: 1 hour. */
  readonly dedupPeriodMs?: number;
  /** How late (after its event time) a record may arrive and still join its window. Default: 1 day. */
  readonly latenessMs?: number;
}

export interface AlertOutcome {
  /** `opened`: notify the channels (then markNotified); `updated`: the running count grew. */
  readonly kind: Exclude<AlertOutcomeKind, 'unchanged'>;
  readonly alert: AlertDocument;
}

/** What one batch contributes to one alert (rule, group, period). */
interface Pending {
  readonly rule: CompiledRule;
  readonly groupNames: readonly string[];
  readonly groupValues: readonly GroupValue[];
  readonly periodStartMs: number;
  readonly periodMs: number;
  readonly triggers: Set<string>;
  readonly members: Map<string, Contribution>;
  count: number;
  best: readonly Contribution[];
}

interface PendingGroup {
  readonly correlation: BoundCorrelation;
  readonly groupKey: string;
  readonly groupValues: readonly GroupValue[];
  readonly contributions: Map<string, Contribution>;
}

function scalarOrNull(value: unknown): GroupValue {
  return value === undefined ? null : (value as GroupValue);
}

/**
 * Runs the rules on a batch of records (typically one object's, or a part of it): single-record
 * rules alert on each match; correlations count matches per group in event-time windows held in the
 * WindowStore; every firing is registered in the AlertStore under (rule, group, period), which
 * answers whether the alert opens or updates. Matching is synchronous and allocation-light; only
 * records that match something reach the stores.
 */
export class DetectionEngine {
  private readonly periodMs: number;
  private readonly latenessMs: number;
  private readonly dedupKeys = new Map<string, string>();

  constructor(
    private readonly index: RuleIndex,
    private readonly options: DetectionEngineOptions,
  ) {
    this.periodMs = options.dedupPeriodMs ?? DEFAULT_DEDUP_PERIOD_MS;
    this.latenessMs = options.latenessMs ?? DEFAULT_LATENESS_MS;
  }

  /** The detection rules that match one record, whatever their alerting (for `sluice detect test`). */
  match(record: DetectionRecord): DetectionRule[] {
    const { rules } = this.index.rulesFor(record.source, record.logType);
    const matched: DetectionRule[] = [];
    for (let i = 0; i < rules.length; i += 1) if (rules[i].matches(record.value)) matched.push(rules[i]);
    return matched;
  }

  async process(records: readonly DetectionRecord[], nowMs: number): Promise<AlertOutcome[]> {
    const pending = new Map<string, Pending>();
    const groups = new Map<string, PendingGroup>();
    for (const record of records) {
      const bound = this.index.rulesFor(record.source, record.logType);
      for (let i = 0; i < bound.rules.length; i += 1) {
        const rule = bound.rules[i];
        if (!rule.matches(record.value)) continue;
        const contribution: Contribution = { ref: this.refOf(record, nowMs), sample: record.value };
        if (bound.standalone[i]) this.addSingle(pending, rule, contribution);
        for (const correlation of bound.correlations[i])
          this.addToGroup(groups, correlation, record, contribution);
      }
    }
    await Promise.all([...groups.values()].map((group) => this.countGroup(pending, group, nowMs)));
    const outcomes = await Promise.all(
      [...pending.entries()].map(async ([dedupKey, entry]) => {
        const members = [...entry.members.values()].sort(
          (a, b) => a.ref.eventTimeMs - b.ref.eventTimeMs || (a.ref.id < b.ref.id ? -1 : 1),
        );
        const registration = await this.options.alerts.register(
          dedupKey,
          {
            triggerIds: [...entry.triggers].sort(),
            members: members.map((member) => member.ref),
          },
          Math.max(entry.periodStartMs + entry.periodMs, nowMs) + this.latenessMs,
        );
        const kind = outcomeOf(registration);
        if (kind === 'unchanged') return undefined; // nothing new to say: no document
        const alert = buildAlert({
          rule: entry.rule,
          groupNames: entry.groupNames,
          groupValues: entry.groupValues,
          dedupKey,
          periodStartMs: entry.periodStartMs,
          periodMs: entry.periodMs,
          count: entry.count,
          best: entry.best,
          members,
          registration,
          nowMs,
        });
        return { kind, alert };
      }),
    );
    return outcomes
      .filter((outcome) => outcome !== undefined)
      .sort((a, b) => (a.alert.dedupKey < b.alert.dedupKey ? -1 : 1));
  }

  /** A record without a readable event time counts at arrival time. */
  private refOf(record: DetectionRecord, nowMs: number) {
    const ref = refOf(record);
    return Number.isFinite(ref.eventTimeMs) ? ref : { ...ref, eventTimeMs: nowMs };
  }

  /** A correlation's period is at least its timespan: one burst of a 24-hour window is one alert a day, not one an hour. */
  private periodMsOf(rule: CompiledRule): number {
    return rule.kind === 'correlation' ? Math.max(this.periodMs, rule.timespanMs) : this.periodMs;
  }

  private pendingFor(
    pending: Map<string, Pending>,
    rule: CompiledRule,
    group: {
      readonly key: string;
      readonly names: readonly string[];
      readonly values: readonly GroupValue[];
    },
    eventTimeMs: number,
    create = true,
  ): Pending | undefined {
    const periodMs = this.periodMsOf(rule);
    const period = periodOf(eventTimeMs, periodMs);
    const cacheKey = `${rule.key}\u0000${group.key}\u0000${period.startMs}`;
    let dedupKey = this.dedupKeys.get(cacheKey);
    if (dedupKey === undefined) {
      dedupKey = dedupKeyOf(rule.key, group.key, period.startMs);
      // Bounded: the cache is only there to spare building the same text for every record of a batch.
      if (this.dedupKeys.size > 10_000) this.dedupKeys.clear();
      this.dedupKeys.set(cacheKey, dedupKey);
    }
    let entry = pending.get(dedupKey);
    if (!entry && create) {
      entry = {
        rule,
        groupNames: group.names,
        groupValues: group.values,
        periodStartMs: period.startMs,
        periodMs,
        triggers: new Set(),
        members: new Map(),
        count: 0,
        best: [],
      };
      pending.set(dedupKey, entry);
    }
    return entry;
  }

  /** Counts one correlation group's contributions and adds what its met windows cover to the pending alerts. */
  private async countGroup(pending: Map<string, Pending>, group: PendingGroup, nowMs: number): Promise<void> {
    const { rule } = group.correlation;
    const { sorted, candidates } = await correlate(
      this.options.windows,
      rule,
      `${rule.key}\u0000${group.groupKey}`,
      [...group.contributions.values()],
      nowMs,
      this.latenessMs,
    );
    if (candidates.size === 0) return;
    const described = {
      key: group.groupKey,
      names: rule.groupBy.map((path) => path.name),
      values: group.groupValues,
    };
    // Each candidate's windows are one run of `sorted`; their union is a few merged runs, visited once.
    const runs = [...candidates.values()]
      .map((windows) => [windows.membersStart, windows.membersEnd] as const)
      .sort((a, b) => a[0] - b[0]);
    let entry: Pending | undefined;
    for (let r = 0, reached = 0; r < runs.length; r += 1) {
      for (let i = Math.max(runs[r][0], reached); i < runs[r][1]; i += 1) {
        const member = sorted[i];
        const time = member.ref.eventTimeMs;
        // Members come by event time, so the period changes only forward.
        if (!entry || time >= entry.periodStartMs + entry.periodMs)
          entry = this.pendingFor(pending, rule, described, time)!;
        entry.members.set(member.ref.id, member);
      }
      reached = Math.max(reached, runs[r][1]);
    }
    const periodMs = this.periodMsOf(rule);
    for (const [triggerId, windows] of candidates) {
      const lastStart = periodOf(sorted[windows.membersEnd - 1].ref.eventTimeMs, periodMs).startMs;
      const firstStart = periodOf(sorted[windows.membersStart].ref.eventTimeMs, periodMs).startMs;
      for (let start = firstStart; start <= lastStart; start += periodMs) {
        const touched = this.pendingFor(pending, rule, described, start, false);
        if (!touched) continue; // a period the run spans without a member in it
        touched.triggers.add(triggerId);
        if (windows.count > touched.count) {
          touched.count = windows.count;
          touched.best = sorted.slice(windows.bestStart, windows.bestEnd);
        }
      }
    }
  }

  private addSingle(pending: Map<string, Pending>, rule: DetectionRule, contribution: Contribution): void {
    const entry = this.pendingFor(
      pending,
      rule,
      { key: '', names: [], values: [] },
      contribution.ref.eventTimeMs,
    )!;
    entry.members.set(contribution.ref.id, contribution);
    entry.triggers.add(contribution.ref.id);
    if (entry.count === 0) {
      entry.count = 1;
      entry.best = [contribution];
    }
  }

  private addToGroup(
    groups: Map<string, PendingGroup>,
    correlation: BoundCorrelation,
    record: DetectionRecord,
    contribution: Contribution,
  ): void {
    const { rule } = correlation;
    let counted = contribution;
    if (rule.field) {
      const value = rule.field.first(record.value);
      if (value === undefined || value === null) return; // value_count counts values; a record without one adds none
      counted = { ...contribution, value: String(value) };
    }
    const groupValues = rule.groupBy.map((path) => scalarOrNull(path.first(record.value)));
    const groupKey = JSON.stringify(groupValues);
    const key = `${rule.key}\u0000${groupKey}`;
    let group = groups.get(key);
    if (!group) {
      group = { correlation, groupKey, groupValues, contributions: new Map() };
      groups.set(key, group);
    }
    // A record matching several rules of one correlation counts once.
    if (!group.contributions.has(counted.ref.id)) group.contributions.set(counted.ref.id, counted);
  }
}
