import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryAlertStore } from '../../lambda/core/detections/alerts/store';
import { RuleIndex } from '../../lambda/core/detections/rule-index';
import { compileRuleSet } from '../../lambda/core/detections/sigma/rule-set';
import { DetectionSink } from '../../lambda/core/detections/stage/detection-sink';
import { MemoryWindowStore } from '../../lambda/core/detections/windows/memory-store';
import { forwardObject, type ForwardDependencies } from '../../lambda/core/forward/forward-object';
import type { ObjectSource } from '../../lambda/core/forward/ports';
import type { OutboundRecord } from '../../lambda/core/records/types';
import type { BatchOutcome, Sink } from '../../lambda/core/sinks/types';
import { strongDmRecords, type LogType } from '../data/strongdm';
import { serveOnce } from '../lib/child';
import { withoutSamples } from '../lib/detection-workload';

/**
 * What the detections stage adds to the forwarder, per record: `forwardObject` over StrongDM objects
 * of 1,000 records (the detections benchmark's workload: 70 % queries, one account per person, the
 * query burst firing all along) into a destination that takes everything at once, without and with
 * the stage (the shipped pack, in-memory stores, alert objects written to memory). CPU time
 * (user + system, GC threads included), fastest of alternated runs.
 *
 * * **match**: the stage with the rules run on each record (`note`) and nothing else.
 * * **engine**: and the engine on each batch, alert objects not built.
 * * **stage**: the whole stage, alert objects built and written.
 *
 * The window store keeps no samples beyond the batch (the DynamoDB store keeps 5 per item): an
 * in-memory store keeping every record's value for the whole run would measure its own heap.
 * `node --import tsx bench/children/detection-stage.ts` prints the result.
 */
export interface DetectionStageInput {
  readonly objects: number;
  readonly seed: number;
  readonly repeats: number;
}

export interface DetectionStageOutput {
  readonly records: number;
  /** forwardObject alone, per record. */
  readonly forwardCpuNsPerRecord: number;
  /** What each part of the stage adds to it, per record. */
  readonly matchCpuNsPerRecord: number;
  readonly engineCpuNsPerRecord: number;
  readonly stageCpuNsPerRecord: number;
  readonly alertObjects: number;
  readonly alertObjectBytesPerRecord: number;
}

type Mode = 'forward' | 'match' | 'engine' | 'stage';
const OBJECT_RECORDS = 1_000;

export async function measureDetectionStage(input: DetectionStageInput): Promise<DetectionStageOutput> {
  const packDir = resolve(__dirname, '../../detections/strongdm');
  const files = readdirSync(packDir).filter((name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'));
  const ruleSet = compileRuleSet(
    files.map((name) => ({ path: name, text: readFileSync(join(packDir, name), 'utf8') })),
  );
  const generator = strongDmRecords(input.seed);
  const objects: { key: string; logType: LogType; bytes: Buffer }[] = [];
  for (let o = 0; o < input.objects; o += 1) {
    const first = generator.next();
    const values: Record<string, unknown>[] = [first];
    while (values.length < OBJECT_RECORDS) values.push(generator.of(first.logType));
    // One account per person, as the detections benchmark has it.
    for (const value of values)
      if (typeof value.actorEmail === 'string') value.actorAccountID = `a-${value.actorEmail}`;
    objects.push({
      key: `sdm/logs/${first.logType}/2024/02/01/18/50/${o}.json`,
      logType: first.logType,
      bytes: Buffer.from(`${values.map((value) => JSON.stringify(value)).join('\n')}\n`),
    });
  }
  const bytesByKey = new Map(objects.map((object) => [object.key, object.bytes]));
  const source: ObjectSource = {
    async open(object) {
      const bytes = bytesByKey.get(object.key)!;
      return {
        eTag: 'bench',
        body: (async function* () {
          for (let at = 0; at < bytes.length; at += 65_536) yield bytes.subarray(at, at + 65_536);
        })(),
      };
    },
  };
  let sinkBytes = 0;
  const siem: Sink = {
    name: 'siem',
    maxBatchBytes: 1 << 20,
    maxBatchRecords: 500,
    encodedSize: (record) => record.bytes.length + 1,
    async deliver(batch): Promise<BatchOutcome> {
      for (const record of batch) sinkBytes += record.bytes.length;
      return { delivered: batch, rejected: [], failed: [] };
    },
  };
  let alertObjects = 0;
  let alertBytes = 0;

  const run = async (mode: Mode): Promise<number> => {
    const alerts = new MemoryAlertStore();
    const stage =
      mode === 'forward'
        ? undefined
        : new DetectionSink({
            index: new RuleIndex(ruleSet, [{ name: 'strongdm', preset: 'strongdm' }]),
            windows: withoutSamples(new MemoryWindowStore()),
            alerts,
            writer: {
              create: async (_key, body) => {
                alertObjects += 1;
                alertBytes += body.length;
                return true;
              },
              // Every create writes: an opening is never found written, never read back.
              read: async () => undefined,
            },
            now: () => Date.UTC(2024, 1, 1, 20),
          });
    if (stage && mode !== 'stage') {
      // The parts, by replacing what comes after them (private members: a measurement, not an API).
      const parts = stage as unknown as {
        deliver: Sink['deliver'];
        matches: { take(batch: readonly OutboundRecord[]): unknown };
        publish(outcome: { kind: string; dedupKey: string }): Promise<void>;
      };
      if (mode === 'match')
        parts.deliver = async (batch) => {
          parts.matches.take(batch);
          return { delivered: batch, rejected: [], failed: [] };
        };
      else
        parts.publish = async (outcome) => {
          if (outcome.kind === 'opened') await alerts.markNotified(outcome.dedupKey);
        };
    }
    const cpu = process.cpuUsage();
    for (const object of objects) {
      const deps: ForwardDependencies = {
        source: {
          name: 'strongdm',
          format: 'ndjson',
          timestampField: 'timestamp',
          idFieldByLogType: { activities: 'id', queries: 'uuid' },
        },
        logTypeFromKey: object.logType,
        destinations: stage
          ? [
              { sink: siem, maxInFlight: 4 },
              { sink: stage, maxInFlight: 1 },
            ]
          : [{ sink: siem, maxInFlight: 4 }],
        detections: stage,
        objects: source,
        quarantine: { create: async () => true, read: async () => undefined },
        maxRecordBytes: 1 << 20,
        maxObjectBytes: 1 << 30,
        now: () => 0,
        stopReadingAt: Number.POSITIVE_INFINITY,
        deliveryDeadline: Number.POSITIVE_INFINITY,
      };
      const result = await forwardObject(
        { object: { bucket: 'bench', key: object.key, eventTime: new Date() } },
        deps,
      );
      if (result.status !== 'complete') throw new Error(`${object.key}: ${result.status}`);
    }
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) * 1000;
  };

  const modes: Mode[] = ['forward', 'match', 'engine', 'stage'];
  for (const mode of modes) await run(mode); // warm-up
  const best: Record<Mode, number> = {
    forward: Infinity,
    match: Infinity,
    engine: Infinity,
    stage: Infinity,
  };
  let objectsPerRun = 0;
  let bytesPerRun = 0;
  for (let repeat = 0; repeat < input.repeats; repeat += 1) {
    for (const mode of modes) {
      const before = [alertObjects, alertBytes];
      best[mode] = Math.min(best[mode], await run(mode));
      if (mode === 'stage') [objectsPerRun, bytesPerRun] = [alertObjects - before[0], alertBytes - before[1]];
    }
  }
  if (sinkBytes === 0 || objectsPerRun === 0) throw new Error('nothing was measured');
  const records = input.objects * OBJECT_RECORDS;
  const extra = (mode: Mode) => Math.round((best[mode] - best.forward) / records);
  return {
    records,
    forwardCpuNsPerRecord: Math.round(best.forward / records),
    matchCpuNsPerRecord: extra('match'),
    engineCpuNsPerRecord: extra('engine'),
    stageCpuNsPerRecord: extra('stage'),
    alertObjects: objectsPerRun,
    alertObjectBytesPerRecord: Math.round(bytesPerRun / records),
  };
}

if (process.send) {
  serveOnce<DetectionStageInput, DetectionStageOutput>(measureDetectionStage);
} else {
  measureDetectionStage({ objects: 100, seed: 7, repeats: 5 }).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
