import { errorMessage } from '../../errors';
import type { OutboundRecord } from '../../records/types';
import type { MatchedRecord } from '../batch-matches';
import type { RuleIndex, RulesForLogType } from '../rule-index';
import { ALERTS_LOG_TYPE } from './names';
import { NotedValue, readFieldsOf } from './noted-value';

/** A record whose rules threw: the stage fails the batch that holds it (never the forwarder's read). */
interface NoteFailure {
  readonly failure: string;
}

type Noted = MatchedRecord | NoteFailure;

/** The rules of one (source, log type), with what the stage needs to note their matches cheaply. */
interface Binding {
  readonly source: string;
  readonly logType: string;
  readonly rules: RulesForLogType['rules'];
  /** Top-level keys the bound correlations read (see NotedValue); undefined: keep the parsed value. */
  readonly readFields: readonly string[] | undefined;
  /** `[i]` for each rule position, shared: most matching records match one rule. */
  readonly single: readonly (readonly number[])[];
}

const NO_RULES: Binding = { source: '', logType: '', rules: [], readFields: [], single: [] };

/**
 * Runs the rules on each record while the forwarder builds it, with the value its reader parsed
 * (a record's own `value` would parse its text again), and keeps only what matched: the records the
 * stage later receives are looked up, never tested again. Kept on the record itself
 * (`detectionNote`), so a record no batch takes (before the stage's resume point, after the read
 * stopped) leaves nothing. A WeakMap did the same for ~0.3 µs per record in its operations, and its
 * ephemerons slowed every young-generation collection.
 *
 * A match keeps a NotedValue, not the parsed value: the batch that takes it comes once the object's
 * records are read, and parsed values held that long (with the query burst, 70 % of an object's
 * records match) outlive V8's young generation and are promoted, which costs more than the rules.
 *
 * Alert records (`sluice-alerts`) are never tested: an alert about an alert would write an object
 * that comes back to be tested again.
 */
export class PreMatches {
  private binding: Binding = NO_RULES;
  /** Whether the forwarder has shown this stage any record (see DetectionStageCodes.NOT_WIRED). */
  wired = false;

  constructor(private readonly index: RuleIndex) {}

  note(record: OutboundRecord, value: Readonly<Record<string, unknown>>): void {
    this.wired = true;
    let binding = this.binding;
    // An object's records share their source and log type: one lookup per object, not per record.
    if (record.source !== binding.source || record.logType !== binding.logType) {
      binding = this.bind(record.source, record.logType);
      this.binding = binding;
    }
    const { rules } = binding;
    if (rules.length === 0) return;
    try {
      let matched: readonly number[] | undefined;
      for (let i = 0; i < rules.length; i += 1) {
        if (!rules[i].matches(value)) continue;
        matched = matched === undefined ? binding.single[i] : [...matched, i];
      }
      if (matched === undefined) return;
      record.detectionNote = {
        id: record.id,
        source: record.source,
        logType: record.logType,
        eventTimeMs: record.timestamp.epochMillis,
        bucket: record.bucket,
        key: record.key,
        offset: record.offset,
        // `value` may be the reader's view of the record's chunk (records/field-view.ts): not kept.
        value: binding.readFields ? new NotedValue(record, value, binding.readFields) : record.value,
        matched,
      } satisfies MatchedRecord;
    } catch (error) {
      // Called while the forwarder reads: a throw here would fail every destination's object.
      record.detectionNote = {
        failure: `rules failed on record ${record.id}: ${errorMessage(error)}`,
      } satisfies NoteFailure;
    }
  }

  private bind(source: string, logType: string): Binding {
    // Alert records are never tested (see above).
    const bound = logType === ALERTS_LOG_TYPE ? undefined : this.index.rulesFor(source, logType);
    const rules = bound?.rules ?? [];
    return {
      source,
      logType,
      rules,
      readFields: bound ? readFieldsOf(bound) : [],
      single: rules.map((_, i) => [i]),
    };
  }

  /**
   * The records of a batch that matched something, in batch order, and forgets them (a batch is
   * taken once: a failed one is read again, as new records, by a later invocation). Throws when a
   * record's rules threw.
   */
  take(batch: readonly OutboundRecord[]): MatchedRecord[] {
    const matched: MatchedRecord[] = [];
    for (let i = 0; i < batch.length; i += 1) {
      const noted = batch[i].detectionNote as Noted | undefined;
      if (noted === undefined) continue;
      batch[i].detectionNote = undefined;
      if ('failure' in noted) throw new Error(noted.failure);
      matched.push(noted);
    }
    return matched;
  }
}
