import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { ObjectSource } from '../../lambda/core/forward/ports';
import { chunksOf, type ObjectFormat, type VendorObject } from '../data/objects';
import { readWorkload } from '../data/workload-files';
import { serveOnce } from '../lib/child';
import { observeGcPauses } from '../lib/gc-pauses';
import {
  benchForwarder,
  destinationConfig,
  type DestinationKind,
  type ForwardTotals,
  type ReceiverUrls,
} from '../lib/forwarder';

export interface ForwardInput {
  readonly destination: DestinationKind;
  readonly urls: ReceiverUrls;
  /** `records-array`: CloudTrail log files (gzip `{"Records":[…]}` documents, bench/data/cloudtrail.ts). */
  readonly format: ObjectFormat | 'records-array';
  readonly objectGzip: boolean;
  readonly destinationGzip: boolean;
  /** Workload files (see workload-files.ts): the warm-up rounds' first, then the timed rounds'. */
  readonly workloads: readonly string[];
  /** Notifications per batch, as the handler takes them (10 by default), run as it runs them. */
  readonly batchSize: number;
  /** Untimed rounds first (JIT warm-up), then timed rounds, each on other records. */
  readonly warmupRounds: number;
  /** Write a CPU profile of the last timed round to this path. */
  readonly profilePath?: string;
}

export interface RoundResult {
  readonly totals: ForwardTotals;
  readonly rawBytes: number;
  readonly storedBytes: number;
  readonly elapsedMs: number;
  /** CPU time of the whole process (all threads: gzip runs on libuv's pool) during the run. */
  readonly cpuMs: number;
  readonly systemCpuMs: number;
  /** GC pauses during the round, as V8 reports them. */
  readonly gc: { minorMs: number; majorMs: number };
}

export interface ForwardOutput {
  readonly rounds: readonly RoundResult[];
  readonly peakRssBytes: number;
}

async function forwardAll(objects: readonly VendorObject[], input: ForwardInput): Promise<ForwardTotals> {
  const byKey = new Map(objects.map((object) => [object.key, object]));
  const source: ObjectSource = {
    open: async (ref, fromByte) => ({ body: chunksOf(byKey.get(ref.key)!.body.subarray(fromByte)) }),
  };
  // Objects of a batch run as the handler runs them (ObjectSlots), not all ten at once.
  const forwarder = benchForwarder(
    [destinationConfig(input.destination, input.urls, input.destinationGzip)],
    source,
    undefined,
    undefined,
    { paceObjects: true },
  );
  try {
    await forwarder.forwardInBatches(
      objects.map((object) => ({ key: object.key, size: object.body.length })),
      input.batchSize,
    );
  } finally {
    forwarder.close();
  }
  return forwarder.totals;
}

const gcPauses = observeGcPauses();

serveOnce<ForwardInput, ForwardOutput>(async (input) => {
  // Every round's objects are loaded first, so the garbage of loading them is collected during the
  // warm-up rather than in a timed round. No collection is forced between rounds: V8 throws away
  // optimised code on a forced full GC, which would make each timed round start partly cold.
  const timed = input.workloads.slice(input.warmupRounds).map((path) => readWorkload(path));
  // Warm the JIT as a busy Lambda is warm; other records, so Elasticsearch never answers 409.
  const warmups = input.workloads.slice(0, input.warmupRounds);
  for (const path of warmups) await forwardAll(readWorkload(path), input);

  const rounds: RoundResult[] = [];
  for (const [index, objects] of timed.entries()) {
    const profile = index === timed.length - 1 ? await startProfile(input.profilePath) : undefined;
    gcPauses.minorMs = 0;
    gcPauses.majorMs = 0;
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const totals = await forwardAll(objects, input);
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((resolve) => setImmediate(resolve)); // let the GC observer catch up
    const gc = { ...gcPauses };
    await profile?.();
    rounds.push({
      totals,
      rawBytes: objects.reduce((sum, object) => sum + object.rawBytes, 0),
      storedBytes: objects.reduce((sum, object) => sum + object.body.length, 0),
      elapsedMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      systemCpuMs: cpu.system / 1000,
      gc,
    });
  }
  return { rounds, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
});

/** The V8 sampling profiler that `node --cpu-prof` uses, around the measured run only (main thread). */
async function startProfile(path: string | undefined): Promise<(() => Promise<void>) | undefined> {
  if (!path) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  };
}
