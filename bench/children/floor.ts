import { gzipSync } from 'node:zlib';
import { GZIP_OPTIONS } from '../../lambda/core/http/gzip';
import { readWorkload } from '../data/workload-files';
import { serveOnce } from '../lib/child';

export interface FloorInput {
  /** Plain NDJSON workload files: the warm-up rounds' first, then the timed rounds' (the forwarder's). */
  readonly workloads: readonly string[];
  readonly warmupRounds: number;
  /** Times each round is repeated; the fastest counts. */
  readonly repeats: number;
}

export interface FloorRound {
  readonly records: number;
  readonly rawBytes: number;
  readonly elapsedMs: number;
  /** The same, plus gzip of what it serialized (the sinks' settings): the floor of a compressing forwarder. */
  readonly gzipElapsedMs: number;
}

/**
 * The floor: the least work any forwarder must do per record, i.e. decode the object's NDJSON,
 * `JSON.parse` each line and serialize it once. No reading from a stream, batching, HTTP or gzip.
 * With `gzip`, each object's serialized lines are then compressed as the sinks compress request
 * bodies (level 1, in one synchronous call: no thread pool).
 */
function floorRound(bodies: readonly Buffer[], gzip: boolean): { records: number; checksum: number } {
  let records = 0;
  let checksum = 0;
  for (const body of bodies) {
    const text = body.toString('utf8');
    const lines: string[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (end > start) {
        const line = JSON.stringify(JSON.parse(text.slice(start, end)));
        checksum += line.length;
        if (gzip) lines.push(line);
        records += 1;
      }
      start = end + 1;
    }
    if (gzip) checksum += gzipSync(lines.join('\n'), GZIP_OPTIONS).length;
  }
  return { records, checksum };
}

/** Fastest of `repeats` runs, in ms. */
function fastest(repeats: number, run: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    const started = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return best;
}

serveOnce<FloorInput, FloorRound[]>(async (input) => {
  const bodies = (path: string) => readWorkload(path).map((object) => object.body);
  // As the forwarder is measured (children/forward.ts): loaded first, warmed up, no forced collection.
  const timed = input.workloads.slice(input.warmupRounds).map(bodies);
  for (const path of input.workloads.slice(0, input.warmupRounds)) {
    const objects = bodies(path);
    floorRound(objects, false);
    floorRound(objects, true);
  }
  return timed.map((objects) => ({
    records: floorRound(objects, false).records,
    rawBytes: objects.reduce((sum, body) => sum + body.length, 0),
    elapsedMs: fastest(input.repeats, () => floorRound(objects, false)),
    gzipElapsedMs: fastest(input.repeats, () => floorRound(objects, true)),
  }));
});
