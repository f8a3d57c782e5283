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
}

/**
 * The floor: the least work any forwarder must do per record, i.e. decode the object's NDJSON,
 * `JSON.parse` each line and serialize it once. No reading from a stream, batching, HTTP or gzip.
 */
function floorRound(bodies: readonly Buffer[]): { records: number; checksum: number } {
  let records = 0;
  let checksum = 0;
  for (const body of bodies) {
    const text = body.toString('utf8');
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (end > start) {
        checksum += JSON.stringify(JSON.parse(text.slice(start, end))).length;
        records += 1;
      }
      start = end + 1;
    }
  }
  return { records, checksum };
}

serveOnce<FloorInput, FloorRound[]>(async (input) => {
  const bodies = (path: string) => readWorkload(path).map((object) => object.body);
  for (const path of input.workloads.slice(0, input.warmupRounds)) floorRound(bodies(path));
  const results: FloorRound[] = [];
  for (const path of input.workloads.slice(input.warmupRounds)) {
    const objects = bodies(path);
    (globalThis as { gc?: () => void }).gc?.();
    let best = Number.POSITIVE_INFINITY;
    let records = 0;
    for (let repeat = 0; repeat < input.repeats; repeat += 1) {
      const started = process.hrtime.bigint();
      records = floorRound(objects).records;
      best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
    }
    results.push({ records, rawBytes: objects.reduce((sum, body) => sum + body.length, 0), elapsedMs: best });
  }
  return results;
});
