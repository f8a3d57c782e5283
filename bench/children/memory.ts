import { readFileSync } from 'node:fs';
import { generatedObject } from '../data/objects';
import { serveOnce } from '../lib/child';
import {
  benchForwarder,
  destinationConfig,
  type DestinationKind,
  type ForwardTotals,
  type ReceiverUrls,
} from '../lib/forwarder';

export interface MemoryInput {
  readonly seed: number;
  /** Uncompressed size of the object. */
  readonly targetBytes: number;
  readonly gzip: boolean;
  readonly destinations: readonly DestinationKind[];
  readonly urls: ReceiverUrls;
}

export interface MemoryOutput {
  readonly totals: ForwardTotals;
  readonly records: number;
  readonly rawBytes: number;
  readonly storedBytes: number;
  readonly elapsedMs: number;
  /** RSS before the object was opened (runtime, modules, receivers' clients). */
  readonly baselineRssBytes: number;
  /** Peak RSS of the process (VmHWM). */
  readonly peakRssBytes: number;
  readonly maxHeapUsedBytes: number;
  readonly maxExternalBytes: number;
  /** RSS when 10 %, 20 %, … 100 % of the object had been read. */
  readonly rssByProgress: readonly number[];
}

function vmHwmBytes(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/**
 * Forwards one object of `targetBytes` generated while it streams (nothing on disk, nothing held
 * whole) to every destination at once, and watches the process's memory while it does.
 */
serveOnce<MemoryInput, MemoryOutput>(async (input) => {
  const stream = generatedObject({ seed: input.seed, targetBytes: input.targetBytes, gzip: input.gzip });
  const key = `sdm/logs/replays/2024/02/01/18/50/one-gibibyte-object.json${input.gzip ? '.gz' : ''}`;
  const forwarder = benchForwarder(
    input.destinations.map((kind) => destinationConfig(kind, input.urls, true)),
    { open: async () => ({ body: stream.chunks }) },
  );

  (globalThis as { gc?: () => void }).gc?.();
  const baselineRssBytes = process.memoryUsage().rss;
  let maxHeapUsedBytes = 0;
  let maxExternalBytes = 0;
  const rssByProgress: number[] = [];
  const sample = () => {
    const usage = process.memoryUsage();
    maxHeapUsedBytes = Math.max(maxHeapUsedBytes, usage.heapUsed);
    maxExternalBytes = Math.max(maxExternalBytes, usage.external);
    const progress = Math.floor((stream.produced.rawBytes / input.targetBytes) * 10);
    while (rssByProgress.length < progress && rssByProgress.length < 10) rssByProgress.push(usage.rss);
  };
  const sampler = setInterval(sample, 25);
  const started = process.hrtime.bigint();
  try {
    await forwarder.forward(key, input.targetBytes);
  } finally {
    clearInterval(sampler);
    forwarder.close();
  }
  sample();
  return {
    totals: forwarder.totals,
    records: stream.produced.records,
    rawBytes: stream.produced.rawBytes,
    storedBytes: stream.produced.storedBytes,
    elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
    baselineRssBytes,
    peakRssBytes: vmHwmBytes(),
    maxHeapUsedBytes,
    maxExternalBytes,
    rssByProgress,
  };
});
