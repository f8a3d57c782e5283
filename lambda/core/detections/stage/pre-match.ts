import { errorMessage } from '../../errors';
import type { OutboundRecord } from '../../records/types';
import { matchingRules, type MatchedRecord } from '../batch-matches';
import type { RuleIndex, RulesForLogType } from '../rule-index';
import { ALERTS_LOG_TYPE } from './names';

/** A record whose rules threw: the stage fails the batch that holds it (never the forwarder's read). */
interface NoteFailure {
  readonly failure: string;
}

type Noted = MatchedRecord | NoteFailure;

/**
 * Runs the rules on each record while the forwarder builds it, with the value its reader parsed
 * (a record's own `value` would parse its text again), and keeps only what matched: the records the
 * stage later receives are looked up, never tested again. Kept by the record itself (a WeakMap), so
 * a record no batch takes (before the stage's resume point, after the read stopped) leaves nothing.
 *
 * Alert records (`sluice-alerts`) are never tested: an alert about an alert would write an object
 * that comes back to be tested again.
 */
export class PreMatches {
  private readonly noted = new WeakMap<OutboundRecord, Noted>();
  private bound: RulesForLogType | undefined;
  private boundSource = '';
  private boundLogType = '';
  /** Whether the forwarder has shown this stage any record (see DetectionStageCodes.NOT_WIRED). */
  wired = false;

  constructor(private readonly index: RuleIndex) {}

  note(record: OutboundRecord, value: Readonly<Record<string, unknown>>): void {
    this.wired = true;
    const { source, logType } = record;
    // An object's records share their source and log type: one lookup per object, not per record.
    if (!this.bound || source !== this.boundSource || logType !== this.boundLogType) {
      this.bound = this.index.rulesFor(source, logType);
      this.boundSource = source;
      this.boundLogType = logType;
    }
    const { rules } = this.bound;
    if (rules.length === 0 || logType === ALERTS_LOG_TYPE) return;
    try {
      const matched = matchingRules(rules, value);
      if (matched === undefined) return;
      this.noted.set(record, {
        id: record.id,
        source,
        logType,
        eventTimeMs: record.timestamp.epochMillis,
        bucket: record.bucket,
        key: record.key,
        offset: record.offset,
        value,
        matched,
      });
    } catch (error) {
      // Called while the forwarder reads: a throw here would fail every destination's object.
      this.noted.set(record, { failure: `rules failed on record ${record.id}: ${errorMessage(error)}` });
    }
  }

  /**
   * The records of a batch that matched something, in batch order, and forgets them (a batch is
   * taken once: a failed one is read again, as new records, by a later invocation). Throws when a
   * record's rules threw.
   */
  take(batch: readonly OutboundRecord[]): MatchedRecord[] {
    const matched: MatchedRecord[] = [];
    for (let i = 0; i < batch.length; i += 1) {
      const noted = this.noted.get(batch[i]);
      if (noted === undefined) continue;
      this.noted.delete(batch[i]);
      if ('failure' in noted) throw new Error(noted.failure);
      matched.push(noted);
    }
    return matched;
  }
}
