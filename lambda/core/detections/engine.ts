import { buildAlert, dedupKeyOf, DEFAULT_DEDUP_PERIOD_MS, type AlertDocument } from './alerts/document';
import { outcomeOf, type AlertOutcomeKind, type AlertStore } from './alerts/store';
import { BatchMatches, type GroupMatches, type MatchedRecord } from './batch-matches';
import { pendingOfGroup, pendingOfSingle, type PendingAlert } from './pending-alerts';
import { RegisteredMembers } from './registered-members';
import type { DetectionRecord } from './records';
import type { RuleIndex } from './rule-index';
import type { CompiledRule, DetectionRule } from './sigma/types';
import { correlate, DEFAULT_LATENESS_MS } from './windows/correlate';
import type { WindowStore } from './windows/store';

export interface DetectionEngineOptions {
  readonly windows: WindowStore;
  readonly alerts: AlertStore;
  /** One alert per rule, group and period of this length. Default: 1 hour. */
  readonly dedupPeriodMs?: number;
  /** How late (after its event time) a record may arrive and still join its window. Default: 1 day. */
  readonly latenessMs?: number;
  /**
   * Also answer the registrations that added nothing to a notified alert (`unchanged`), for a
   * caller that writes what the store says is due (the detections stage: a step of the running
   * count whose object a crash kept from being written). Default: false.
   */
  readonly unchangedOutcomes?: boolean;
}

export interface AlertOutcome {
  /**
   * `opened`: notify the channels (then markNotified); `updated`: the running count grew;
   * `unchanged` (with DetectionEngineOptions.unchangedOutcomes only): it did not.
   */
  readonly kind: AlertOutcomeKind;
  /** The alert's rule, group and period (what markNotified takes). */
  readonly dedupKey: string;
  /**
   * Records this batch added to the alert. 0 for an `opened` that says nothing new: the opening
   * of an earlier batch (or of this one, redelivered) not yet marked notified.
   */
  readonly added: number;
  /** The running count after this batch (the document's `occurrences`, without building it). */
  readonly occurrences: number;
  /** AlertRegistration.stepWritten: the largest step of the count whose object is recorded written. */
  readonly stepWritten: number;
  /** The alert document, built when first read: a caller that routes only openings builds no other. */
  readonly alert: AlertDocument;
}

/** An outcome whose document is built on first read, once. */
class LazyOutcome implements AlertOutcome {
  #alert: AlertDocument | undefined;
  #build: (() => AlertDocument) | undefined;

  constructor(
    readonly kind: AlertOutcomeKind,
    readonly dedupKey: string,
    readonly added: number,
    readonly occurrences: number,
    readonly stepWritten: number,
    build: () => AlertDocument,
  ) {
    this.#build = build;
  }

  get alert(): AlertDocument {
    if (this.#build) {
      this.#alert = this.#build();
      this.#build = undefined;
    }
    return this.#alert!;
  }
}

/**
 * Runs the rules on a batch of records (typically one chunk of an object): single-record rules
 * alert on each match; correlations count matches per group in event-time windows held in the
 * WindowStore; every firing is registered in the AlertStore under (rule, group, period), which
 * answers whether the alert opens or updates. Only records that match something reach the stores,
 * and the stores are called once per group and per alert, not per record.
 *
 * A caller must register every batch it counted: it records its progress past a batch only once
 * `process` resolved, so a batch cut short (a crash, a timeout) is processed again. Batches of one
 * group may run at once, in one process or in many sharing the stores: no lock is needed (see
 * evaluateWindows for why that is all order-independence needs).
 */
export class DetectionEngine {
  private readonly periodMs: number;
  private readonly latenessMs: number;
  private readonly registered = new RegisteredMembers();

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
    const matches = new BatchMatches(this.index, nowMs, this.periodMs);
    for (let i = 0; i < records.length; i += 1) matches.add(records[i]);
    return this.evaluate(matches, nowMs);
  }

  /**
   * `process` for records whose rules already ran (the forwarder runs them on the value its reader
   * parsed, see matchingRules): counts and registers what they matched without testing them again.
   * Records that matched nothing need not be given. The same batch gives the same outcomes as `process`.
   */
  async processMatched(records: readonly MatchedRecord[], nowMs: number): Promise<AlertOutcome[]> {
    const matches = new BatchMatches(this.index, nowMs, this.periodMs);
    for (let i = 0; i < records.length; i += 1) matches.addMatched(records[i]);
    return this.evaluate(matches, nowMs);
  }

  private async evaluate(matches: BatchMatches, nowMs: number): Promise<AlertOutcome[]> {
    const pending = matches.singleMatches().map((single) => pendingOfSingle(single, this.periodMs));
    const counted = await Promise.all(matches.groupMatches().map((group) => this.countGroup(group, nowMs)));
    for (const alerts of counted) pending.push(...alerts);
    const outcomes = await Promise.all(pending.map((entry) => this.register(entry, nowMs)));
    return outcomes
      .filter((outcome) => outcome !== undefined)
      .sort((a, b) => (a.dedupKey < b.dedupKey ? -1 : 1));
  }

  /** A correlation's period is at least its timespan: one burst of a 24-hour window is one alert a day, not one an hour. */
  private periodMsOf(rule: CompiledRule): number {
    return rule.kind === 'correlation' ? Math.max(this.periodMs, rule.timespanMs) : this.periodMs;
  }

  private async countGroup(group: GroupMatches, nowMs: number): Promise<PendingAlert[]> {
    const { rule } = group.correlation;
    const correlated = await correlate(
      this.options.windows,
      rule,
      `${rule.key}\u0000${group.groupKey}`,
      group.contributions,
      nowMs,
      this.latenessMs,
    );
    return pendingOfGroup(group, correlated, this.periodMsOf(rule));
  }

  private async register(entry: PendingAlert, nowMs: number): Promise<AlertOutcome | undefined> {
    const dedupKey = dedupKeyOf(entry.rule.key, entry.groupKey, entry.periodStartMs);
    const { own } = entry;
    const stored = this.registered.unknown(dedupKey, entry.stored);
    if (own.length === 0 && stored.length === 0) return undefined; // registered by this process already
    // The batch's own first: the document lists them first.
    const members = stored.length === 0 ? own : own.concat(stored);
    const registration = await this.options.alerts.register(
      dedupKey,
      { trigger: entry.trigger, members: members.map((member) => member.ref), stored: stored.length },
      Math.max(entry.periodStartMs + entry.periodMs, nowMs) + this.latenessMs,
    );
    this.registered.add(dedupKey, own);
    this.registered.add(dedupKey, stored);
    const kind = outcomeOf(registration);
    if (kind === 'unchanged' && !this.options.unchangedOutcomes) return undefined; // nothing new to say
    const { added, occurrences, stepWritten } = registration;
    return new LazyOutcome(kind, dedupKey, added, occurrences, stepWritten, () =>
      buildAlert({
        rule: entry.rule,
        groupNames: entry.groupNames,
        groupValues: entry.groupValues,
        dedupKey,
        periodStartMs: entry.periodStartMs,
        periodMs: entry.periodMs,
        count: entry.count,
        best: entry.best(),
        members,
        registration,
        nowMs,
      }),
    );
  }
}
