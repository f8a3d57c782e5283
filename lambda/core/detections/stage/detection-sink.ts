import { SluiceError, errorMessage } from '../../errors';
import type { OutboundRecord } from '../../records/types';
import { SinkCodes } from '../../sinks/codes';
import type { GatherTicket } from '../../sinks/gathering';
import type { BatchOutcome, DeliveryContext, Sink } from '../../sinks/types';
import type { AlertStore } from '../alerts/store';
import type { MatchedRecord } from '../batch-matches';
import { DetectionEngine, type AlertOutcome } from '../engine';
import type { RuleIndex } from '../rule-index';
import type { WindowStore } from '../windows/store';
import { alertObject, DEFAULT_MAX_ALERT_BYTES, occurrencesShown } from './alert-object';
import { DetectionStageCodes } from './codes';
import { DEFAULT_ALERTS_PREFIX, DETECTIONS_STAGE } from './names';
import type { AlertObjectWriter } from './ports';
import { PreMatches } from './pre-match';
import { stepAtMost } from './update-steps';
import { WAVE_DEADLINE, Waves, type WaveOptions } from './waves';

export interface DetectionSinkOptions {
  /** The rules bound to the configured sources. */
  readonly index: RuleIndex;
  readonly windows: WindowStore;
  readonly alerts: AlertStore;
  readonly writer: AlertObjectWriter;
  /** `detections.alerts.prefix`: alert objects go under `<prefix>/sluice-alerts/`. Default: `sluice`. */
  readonly alertsPrefix?: string;
  /** One alert per rule, group and period of this length. Default: 1 hour. */
  readonly dedupPeriodMs?: number;
  /** How late a record may arrive and still join its window. Default: 1 day. */
  readonly latenessMs?: number;
  /**
   * Records per batch. Each batch reads back one timespan of each group it touches, so batches are
   * large (an object's worth). Default: 1,000.
   */
  readonly maxBatchRecords?: number;
  /** Alert objects written at once by one batch. Default: 16. */
  readonly maxConcurrentWrites?: number;
  /** An alert object's body above this is written without samples. Default: 256 KiB. */
  readonly maxAlertBytes?: number;
  /** Epoch ms: the engine's now and the deadline's clock. Default: `Date.now`. */
  readonly now?: () => number;
  /** How the batches of the objects running at once are gathered into one engine run (see waves.ts). */
  readonly waves?: Omit<WaveOptions, 'now'>;
}

/**
 * The detections stage: a destination (`detections`) beside the SIEMs in the forwarder's fan-out,
 * with its own progress in a continuation, so a slow or failing store holds back no destination
 * beyond its own batches in flight, and a resumed object resumes the stage where it stopped.
 *
 * The rules run while the forwarder reads (`note`, the forwarder's `detections` hook, on the value
 * its reader parsed); a batch hands the engine only the records that matched. Each opened alert,
 * and each alert whose running count reached a new step (2, 5, 10, 20, …), is written as an object
 * under `<prefix>/sluice-alerts/` (create-only, deterministic names: a redelivered batch writes
 * nothing new), from where the forwarder sends it to the SIEMs and routes.
 * An opening is marked notified once its object exists: "notified" means handed to routing.
 *
 * The batches of the objects running at once (the handler's batch of notifications) run through the
 * engine together, as one wave (waves.ts): the store round trips are per group and per alert, so
 * ten objects of the same accounts cost one set of them, not ten. Each object holds a ticket
 * (`ticket`) that tells the waves when it runs, waits and leaves. Batches may be in flight at once,
 * here and in other Lambdas: the engine needs no order between them (see windows.ts).
 */
export class DetectionSink implements Sink {
  readonly name = DETECTIONS_STAGE;
  readonly maxBatchRecords: number;
  // Batches are cut by count: the records' bytes go nowhere.
  readonly maxBatchBytes = Number.MAX_SAFE_INTEGER;
  private readonly engine: DetectionEngine;
  private readonly matches: PreMatches;
  private readonly waves: Waves<MatchedRecord>;
  private readonly prefix: string;
  private readonly maxWrites: number;
  private readonly maxAlertBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: DetectionSinkOptions) {
    this.engine = new DetectionEngine(options.index, {
      windows: options.windows,
      alerts: options.alerts,
      dedupPeriodMs: options.dedupPeriodMs,
      latenessMs: options.latenessMs,
      unchangedOutcomes: true,
    });
    this.matches = new PreMatches(options.index);
    this.maxBatchRecords = options.maxBatchRecords ?? 1_000;
    this.prefix = options.alertsPrefix ?? DEFAULT_ALERTS_PREFIX;
    this.maxWrites = Math.max(1, options.maxConcurrentWrites ?? 16);
    this.maxAlertBytes = options.maxAlertBytes ?? DEFAULT_MAX_ALERT_BYTES;
    this.now = options.now ?? Date.now;
    this.waves = new Waves((matched) => this.run(matched), { ...options.waves, now: this.now });
  }

  /** An object's place in the waves (see waves.ts): processMessage takes one per object. */
  ticket(pool?: object): GatherTicket {
    return this.waves.ticket(pool);
  }

  /** The forwarder's `detections` hook: runs the rules on a record as it is built. */
  note(record: OutboundRecord, value: Readonly<Record<string, unknown>>): void {
    this.matches.note(record, value);
  }

  /** The forwarder's `detections` hook: the fields the rules read on a source's records (RuleIndex.fieldsOf). */
  fieldsOf(source: string): readonly string[] | undefined {
    return this.options.index.fieldsOf(source);
  }

  encodedSize(): number {
    return 1;
  }

  async deliver(batch: readonly OutboundRecord[], context: DeliveryContext): Promise<BatchOutcome> {
    if (batch.length === 0) return { delivered: [], rejected: [], failed: [] };
    if (this.now() >= context.deadline)
      return failed(
        batch,
        SinkCodes.DEADLINE,
        'detections: no time left to run the batch before the deadline',
      );
    if (!this.matches.wired)
      return failed(
        batch,
        DetectionStageCodes.NOT_WIRED,
        'detections: the forwarder did not show the stage its records (ForwardDependencies.detections must be this stage)',
      );
    try {
      const matched = this.matches.take(batch);
      // A batch in which nothing matched still joins: the wave then need not wait for this object.
      await this.waves.join(matched, {
        ticket: context.ticket,
        bytes: matched.length > 0 ? bytesOf(batch) : 0,
        deadline: context.deadline,
      });
      return { delivered: batch, rejected: [], failed: [] };
    } catch (error) {
      const where = `offsets ${batch[0].offset}-${batch[batch.length - 1].offset} of s3://${batch[0].bucket}/${batch[0].key}`;
      if (error instanceof SluiceError && error.code === WAVE_DEADLINE)
        return failed(batch, SinkCodes.DEADLINE, `detections: ${error.message} (${where})`);
      return failed(
        batch,
        DetectionStageCodes.FAILED,
        `detections: ${errorMessage(error)} (${where}); the stage runs these records again from its own progress`,
      );
    }
  }

  /** One wave: the matched records of every batch that joined it, counted and alerted on together. */
  private async run(matched: readonly MatchedRecord[]): Promise<void> {
    const outcomes = await this.engine.processMatched(matched, this.now());
    await eachAtMost(this.maxWrites, outcomes, (outcome) => this.publish(outcome));
  }

  /**
   * Writes the alert's object, then records it written in the store. An opening is marked notified
   * with the step of the count it shows (2, 5, 10, 20, 50, …, see update-steps.ts; 0 below 2). Past
   * the opening, the object due is that of the largest step the count has reached and the store has
   * not recorded written, whichever registration finds it due: the one that took the count there,
   * or, when that one's object was never written (a crash or a lost answer after the registration
   * applied), the next one, even if it added nothing.
   *
   * An opening is named by its alert alone (alert-object.ts), so a create that finds it written
   * (412) proves that this alert's one opening exists, not which count it shows: it may be this
   * very object (the SDK retried a PutObject whose answer was lost; an earlier attempt wrote it and
   * then failed to mark it), or another batch's, with a lower or higher count. The stage reads it
   * back and records the step it shows as this opening's; an update follows only for a higher
   * step. Taking our own count as the one shown could lose an update; writing the update
   * regardless sends routes that take updates the same count twice.
   */
  private async publish(outcome: AlertOutcome): Promise<void> {
    if (outcome.kind !== 'opened') {
      await this.publishUpdate(outcome, 0);
      return;
    }
    const opening = alertObject(this.prefix, OPENED, outcome.alert, this.maxAlertBytes);
    const written = await this.options.writer.create(opening.key, opening.body);
    const shown = written ? stepShown(outcome.occurrences) : await this.stepOfExisting(opening.key);
    if (!written) await this.publishUpdate(outcome, shown);
    await this.options.alerts.markNotified(outcome.dedupKey, shown);
  }

  /**
   * The step an opening found written shows; 0 when that cannot be known (
   * an object gone or not an alert): the update due is then written, a possible repeat of a count
   * rather than a step never written.
   */
  private async stepOfExisting(key: string): Promise<number> {
    const body = await this.options.writer.read(key);
    const occurrences = body === undefined ? undefined : occurrencesShown(body);
    return occurrences === undefined ? 0 : stepShown(occurrences);
  }

  /**
   * Objects are named by step, so two Lambdas finding one step due write one object (the second
   * create finds it); each records the step written. `shown`: a step an object of this alert is
   * known to show already, though the store may not have recorded it yet (see publish).
   */
  private async publishUpdate(outcome: AlertOutcome, shown: number): Promise<void> {
    const step = stepAtMost(outcome.occurrences);
    if (step < 2 || step <= Math.max(outcome.stepWritten, shown)) return;
    const update = alertObject(this.prefix, { status: 'updated', step }, outcome.alert, this.maxAlertBytes);
    await this.options.writer.create(update.key, update.body);
    await this.options.alerts.markStepWritten(outcome.dedupKey, step);
  }
}

/** The step of the count an alert object shows, as the store records it: 0 for a count below 2. */
function stepShown(occurrences: number): number {
  const step = stepAtMost(occurrences);
  return step >= 2 ? step : 0;
}

const OPENED = { status: 'opened' } as const;

/** What the batch's records hold in memory until its wave answers (their bytes: views of what was read). */
function bytesOf(batch: readonly OutboundRecord[]): number {
  let bytes = 0;
  for (let i = 0; i < batch.length; i += 1) bytes += batch[i].bytes.length;
  return bytes;
}

function failed(batch: readonly OutboundRecord[], code: string, message: string): BatchOutcome {
  return { delivered: [], rejected: [], failed: batch, failure: { code, message } };
}

/** Runs `work` on every item, at most `limit` at a time; rejects with the first failure once all settled. */
async function eachAtMost<T>(
  limit: number,
  items: readonly T[],
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
