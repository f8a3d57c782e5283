import type { GroupValue } from './alerts/document';
import type { DetectionRecord, RecordRef } from './records';
import type { RuleIndex, RulesForLogType } from './rule-index';
import type { BoundCorrelation } from './sigma/rule-set';
import type { DetectionRule } from './sigma/types';
import type { Contribution } from './windows/store';

/** The matches of one single-record rule in one dedup period of a batch. */
export interface SingleMatches {
  readonly rule: DetectionRule;
  readonly periodStartMs: number;
  /** In batch order; may repeat a record id (a record read twice). */
  readonly contributions: Contribution[];
}

/** What one batch contributes to one correlation and group. */
export interface GroupMatches {
  readonly correlation: BoundCorrelation;
  /** The group-by values as JSON text: part of the partition and dedup keys. */
  readonly groupKey: string;
  readonly groupValues: readonly GroupValue[];
  /** In batch order; may repeat a record id (a record read twice, or matched by two rules of the correlation). */
  readonly contributions: Contribution[];
}

/**
 * A record whose rules already ran: the positions, in `RuleIndex.rulesFor(source, logType).rules`,
 * of the rules it matched (none is never given: such a record adds nothing).
 */
export interface MatchedRecord extends DetectionRecord {
  readonly matched: readonly number[];
}

/**
 * Runs the rules bound to a record's source and log type (`RuleIndex.rulesFor(...).rules`) on its
 * parsed value: the positions of those that matched, or undefined when none did (most records,
 * which then cost no allocation).
 */
export function matchingRules(
  rules: readonly DetectionRule[],
  value: Readonly<Record<string, unknown>>,
): number[] | undefined {
  let matched: number[] | undefined;
  for (let i = 0; i < rules.length; i += 1) {
    if (!rules[i].matches(value)) continue;
    if (matched) matched.push(i);
    else matched = [i];
  }
  return matched;
}

/** One correlation's groups in a batch, found by the group-by value itself when there is one field. */
interface CorrelationGroups {
  readonly byValue: Map<GroupValue, GroupMatches>;
  readonly byJson: Map<string, GroupMatches>;
}

/**
 * Runs the rules on a batch of records and sorts what matched into single-record rules (per rule
 * and period) and correlation groups. This is the per-record path, so it does little: one test per
 * rule bound to the record's log type, and for a match one small object (the record itself is the
 * contribution's reference) and a map lookup; everything else happens once per group.
 */
export class BatchMatches {
  private readonly singles = new Map<DetectionRule, Map<number, SingleMatches>>();
  private readonly correlations = new Map<BoundCorrelation, CorrelationGroups>();
  private bound: RulesForLogType | undefined;
  private boundSource = '';
  private boundLogType = '';

  constructor(
    private readonly index: RuleIndex,
    /** A record without a readable event time counts at this time (arrival). */
    private readonly nowMs: number,
    /** The single-record rules' dedup period. */
    private readonly periodMs: number,
  ) {}

  add(record: DetectionRecord): void {
    const { rules } = this.bind(record);
    for (let i = 0; i < rules.length; i += 1) if (rules[i].matches(record.value)) this.addMatch(record, i);
  }

  /**
   * Adds a record whose rules already ran (the forwarder runs them as it reads, see matchingRules):
   * the same as `add`, without testing the record again.
   */
  addMatched(record: MatchedRecord): void {
    const { rules } = this.bind(record);
    const { matched } = record;
    for (let m = 0; m < matched.length; m += 1) {
      const i = matched[m];
      // Positions name the index's rules for (source, log type); one outside them is a caller's bug.
      if (i >= rules.length) throw new RangeError(`rule position ${i} out of ${rules.length} rules`);
      this.addMatch(record, i);
    }
  }

  /** Records of a batch share their source and log type: one lookup per batch, not per record. */
  private bind(record: DetectionRecord): RulesForLogType {
    if (!this.bound || record.source !== this.boundSource || record.logType !== this.boundLogType) {
      this.bound = this.index.rulesFor(record.source, record.logType);
      this.boundSource = record.source;
      this.boundLogType = record.logType;
    }
    return this.bound;
  }

  /** The record matched the rule at position `i` of its (source, log type)'s rules. */
  private addMatch(record: DetectionRecord, i: number): void {
    const { rules, standalone, correlations } = this.bound!;
    const ref = this.refOf(record);
    if (standalone[i]) this.addSingle(rules[i], { ref, sample: record.value });
    const feeds = correlations[i];
    for (let c = 0; c < feeds.length; c += 1) this.addToGroup(feeds[c], record, ref);
  }

  singleMatches(): SingleMatches[] {
    return [...this.singles.values()].flatMap((periods) => [...periods.values()]);
  }

  groupMatches(): GroupMatches[] {
    return [...this.correlations.values()].flatMap((groups) => [
      ...groups.byValue.values(),
      ...groups.byJson.values(),
    ]);
  }

  /** The record is its own reference, unless its event time must be taken from arrival. */
  private refOf(record: DetectionRecord): RecordRef {
    if (Number.isFinite(record.eventTimeMs)) return record;
    const { id, bucket, key, offset } = record;
    return { id, bucket, key, offset, eventTimeMs: this.nowMs };
  }

  private addSingle(rule: DetectionRule, contribution: Contribution): void {
    let periods = this.singles.get(rule);
    if (!periods) {
      periods = new Map();
      this.singles.set(rule, periods);
    }
    const periodStartMs = Math.floor(contribution.ref.eventTimeMs / this.periodMs) * this.periodMs;
    let matches = periods.get(periodStartMs);
    if (!matches) {
      matches = { rule, periodStartMs, contributions: [] };
      periods.set(periodStartMs, matches);
    }
    matches.contributions.push(contribution);
  }

  private addToGroup(correlation: BoundCorrelation, record: DetectionRecord, ref: RecordRef): void {
    const { rule } = correlation;
    let value: string | undefined;
    if (rule.field) {
      const counted = rule.field.first(record.value);
      if (counted === undefined || counted === null) return; // value_count counts values; a record without one adds none
      value = String(counted);
    }
    let groups = this.correlations.get(correlation);
    if (!groups) {
      groups = { byValue: new Map(), byJson: new Map() };
      this.correlations.set(correlation, groups);
    }
    let group: GroupMatches | undefined;
    if (rule.groupBy.length === 1) {
      const groupValue = rule.groupBy[0].first(record.value) ?? null;
      group = groups.byValue.get(groupValue);
      if (!group) {
        group = {
          correlation,
          groupKey: JSON.stringify([groupValue]),
          groupValues: [groupValue],
          contributions: [],
        };
        groups.byValue.set(groupValue, group);
      }
    } else {
      const groupValues = rule.groupBy.map((path) => path.first(record.value) ?? null);
      const groupKey = JSON.stringify(groupValues);
      group = groups.byJson.get(groupKey);
      if (!group) {
        group = { correlation, groupKey, groupValues, contributions: [] };
        groups.byJson.set(groupKey, group);
      }
    }
    group.contributions.push(
      value === undefined ? { ref, sample: record.value } : { ref, value, sample: record.value },
    );
  }
}
