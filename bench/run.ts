/**
 * `npm run bench`: forwarder throughput against a floor, memory on a 1 GiB object, ingest throughput,
 * a cost line, and a CPU profile of the hot path when the target is missed. Writes BENCHMARKS.md.
 *
 *   npm run bench                 full run (about 6-9 minutes on 2 cores)
 *   npm run bench -- --quick      small sizes, to check the harness (numbers not meaningful)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FloorInput, FloorRound } from './children/floor';
import type { ForwardInput, ForwardOutput, RoundResult } from './children/forward';
import type { IngestInput, Measured } from './children/ingest';
import type { MemoryInput, MemoryOutput } from './children/memory';
import { vendorObjects, type ObjectFormat } from './data/objects';
import { writeWorkload } from './data/workload-files';
import { BENCH_DIR, OUT_DIR, bundle } from './lib/bundle';
import { runChild, startService } from './lib/child';
import { costPerTb, DEFAULT_MEMORY_MB } from './lib/cost';
import type { DestinationKind } from './lib/forwarder';
import { machine } from './lib/machine';
import { hotFunctions } from './lib/profile';
import { renderReport, type Report, type ThroughputRow, type WhatIfRow } from './lib/report';

const quick = process.argv.includes('--quick');

/**
 * V8 limits as Lambda's Node.js runtime sets them for the default 512 MB (its bootstrap gives a
 * tenth of the memory to the young generation, two semi-spaces, and the rest to the old one).
 */
const memoryMb = DEFAULT_MEMORY_MB;
export const LAMBDA_V8_FLAGS = [
  `--max-semi-space-size=${Math.floor(memoryMb / 10 / 2)}`,
  `--max-old-space-size=${memoryMb - Math.floor(memoryMb / 10)}`,
];

const SEED = 20240201;
const WORKLOAD = quick
  ? { objects: 10, recordsPerObject: 500, warmupRounds: 1, rounds: 1 }
  : { objects: 40, recordsPerObject: 1000, warmupRounds: 2, rounds: 3 };
const MEMORY_OBJECT_BYTES = quick ? 64 * 1024 ** 2 : 1024 ** 3;
const TARGET_RATIO = 0.6;
const RSS_TARGET_BYTES = 256 * 1024 ** 2;

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

const perSecond = (count: number, ms: number) => (count / ms) * 1000;

function best(rounds: readonly RoundResult[]): RoundResult {
  return rounds.reduce((a, b) => (b.totals.records / b.elapsedMs > a.totals.records / a.elapsedMs ? b : a));
}

const WORKLOAD_DIR = join(OUT_DIR, 'workloads');
const FORMATS: readonly { format: ObjectFormat; gzip: boolean }[] = [
  { format: 'ndjson', gzip: false },
  { format: 'ndjson', gzip: true },
  { format: 'pretty', gzip: false },
  { format: 'pretty', gzip: true },
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
  };
  log('generating the workloads');
  const workloads = prepareWorkloads();
  const { service: receivers, ready } = await startService(scripts.receivers);
  const urls = ready as { hec: string; bulk: string };
  const receiverStats = () =>
    receivers.request<{ hec: { eventsAccepted: number }; bulk: { created: number; duplicates: number } }>(
      'stats',
    );

  try {
    log('floor: JSON.parse + JSON.stringify of every line');
    const floorInput: FloorInput = {
      workloads: workloads('ndjson', false),
      warmupRounds: WORKLOAD.warmupRounds,
      repeats: 3,
    };
    const floorRounds = await runChild<FloorRound[]>(scripts.floor, floorInput, {
      execArgv: LAMBDA_V8_FLAGS,
    });
    const floor = floorRounds.reduce((a, b) => (b.records / b.elapsedMs > a.records / a.elapsedMs ? b : a));
    const floorRecordsPerSecond = (floor.records / floor.elapsedMs) * 1000;
    const floorBytesPerSecond = (floor.rawBytes / floor.elapsedMs) * 1000;

    const rows: ThroughputRow[] = [];
    for (const destination of ['hec', 'es'] as DestinationKind[]) {
      for (const format of ['ndjson', 'pretty'] as ObjectFormat[]) {
        for (const objectGzip of [false, true]) {
          for (const destinationGzip of [true, false]) {
            const label = `${destination} ${format}${objectGzip ? '.gz' : ''} → gzip ${destinationGzip ? 'on' : 'off'}`;
            log(`forwarder: ${label}`);
            const input: ForwardInput = {
              destination,
              url: destination === 'hec' ? urls.hec : urls.bulk,
              format,
              objectGzip,
              destinationGzip,
              workloads: workloads(format, objectGzip),
              warmupRounds: WORKLOAD.warmupRounds,
              batchSize: 10,
            };
            const statsBefore = await receiverStats();
            const output = await runChild<ForwardOutput>(scripts.forward, input, {
              execArgv: LAMBDA_V8_FLAGS,
            });
            const statsAfter = await receiverStats();
            await receivers.request('clear');
            const received =
              destination === 'hec'
                ? statsAfter.hec.eventsAccepted - statsBefore.hec.eventsAccepted
                : statsAfter.bulk.created - statsBefore.bulk.created;
            const sent =
              WORKLOAD.objects * WORKLOAD.recordsPerObject * (WORKLOAD.warmupRounds + WORKLOAD.rounds);
            if (received !== sent)
              throw new Error(`${label}: the receiver indexed ${received} of ${sent} records`);
            const round = best(output.rounds);
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
              wallRatio: ((round.totals.records / round.elapsedMs) * 1000) / floorRecordsPerSecond,
              cpuRatio: ((round.totals.records / round.cpuMs) * 1000) / floorRecordsPerSecond,
            });
          }
        }
      }
    }

    const hecPlain = rows.filter(
      (row) => row.destination === 'hec' && row.format === 'ndjson' && !row.objectGzip,
    );
    const targetMet = hecPlain.every((row) => row.wallRatio >= TARGET_RATIO && row.cpuRatio >= TARGET_RATIO);
    const profiles: { name: string; path: string; functions: ReturnType<typeof hotFunctions> }[] = [];
    for (const destinationGzip of targetMet ? [] : [false, true]) {
      const name = `hec-ndjson-gzip-${destinationGzip ? 'on' : 'off'}`;
      log(`profile: ${name}`);
      const path = join(OUT_DIR, `${name}.cpuprofile`);
      await runChild<ForwardOutput>(
        scripts.profile,
        {
          destination: 'hec',
          url: urls.hec,
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

    // What the profile points at, measured on the HEC plain NDJSON path (destination gzip off).
    const whatIf: WhatIfRow[] = [];
    if (!targetMet) {
      const base: ForwardInput = {
        destination: 'hec',
        url: urls.hec,
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
        const round = best(output.rounds);
        whatIf.push({
          label,
          flags,
          recordsPerSecond: perSecond(round.totals.records, round.elapsedMs),
          recordsPerCpuSecond: perSecond(round.totals.records, round.cpuMs),
          wallRatio: perSecond(round.totals.records, round.elapsedMs) / floorRecordsPerSecond,
          cpuRatio: perSecond(round.totals.records, round.cpuMs) / floorRecordsPerSecond,
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
        destinations: [
          { kind: 'hec', url: urls.hec },
          { kind: 'es', url: urls.bulk },
        ],
      };
      const output = await runChild<MemoryOutput>(scripts.memory, input, { execArgv: LAMBDA_V8_FLAGS });
      await receivers.request('clear');
      if (output.totals.delivered !== output.records * 2) {
        throw new Error(`memory run delivered ${output.totals.delivered} of ${output.records * 2} records`);
      }
      memory.push(output);
    }

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
      floor: { ...floor, recordsPerSecond: floorRecordsPerSecond, bytesPerSecond: floorBytesPerSecond },
      rows,
      targetRatio: TARGET_RATIO,
      memory,
      memoryTargetBytes: RSS_TARGET_BYTES,
      ingest,
      costRows,
      meanObjectBytes,
      profiles,
      whatIf,
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
