import type { RuleIndex } from '../../lambda/core/detections/rule-index';
import type { DetectionFanout } from '../../lambda/core/detections/stage/detection-fanout';
import { DETECTIONS_STAGE } from '../../lambda/core/detections/stage/names';
import { PreMatches } from '../../lambda/core/detections/stage/pre-match';
import type { OutboundRecord } from '../../lambda/core/records/types';
import type { BatchOutcome, Sink } from '../../lambda/core/sinks/types';

/**
 * The floor of any detections stage, for the bench only: the pack's rules run on the fields the
 * reader finds, as the real stage runs them (PreMatches), and the matches are taken by the stage's
 * batches, then dropped: no windows, no alerts, no store. What this costs, every design of counting
 * costs too.
 */
class RulesOnlyStage implements Sink {
  readonly name = DETECTIONS_STAGE;
  readonly maxBatchRecords = 1_000;
  readonly maxBatchBytes = Number.MAX_SAFE_INTEGER;
  /** Records the rules matched (so the work cannot be skipped unseen). */
  matched = 0;
  private readonly matches: PreMatches;

  constructor(private readonly index: RuleIndex) {
    this.matches = new PreMatches(index);
  }

  note(record: OutboundRecord, value: Readonly<Record<string, unknown>>): void {
    this.matches.note(record, value);
  }

  fieldsOf(source: string): readonly string[] | undefined {
    return this.index.fieldsOf(source);
  }

  encodedSize(): number {
    return 1;
  }

  async deliver(batch: readonly OutboundRecord[]): Promise<BatchOutcome> {
    this.matched += this.matches.take(batch).length;
    return { delivered: batch, rejected: [], failed: [] };
  }
}

/** A fan-out of the rules-only stage, wired where the forwarder wires the real one. */
export function rulesOnlyFanout(index: RuleIndex): DetectionFanout & { matched(): number } {
  const stage = new RulesOnlyStage(index);
  return {
    destinations: [{ sink: stage, maxInFlight: 2 }],
    hook: stage,
    close: () => undefined,
    matched: () => stage.matched,
  };
}
