/**
 * `npm run bench`: forwarder throughput against a floor, memory on a 1 GiB object, ingest throughput,
 * a cost line, and a CPU profile of the hot path when the target is missed. Writes BENCHMARKS.md.
 *
 *   npm run bench                 full run (about 20-30 minutes on 2 cores)
 *   npm run bench -- --quick      small sizes, to check the harness (numbers not meaningful)
 *   npm run bench -- --focus      the floor and the target rows only (HEC, plain NDJSON), printed,
 *                                 not written: for working on the hot path (about 1 minute;
 *                                 --no-profile skips the CPU profiles)
 *   npm run bench -- --cli        the CLI table only (start-up, status, forward beside seed 000's
 *                                 Python shipper; about 2 minutes): replaces that section of
 *                                 BENCHMARKS.md (with --quick: printed only)
 *   npm run bench -- --detections the forwarder with and without the StrongDM pack only (in-memory
 *                                 and DynamoDB stores, on moto; about 10 minutes): replaces that
 *                                 section of BENCHMARKS.md (with --quick: printed only)
 *     --only=burst:dynamodb:on,…  those rows only (workload:stores:destination gzip), printed, not written
 *                                 (implies --detections)
 *   BENCH_EXTRA_FLAGS='--flag …'  V8 flags added to every measured child (they appear in the report)
 *   BENCH_HEC_MAX_CONCURRENCY=n   --detections: the HEC destination's maxConcurrency (default: the
 *                                 shipped 4), which sets how many objects of a batch run at once
 *   BENCH_PROFILE_DIR=dir         --detections: a CPU profile of each run alone, with and without the
 *                                 pack, into dir (readable bundle; the numbers are then not the real ones),
 *                                 and a sampled profile of what it allocates (`.heapprofile`)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FloorInput, FloorRound } from './children/floor';
import type { ForwardInput, ForwardOutput, RoundResult } from './children/forward';
import type { DetectionsInput, DetectionsOutput } from './children/detections';
import type { IngestInput, Measured } from './children/ingest';
import type { MemoryInput, MemoryOutput } from './children/memory';
import { cloudTrailObjects } from './data/cloudtrail';
import { vendorObjects, type ObjectFormat } from './data/objects';
import { writeWorkload } from './data/workload-files';
import { BENCH_DIR, OUT_DIR, bundle } from './lib/bundle';
import { runChild, startService } from './lib/child';
import { measureCli } from './lib/cli-bench';
import { cliVerdicts, renderCliRun, spliceCliSection, type CliRun } from './lib/cli-report';
import {
  DETECTIONS_ROWS,
  detectionRowsOf,
  measureDetectionsRows,
  type DetectionsSizes,
} from './lib/detections-forwarder';
import {
  detectionsVerdicts,
  renderDetectionsSection,
  spliceDetectionsSection,
  type DetectionsForwarderRun,
} from './lib/detections-report';
import { costPerTb, DEFAULT_MEMORY_MB } from './lib/cost';
import type { DestinationKind, ReceiverUrls } from './lib/forwarder';
import { machine } from './lib/machine';
import { startKeepAliveProxy } from './lib/keep-alive-proxy';
import { hotFunctions } from './lib/profile';
import { renderReport, targetRatioOf, type Report, type ThroughputRow, type WhatIfRow } from './lib/report';
import { startMoto } from '../test/support/moto';

const quick = process.argv.includes('--quick');
const focus = process.argv.includes('--focus');
const cliOnly = process.argv.includes('--cli');
// `--only=` picks detections rows: without `--detections` it would run (and write) the whole bench.
const detectionsOnly =
  process.argv.includes('--detections') || process.argv.some((argument) => argument.startsWith('--only='));

/**
 * V8 limits as Lambda's Node.js runtime sets them for the default 512 MB (its bootstrap gives a
 * tenth of the memory to the young generation, two semi-spaces, and the rest to the old one).
 */
const memoryMb = DEFAULT_MEMORY_MB;
export const LAMBDA_V8_FLAGS = [
  `--max-semi-space-size=${Math.floor(memoryMb / 10 / 2)}`,
  `--max-old-space-size=${memoryMb - Math.floor(memoryMb / 10)}`,
  ...(process.env.BENCH_EXTRA_FLAGS ?? '').split(' ').filter(Boolean),
];

const SEED = 20240201;
const WORKLOAD = quick
  ? { objects: 10, recordsPerObject: 500, warmupRounds: 1, rounds: 1 }
  : { objects: 40, recordsPerObject: 1000, warmupRounds: 2, rounds: 5 };
const MEMORY_OBJECT_BYTES = quick ? 64 * 1024 ** 2 : 1024 ** 3;
/** The detection engine's input (bench/children/detections.ts): StrongDM records from its own seed. */
const DETECTIONS: DetectionsInput = quick
  ? { records: 10_000, seed: 7, repeats: 2 }
  : { records: 100_000, seed: 7, repeats: 5 };
/**
 * The forwarder with and without the StrongDM pack (bench/children/forward-detections.ts): rounds of
 * both on the same records. The DynamoDB rows wait on moto (about a minute per run): fewer rounds.
 */
const DETECTIONS_FORWARDER: DetectionsSizes = quick
  ? {
      records: 10_000,
      seed: 7,
      batchSize: 10,
      hecMaxConcurrency: positiveIntegerOf(process.env.BENCH_HEC_MAX_CONCURRENCY),
      rules: { warmupRounds: 1, rounds: 1 },
      memory: { warmupRounds: 1, rounds: 1 },
      dynamodb: { warmupRounds: 0, rounds: 1 },
    }
  : {
      records: 100_000,
      seed: 7,
      batchSize: 10,
      hecMaxConcurrency: positiveIntegerOf(process.env.BENCH_HEC_MAX_CONCURRENCY),
      rules: { warmupRounds: 1, rounds: 7 },
      memory: { warmupRounds: 1, rounds: 7 },
      dynamodb: { warmupRounds: 1, rounds: 3 },
    };
const TARGET_RATIO = 0.6;

function positiveIntegerOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`expected a positive integer, got '${text}'`);
  return value;
}
const RSS_TARGET_BYTES = 256 * 1024 ** 2;

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

const perSecond = (count: number, ms: number) => (count / ms) * 1000;

/** A forwarder round beside the floor on the same records (round r of both read the same workload). */
interface PairedRound {
  readonly round: RoundResult;
  readonly floor: FloorRound;
  /** Records per CPU-second against the floor's records per second, on the same records. */
  readonly cpuRatio: number;
  readonly wallRatio: number;
  readonly gzipFloorCpuRatio: number;
}

/**
 * The round with the median CPU ratio: each ratio compares the forwarder with the floor on the same
 * records (rounds differ in size: replays are large), and the median is robust to a shared machine's
 * slow and lucky rounds.
 */
function medianRound(rounds: readonly RoundResult[], floorRounds: readonly FloorRound[]): PairedRound {
  const paired = rounds.map((round, index) => {
    const floor = floorRounds[index];
    if (floor.records !== round.totals.records) {
      throw new Error(
        `round ${index}: the floor read ${floor.records} records, the forwarder ${round.totals.records}`,
      );
    }
    return {
      round,
      floor,
      cpuRatio: floor.elapsedMs / round.cpuMs,
      wallRatio: floor.elapsedMs / round.elapsedMs,
      gzipFloorCpuRatio: floor.gzipElapsedMs / round.cpuMs,
    };
  });
  return [...paired].sort((a, b) => a.cpuRatio - b.cpuRatio)[Math.floor(paired.length / 2)];
}

/** A floor round with its rates, for the report's floor lines. */
function floorSummary(round: FloorRound) {
  return {
    ...round,
    recordsPerSecond: perSecond(round.records, round.elapsedMs),
    bytesPerSecond: perSecond(round.rawBytes, round.elapsedMs),
    gzipRecordsPerSecond: perSecond(round.records, round.gzipElapsedMs),
  };
}

/** The floor round with the median time, for the report's floor line. */
function medianFloor(floorRounds: readonly FloorRound[]): FloorRound {
  return [...floorRounds].sort((a, b) => a.elapsedMs / a.records - b.elapsedMs / b.records)[
    Math.floor(floorRounds.length / 2)
  ];
}

const WORKLOAD_DIR = join(OUT_DIR, 'workloads');
const FORMATS: readonly { format: ObjectFormat; gzip: boolean }[] = [
  { format: 'ndjson', gzip: false },
  ...(focus
    ? []
    : ([
        { format: 'ndjson', gzip: true },
        { format: 'pretty', gzip: false },
        { format: 'pretty', gzip: true },
      ] as const)),
];

/**
 * Writes each round's objects once, in every format (deleted at the end of the run). Round r holds
 * the same records in every format, so all variants and the floor forward the same data.
 */
function prepareWorkloads(): (format: ObjectFormat, gzip: boolean) => string[] {
  mkdirSync(WORKLOAD_DIR, { recursive: true });
  const rounds = WORKLOAD.warmupRounds + WORKLOAD.rounds;
  const path = (format: ObjectFormat, gzip: boolean, round: number) =>
    join(WORKLOAD_DIR, `${format}${gzip ? '-gzip' : ''}-${round}`);
  for (const { format, gzip } of FORMATS) {
    for (let round = 0; round < rounds; round += 1) {
      const objects = vendorObjects({
        seed: SEED + round * 1_000_003,
        objects: WORKLOAD.objects,
        recordsPerObject: WORKLOAD.recordsPerObject,
        format,
        gzip,
      });
      writeWorkload(path(format, gzip, round), objects);
    }
  }
  return (format, gzip) => Array.from({ length: rounds }, (_, round) => path(format, gzip, round));
}

/**
 * CloudTrail log files for the records-array rows, round by round as the vendor workloads (same
 * object count and records per object), and the same records as NDJSON for their floor.
 */
function prepareCloudTrailWorkloads(): { files: string[]; floor: string[] } {
  mkdirSync(WORKLOAD_DIR, { recursive: true });
  const files: string[] = [];
  const floor: string[] = [];
  for (let round = 0; round < WORKLOAD.warmupRounds + WORKLOAD.rounds; round += 1) {
    const workload = cloudTrailObjects({
      seed: SEED + 17 + round * 1_000_003,
      objects: WORKLOAD.objects,
      recordsPerObject: WORKLOAD.recordsPerObject,
    });
    files.push(join(WORKLOAD_DIR, `cloudtrail-${round}`));
    floor.push(join(WORKLOAD_DIR, `cloudtrail-floor-${round}`));
    writeWorkload(files[round], workload.files);
    writeWorkload(floor[round], workload.floor);
  }
  return { files, floor };
}

/** A throughput variant: one row of the table. */
interface Variant {
  readonly destination: DestinationKind;
  readonly format: ObjectFormat | 'records-array';
  readonly objectGzip: boolean;
  readonly destinationGzip: boolean;
}

/**
 * The rows of the throughput table: HEC and Elasticsearch on every object format; Sentinel on plain
 * NDJSON; HEC with indexer acknowledgement (gzip on, its default); CloudTrail's records-array reader to
 * HEC (gzip off, the comparison with its floor on the same records).
 */
function variants(): Variant[] {
  const rows: Variant[] = [];
  for (const destination of (focus ? ['hec'] : ['hec', 'es']) as DestinationKind[]) {
    for (const format of FORMATS.filter((f) => !f.gzip).map((f) => f.format)) {
      for (const objectGzip of focus ? [false] : [false, true]) {
        for (const destinationGzip of [true, false])
          rows.push({ destination, format, objectGzip, destinationGzip });
      }
    }
  }
  if (focus) return rows;
  for (const destinationGzip of [true, false])
    rows.push({ destination: 'sentinel', format: 'ndjson', objectGzip: false, destinationGzip });
  rows.push({ destination: 'hec-ack', format: 'ndjson', objectGzip: false, destinationGzip: true });
  rows.push({ destination: 'hec', format: 'records-array', objectGzip: true, destinationGzip: false });
  return rows;
}

/** `--cli`: the CLI table alone, spliced into BENCHMARKS.md (the other sections keep their numbers). */
async function cliMain(): Promise<void> {
  const before = machine();
  log(
    `${before.cpus} CPUs (${before.cpuModel}), ${before.memoryGiB} GiB, Node ${before.node}, load ${before.loadAverage}`,
  );
  const { service: receivers, ready } = await startService(await bundle('children/receivers.ts'));
  try {
    const cli = await measureCli({
      quick,
      seed: SEED,
      hecUrl: (ready as { hec: string }).hec,
      distantHecUrl: (ready as { distantHec: string }).distantHec,
      hecEvents: async (receiver) =>
        (await receivers.request<Record<typeof receiver, { eventsAccepted: number }>>('stats'))[receiver]
          .eventsAccepted,
      log,
    });
    const run: CliRun = {
      cli,
      command: `npm run bench -- --cli${quick ? ' --quick' : ''}`,
      machineBefore: before,
      machineAfter: machine(),
      finishedAt: new Date().toISOString(),
    };
    // The measurements, so the section can be rendered again without measuring (bench/render.ts --cli).
    writeFileSync(join(OUT_DIR, quick ? 'cli-report.quick.json' : 'cli-report.json'), JSON.stringify(run));
    const section = renderCliRun(run);
    for (const line of cliVerdicts(cli)) log(line);
    if (quick) {
      console.log(section);
      return;
    }
    const target = join(BENCH_DIR, '..', 'BENCHMARKS.md');
    writeFileSync(target, spliceCliSection(readFileSync(target, 'utf8'), section));
    log(`wrote the CLI section of ${target}`);
  } finally {
    await receivers.stop();
  }
}

/**
 * The detection rows, beside the receivers of a run and a moto of their own, behind a keep-alive
 * proxy in this process (moto closes every connection; AWS does not).
 */
async function measureDetectionsForwarder(
  script: string,
  urls: ReceiverUrls,
  receivers: Awaited<ReturnType<typeof startService>>['service'],
  command: string,
): Promise<DetectionsForwarderRun> {
  const before = machine();
  const moto = await startMoto();
  const proxy = await startKeepAliveProxy(moto.endpoint);
  try {
    const rows = await measureDetectionsRows({
      script,
      urls,
      motoEndpoint: proxy.url,
      sizes: DETECTIONS_FORWARDER,
      execArgv: LAMBDA_V8_FLAGS,
      rows: detectionRowsOf(process.argv),
      hecEvents: async () =>
        (await receivers.request<{ hec: { eventsAccepted: number } }>('stats')).hec.eventsAccepted,
      clearReceivers: async () => {
        await receivers.request('clear');
      },
      log,
    });
    return {
      command,
      sizes: DETECTIONS_FORWARDER,
      rows,
      machineBefore: before,
      machineAfter: machine(),
      finishedAt: new Date().toISOString(),
    };
  } finally {
    await proxy.close();
    await moto.stop();
  }
}

/** `--detections`: the detection rows alone, spliced into BENCHMARKS.md (the other sections keep their numbers). */
async function detectionsMain(): Promise<void> {
  const before = machine();
  log(
    `${before.cpus} CPUs (${before.cpuModel}), ${before.memoryGiB} GiB, Node ${before.node}, load ${before.loadAverage}`,
  );
  const script = await bundle('children/forward-detections.ts', {
    readable: Boolean(process.env.BENCH_PROFILE_DIR),
  });
  const { service: receivers, ready } = await startService(await bundle('children/receivers.ts'));
  try {
    const run = await measureDetectionsForwarder(
      script,
      ready as ReceiverUrls,
      receivers,
      `npm run bench -- --detections${quick ? ' --quick' : ''}`,
    );
    const partial = run.rows.length < DETECTIONS_ROWS.length;
    // The measurements, so the section can be rendered again without measuring (bench/render.ts --detections).
    writeFileSync(
      join(OUT_DIR, `detections-report${quick ? '.quick' : partial ? '.partial' : ''}.json`),
      JSON.stringify(run),
    );
    const section = renderDetectionsSection(run);
    for (const line of detectionsVerdicts(run.rows)) log(line);
    // Some rows only (--only=…): printed, the section keeps every row of its last whole run.
    if (quick || partial) {
      console.log(section);
      return;
    }
    const target = join(BENCH_DIR, '..', 'BENCHMARKS.md');
    writeFileSync(target, spliceDetectionsSection(readFileSync(target, 'utf8'), section));
    log(`wrote the detections section of ${target}`);
  } finally {
    await receivers.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const before = machine();
  log(
    `${before.cpus} CPUs (${before.cpuModel}), ${before.memoryGiB} GiB, Node ${before.node}, load ${before.loadAverage}`,
  );
  const scripts = {
    receivers: await bundle('children/receivers.ts'),
    floor: await bundle('children/floor.ts'),
    forward: await bundle('children/forward.ts'),
    profile: await bundle('children/forward.ts', { readable: true }),
    memory: await bundle('children/memory.ts'),
    ingest: await bundle('children/ingest.ts'),
    detections: await bundle('children/detections.ts'),
    forwardDetections: await bundle('children/forward-detections.ts', {
      readable: Boolean(process.env.BENCH_PROFILE_DIR),
    }),
  };
  log('generating the workloads');
  const workloads = prepareWorkloads();
  const cloudTrail = focus ? undefined : prepareCloudTrailWorkloads();
  const { service: receivers, ready } = await startService(scripts.receivers);
  const urls = ready as ReceiverUrls;
  const receiverStats = () =>
    receivers.request<{
      hec: { eventsAccepted: number };
      distantHec: { eventsAccepted: number };
      hecAck: { eventsAccepted: number; acknowledged: number; ackQueries: number };
      bulk: { created: number; duplicates: number };
      logsIngestion: { rows: number };
      cpuMs: number;
    }>('stats');
  type Stats = Awaited<ReturnType<typeof receiverStats>>;
  const receivedBy: Record<DestinationKind, (stats: Stats) => number> = {
    hec: (stats) => stats.hec.eventsAccepted,
    es: (stats) => stats.bulk.created,
    sentinel: (stats) => stats.logsIngestion.rows,
    'hec-ack': (stats) => stats.hecAck.eventsAccepted,
  };

  try {
    log('floor: JSON.parse + JSON.stringify of every line (and with gzip of the output)');
    const floorInput: FloorInput = {
      workloads: workloads('ndjson', false),
      warmupRounds: WORKLOAD.warmupRounds,
      // The fastest of 3 runs per round: less noise in the denominator (a conservative choice, as the
      // forwarder's round is one run).
      repeats: 3,
    };
    const floorRounds = await runChild<FloorRound[]>(scripts.floor, floorInput, {
      execArgv: LAMBDA_V8_FLAGS,
    });
    const floor = medianFloor(floorRounds);
    const floorRecordsPerSecond = perSecond(floor.records, floor.elapsedMs);
    const floorBytesPerSecond = perSecond(floor.rawBytes, floor.elapsedMs);
    const gzipFloorRecordsPerSecond = perSecond(floor.records, floor.gzipElapsedMs);

    // The floor on the CloudTrail records: parse + serialize each element, as for NDJSON.
    let cloudTrailFloorRounds: FloorRound[] | undefined;
    if (cloudTrail) {
      log('floor: the CloudTrail records, JSON.parse + JSON.stringify of each element');
      cloudTrailFloorRounds = await runChild<FloorRound[]>(
        scripts.floor,
        { ...floorInput, workloads: cloudTrail.floor } satisfies FloorInput,
        { execArgv: LAMBDA_V8_FLAGS },
      );
    }

    const rows: ThroughputRow[] = [];
    for (const { destination, format, objectGzip, destinationGzip } of variants()) {
      const records = format === 'records-array';
      const label = `${destination} ${format}${objectGzip ? '.gz' : ''} → gzip ${destinationGzip ? 'on' : 'off'}`;
      log(`forwarder: ${label}`);
      const input: ForwardInput = {
        destination,
        urls,
        format,
        objectGzip,
        destinationGzip,
        workloads: records ? cloudTrail!.files : workloads(format, objectGzip),
        warmupRounds: WORKLOAD.warmupRounds,
        batchSize: 10,
      };
      const statsBefore = await receiverStats();
      const output = await runChild<ForwardOutput>(scripts.forward, input, {
        execArgv: LAMBDA_V8_FLAGS,
      });
      const statsAfter = await receiverStats();
      await receivers.request('clear');
      const received = receivedBy[destination](statsAfter) - receivedBy[destination](statsBefore);
      const sent = WORKLOAD.objects * WORKLOAD.recordsPerObject * (WORKLOAD.warmupRounds + WORKLOAD.rounds);
      if (received !== sent) throw new Error(`${label}: the receiver indexed ${received} of ${sent} records`);
      if (destination === 'hec-ack' && statsAfter.hecAck.acknowledged === statsBefore.hecAck.acknowledged)
        throw new Error(`${label}: no batch was acknowledged`);
      const { round, cpuRatio, wallRatio, gzipFloorCpuRatio } = medianRound(
        output.rounds,
        records ? cloudTrailFloorRounds! : floorRounds,
      );
      const receiverCpuMs =
        (statsAfter.cpuMs - statsBefore.cpuMs) / (WORKLOAD.warmupRounds + WORKLOAD.rounds);
      if (focus) {
        log(`  receivers: ${receiverCpuMs.toFixed(0)} ms CPU per round`);
        output.rounds.forEach((r, index) =>
          log(
            `  round: ${r.elapsedMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU (${r.systemCpuMs.toFixed(0)} system), GC ${r.gc.minorMs.toFixed(0)} ms minor, ${r.gc.majorMs.toFixed(0)} ms major; floor ${floorRounds[index].elapsedMs.toFixed(0)} ms: × floor (CPU) ${(floorRounds[index].elapsedMs / r.cpuMs).toFixed(2)}`,
          ),
        );
      }
      rows.push({
        destination,
        format,
        objectGzip,
        destinationGzip,
        records: round.totals.records,
        rawBytes: round.rawBytes,
        storedBytes: round.storedBytes,
        elapsedMs: round.elapsedMs,
        cpuMs: round.cpuMs,
        wallRatio,
        cpuRatio,
        gzipFloorCpuRatio: destinationGzip ? gzipFloorCpuRatio : undefined,
        receiverCpuMs,
      });
    }

    if (focus) {
      log(
        `floor: ${Math.round(floorRecordsPerSecond)} records/s, with gzip ${Math.round(gzipFloorRecordsPerSecond)}`,
      );
      for (const row of rows) {
        const gzip = `destination gzip ${row.destinationGzip ? 'on ' : 'off'}`;
        const rate = Math.round(perSecond(row.records, row.elapsedMs));
        log(
          `${row.destination} ${row.format} ${gzip}: ${rate} records/s, × floor wall ${row.wallRatio.toFixed(2)}, CPU ${row.cpuRatio.toFixed(2)}${row.gzipFloorCpuRatio === undefined ? '' : `, × floor+gzip CPU ${row.gzipFloorCpuRatio.toFixed(2)}`}`,
        );
      }
    }

    const hecPlain = rows.filter(
      (row) => row.destination === 'hec' && row.format === 'ndjson' && !row.objectGzip,
    );
    const targetMet = !focus && hecPlain.every((row) => targetRatioOf(row) >= TARGET_RATIO);
    const profiles: { name: string; path: string; functions: ReturnType<typeof hotFunctions> }[] = [];
    const profileRuns = targetMet || process.argv.includes('--no-profile') ? [] : [false, true];
    for (const destinationGzip of profileRuns) {
      const name = `hec-ndjson-gzip-${destinationGzip ? 'on' : 'off'}`;
      log(`profile: ${name}`);
      const path = join(OUT_DIR, `${name}.cpuprofile`);
      await runChild<ForwardOutput>(
        scripts.profile,
        {
          destination: 'hec',
          urls,
          format: 'ndjson',
          objectGzip: false,
          destinationGzip,
          workloads: workloads('ndjson', false).slice(0, WORKLOAD.warmupRounds + 1),
          warmupRounds: WORKLOAD.warmupRounds,
          batchSize: 10,
          profilePath: path,
        } satisfies ForwardInput,
        { execArgv: LAMBDA_V8_FLAGS },
      );
      await receivers.request('clear');
      profiles.push({
        name,
        path: path.slice(BENCH_DIR.length - 'bench'.length),
        functions: hotFunctions(path, 60),
      });
    }
    if (focus) {
      for (const { name, functions } of profiles) {
        log(`profile ${name}:`);
        for (const f of functions.slice(0, 25))
          log(
            `  ${(f.selfShare * 100).toFixed(1).padStart(5)} % self ${(f.totalShare * 100).toFixed(1).padStart(5)} % total  ${f.where}`,
          );
      }
      return;
    }

    // What the profile points at, measured on the HEC plain NDJSON path (destination gzip off).
    const whatIf: WhatIfRow[] = [];
    if (!targetMet) {
      const base: ForwardInput = {
        destination: 'hec',
        urls,
        format: 'ndjson',
        objectGzip: false,
        destinationGzip: false,
        workloads: workloads('ndjson', false),
        warmupRounds: WORKLOAD.warmupRounds,
        batchSize: 10,
      };
      const variants: [string, ForwardInput, string[]][] = [
        ['as shipped (10 objects in parallel)', base, LAMBDA_V8_FLAGS],
        ['objects one at a time (batch processed sequentially)', { ...base, batchSize: 1 }, LAMBDA_V8_FLAGS],
        [
          'young generation 3 × 64 MiB (`--max-semi-space-size=64`)',
          base,
          [LAMBDA_V8_FLAGS[1], '--max-semi-space-size=64'],
        ],
      ];
      for (const [label, input, flags] of variants) {
        log(`what if: ${label}`);
        const output = await runChild<ForwardOutput>(scripts.forward, input, { execArgv: flags });
        await receivers.request('clear');
        const { round, cpuRatio, wallRatio } = medianRound(output.rounds, floorRounds);
        whatIf.push({
          label,
          flags,
          recordsPerSecond: perSecond(round.totals.records, round.elapsedMs),
          recordsPerCpuSecond: perSecond(round.totals.records, round.cpuMs),
          wallRatio,
          cpuRatio,
          minorGcMs: round.gc.minorMs,
          majorGcMs: round.gc.majorMs,
        });
      }
    }

    const memory: MemoryOutput[] = [];
    for (const gzip of [false, true]) {
      log(
        `memory: ${MEMORY_OBJECT_BYTES / 1024 ** 2} MiB ${gzip ? 'gzip' : 'plain'} object to HEC and Elasticsearch`,
      );
      const input: MemoryInput = {
        seed: SEED + 7,
        targetBytes: MEMORY_OBJECT_BYTES,
        gzip,
        destinations: ['hec', 'es'],
        urls,
      };
      const output = await runChild<MemoryOutput>(scripts.memory, input, { execArgv: LAMBDA_V8_FLAGS });
      await receivers.request('clear');
      if (output.totals.delivered !== output.records * 2) {
        throw new Error(`memory run delivered ${output.totals.delivered} of ${output.records * 2} records`);
      }
      memory.push(output);
    }

    log(`detections: the StrongDM pack's engine on ${DETECTIONS.records} records`);
    const detections = await runChild<DetectionsOutput>(scripts.detections, DETECTIONS, {
      execArgv: LAMBDA_V8_FLAGS,
    });
    const forwarderDetections = await measureDetectionsForwarder(
      scripts.forwardDetections,
      urls,
      receivers,
      `npm run bench${quick ? ' -- --quick' : ''}`,
    );

    log('ingest: batcher and HTTPS endpoint handlers');
    const ingestInput: IngestInput = quick
      ? {
          seed: SEED,
          batcher: { batches: 5, messagesPerBatch: 1000, rounds: 1 },
          endpoint: { requests: 50, eventsPerRequest: 100, rounds: 1 },
        }
      : {
          seed: SEED,
          batcher: { batches: 40, messagesPerBatch: 1000, rounds: 3 },
          endpoint: { requests: 400, eventsPerRequest: 100, rounds: 3 },
        };
    const ingest = await runChild<Measured[]>(scripts.ingest, ingestInput, { execArgv: LAMBDA_V8_FLAGS });

    const cli = await measureCli({
      quick,
      seed: SEED,
      hecUrl: urls.hec,
      distantHecUrl: urls.distantHec,
      hecEvents: async (receiver) => (await receiverStats())[receiver].eventsAccepted,
      log,
    });

    // One object size for every cost row: the mean over the timed rounds (log types vary by round).
    const meanObjectBytes =
      floorRounds.reduce((sum, round) => sum + round.rawBytes, 0) / (floorRounds.length * WORKLOAD.objects);
    const costRows = rows
      .filter((row) => row.format === 'ndjson' && !row.objectGzip)
      .map((row) => ({
        row,
        cost: costPerTb({
          bytesPerCpuSecond: (row.rawBytes / row.cpuMs) * 1000,
          bytesPerObject: meanObjectBytes,
        }),
      }));

    const report: Report = {
      startedAt,
      finishedAt: new Date(),
      command: `npm run bench${quick ? ' -- --quick' : ''}`,
      machineBefore: before,
      machineAfter: machine(),
      v8Flags: LAMBDA_V8_FLAGS,
      workload: WORKLOAD,
      floor: {
        ...floor,
        recordsPerSecond: floorRecordsPerSecond,
        bytesPerSecond: floorBytesPerSecond,
        gzipRecordsPerSecond: gzipFloorRecordsPerSecond,
      },
      cloudTrailFloor: cloudTrailFloorRounds && floorSummary(medianFloor(cloudTrailFloorRounds)),
      rows,
      detections: { input: DETECTIONS, output: detections },
      forwarderDetections,
      targetRatio: TARGET_RATIO,
      memory,
      memoryTargetBytes: RSS_TARGET_BYTES,
      ingest,
      costRows,
      meanObjectBytes,
      profiles,
      whatIf,
      cli,
      quick,
    };
    // The measurements, so the report can be rendered again without measuring (bench/render.ts).
    writeFileSync(join(OUT_DIR, quick ? 'report.quick.json' : 'report.json'), JSON.stringify(report));
    const markdown = renderReport(report);
    const target = quick ? join(OUT_DIR, 'BENCHMARKS.quick.md') : join(BENCH_DIR, '..', 'BENCHMARKS.md');
    writeFileSync(target, markdown);
    log(`wrote ${target}`);
  } finally {
    await receivers.stop();
    rmSync(WORKLOAD_DIR, { recursive: true, force: true });
  }
}

process.once('SIGINT', () => {
  rmSync(WORKLOAD_DIR, { recursive: true, force: true });
  process.exit(130);
});

(cliOnly ? cliMain() : detectionsOnly ? detectionsMain() : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
