import type {
  DetectionsRun,
  ForwardDetectionsInput,
  ForwardDetectionsOutput,
} from '../children/forward-detections';
import type { DetectionWorkloadKind } from './detection-workload';
import { runChild } from './child';
import type { CapacityTally } from './dynamodb-capacity';
import type { DetectionStores, ReceiverUrls } from './forwarder';

/**
 * The forwarder with and without the StrongDM pack (bench/children/forward-detections.ts), one child
 * per row, beside the HEC receiver of the throughput rows and, for the DynamoDB rows, moto.
 */

/** Issue 11: with the StrongDM pack, at most 15 % more forwarder CPU per record. */
export const DETECTIONS_CPU_TARGET = 0.15;

export interface DetectionsRowSpec {
  readonly workload: DetectionWorkloadKind;
  readonly stores: DetectionStores;
  readonly destinationGzip: boolean;
}

export interface DetectionsRow extends DetectionsRowSpec {
  readonly records: number;
  readonly rounds: number;
  readonly statementsPerAccountMinute: { readonly median: number; readonly max: number };
  /** Medians over the timed rounds. */
  readonly withoutCpuNsPerRecord: number;
  readonly withCpuNsPerRecord: number;
  /** Median over the rounds of (with ÷ without − 1), each round's pair run back to back. */
  readonly addedShare: number;
  readonly addedShareRange: readonly [number, number];
  readonly withoutWallMs: number;
  readonly withWallMs: number;
  readonly openings: number;
  readonly updates: number;
  readonly alertBytesPerRecord: number;
  /** DynamoDB requests per run (median), 0 with in-memory stores. */
  readonly dynamodbRequests: number;
  /** The first timed round's DynamoDB requests by operation. */
  readonly dynamodbByCommand: Readonly<Record<string, number>>;
  /** DynamoDB rows: one request's CPU in the forwarder process, µs (absent from runs before 2026-12-01). */
  readonly dynamodbRequestCpuUs?: number;
  /** DynamoDB rows: the capacity units of one run, by operation (absent from runs before 2026-12-02). */
  readonly dynamodbCapacity?: CapacityTally;
  /** Bytes of the workload's objects per record (absent from runs before 2026-12-02). */
  readonly bytesPerRecord?: number;
  /** GC pauses of the main thread per run (median, ms): a heap that grows costs here and in GC threads. */
  readonly withoutGcMs: number;
  readonly withGcMs: number;
}

export interface DetectionsSizes {
  readonly records: number;
  readonly seed: number;
  readonly batchSize: number;
  /**
   * The HEC destination's `maxConcurrency`, which sets how many objects of a batch run at once (and
   * so how large the stage's waves are). Default: the shipped default (4); `BENCH_HEC_MAX_CONCURRENCY`.
   */
  readonly hecMaxConcurrency?: number;
  /** Per row kind: the DynamoDB rows wait on moto, so they run fewer rounds. */
  readonly rules: { readonly warmupRounds: number; readonly rounds: number };
  readonly memory: { readonly warmupRounds: number; readonly rounds: number };
  readonly dynamodb: { readonly warmupRounds: number; readonly rounds: number };
}

export const DETECTIONS_ROWS: readonly DetectionsRowSpec[] = [
  // The floor: the pack's rules alone, on the fields the reader finds; nothing counted or stored.
  { workload: 'burst', stores: 'rules', destinationGzip: false },
  { workload: 'burst', stores: 'rules', destinationGzip: true },
  { workload: 'burst', stores: 'memory', destinationGzip: false },
  { workload: 'quiet', stores: 'memory', destinationGzip: false },
  { workload: 'burst', stores: 'memory', destinationGzip: true },
  { workload: 'burst', stores: 'dynamodb', destinationGzip: false },
  { workload: 'quiet', stores: 'dynamodb', destinationGzip: false },
  // As deployed by default (destination gzip on).
  { workload: 'burst', stores: 'dynamodb', destinationGzip: true },
  { workload: 'quiet', stores: 'dynamodb', destinationGzip: true },
];

/**
 * The rows `--only=<workload>:<stores>:<gzip on|off>[,…]` names (all rows without it), e.g.
 * `npm run bench -- --detections --only=burst:memory:off` to measure or profile one.
 */
export function detectionRowsOf(argv: readonly string[]): readonly DetectionsRowSpec[] {
  const only = argv.find((argument) => argument.startsWith('--only='));
  if (!only) return DETECTIONS_ROWS;
  const wanted = only.slice('--only='.length).split(',');
  const rows = DETECTIONS_ROWS.filter((row) =>
    wanted.includes(`${row.workload}:${row.stores}:${row.destinationGzip ? 'on' : 'off'}`),
  );
  if (rows.length !== wanted.length)
    throw new Error(`--only: each of ${wanted.join(', ')} must name a row of DETECTIONS_ROWS`);
  return rows;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const nsPerRecord = (run: DetectionsRun, records: number) => (run.cpuMs * 1e6) / records;

export function summarise(spec: DetectionsRowSpec, output: ForwardDetectionsOutput): DetectionsRow {
  const { rounds, records } = output;
  const shares = rounds.map((round) => round.with.cpuMs / round.without.cpuMs - 1);
  return {
    ...spec,
    records,
    rounds: rounds.length,
    statementsPerAccountMinute: output.statementsPerAccountMinute,
    withoutCpuNsPerRecord: median(rounds.map((round) => nsPerRecord(round.without, records))),
    withCpuNsPerRecord: median(rounds.map((round) => nsPerRecord(round.with, records))),
    addedShare: median(shares),
    addedShareRange: [Math.min(...shares), Math.max(...shares)],
    withoutWallMs: median(rounds.map((round) => round.without.elapsedMs)),
    withWallMs: median(rounds.map((round) => round.with.elapsedMs)),
    openings: median(rounds.map((round) => round.with.openings)),
    updates: median(rounds.map((round) => round.with.updates)),
    alertBytesPerRecord: median(rounds.map((round) => round.with.alertBytes)) / records,
    dynamodbRequests: median(rounds.map((round) => round.with.dynamodbRequests)),
    dynamodbByCommand: rounds[0].with.dynamodbByCommand,
    dynamodbRequestCpuUs: output.dynamodbRequestCpuUs,
    dynamodbCapacity: output.dynamodbCapacity,
    bytesPerRecord: output.rawBytes / records,
    withoutGcMs: median(rounds.map((round) => round.without.gc.minorMs + round.without.gc.majorMs)),
    withGcMs: median(rounds.map((round) => round.with.gc.minorMs + round.with.gc.majorMs)),
  };
}

/** Runs every row; `hecEvents` reads the HEC receiver's count, which must grow by every record sent. */
export async function measureDetectionsRows(options: {
  readonly script: string;
  readonly urls: ReceiverUrls;
  readonly motoEndpoint: string;
  readonly sizes: DetectionsSizes;
  readonly execArgv: readonly string[];
  readonly rows?: readonly DetectionsRowSpec[];
  hecEvents(): Promise<number>;
  clearReceivers(): Promise<void>;
  log(message: string): void;
}): Promise<DetectionsRow[]> {
  const rows: DetectionsRow[] = [];
  for (const spec of options.rows ?? DETECTIONS_ROWS) {
    const { warmupRounds, rounds } = options.sizes[spec.stores];
    options.log(
      `detections in the forwarder: ${spec.workload}, ${spec.stores} stores, destination gzip ${spec.destinationGzip ? 'on' : 'off'} (${rounds} rounds)`,
    );
    const input: ForwardDetectionsInput = {
      urls: options.urls,
      destinationGzip: spec.destinationGzip,
      workload: spec.workload,
      stores: spec.stores,
      motoEndpoint: spec.stores === 'dynamodb' ? options.motoEndpoint : undefined,
      records: options.sizes.records,
      seed: options.sizes.seed,
      warmupRounds,
      rounds,
      batchSize: options.sizes.batchSize,
      hecMaxConcurrency: options.sizes.hecMaxConcurrency,
    };
    const before = await options.hecEvents();
    const output = await runChild<ForwardDetectionsOutput>(options.script, input, {
      execArgv: options.execArgv,
      timeoutMs: 3_600_000,
    });
    const received = (await options.hecEvents()) - before;
    await options.clearReceivers();
    // Both sides of every round, and the DynamoDB rows' metered run (see dynamodbCapacity).
    const sent = options.sizes.records * (2 * (warmupRounds + rounds) + (spec.stores === 'dynamodb' ? 1 : 0));
    if (received !== sent) throw new Error(`the HEC receiver indexed ${received} of ${sent} records`);
    const row = summarise(spec, output);
    options.log(
      `  ${Math.round(row.withoutCpuNsPerRecord)} → ${Math.round(row.withCpuNsPerRecord)} ns CPU per record: +${(row.addedShare * 100).toFixed(1)} % (${row.addedShareRange.map((share) => `${(share * 100).toFixed(1)} %`).join(' … ')}); ${row.openings} openings, ${row.updates} updates${row.dynamodbRequests ? `, ${row.dynamodbRequests} DynamoDB requests (${JSON.stringify(row.dynamodbByCommand)}), capacity units ${JSON.stringify(row.dynamodbCapacity)}` : ''}; GC ${Math.round(row.withoutGcMs)} → ${Math.round(row.withGcMs)} ms; system CPU ${Math.round(median(output.rounds.map((round) => round.without.systemMs)))} → ${Math.round(median(output.rounds.map((round) => round.with.systemMs)))} ms`,
    );
    rows.push(row);
  }
  return rows;
}
