import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Bytes between allocation samples: fine enough for 100,000 records, cheap enough to leave the profile usable. */
const ALLOCATION_SAMPLING_BYTES = 16 * 1024;

/**
 * With `BENCH_PROFILE_DIR` set, `profiled(name, work)` writes a CPU profile of `work` alone to
 * `<dir>/<name>.cpuprofile` (a child's profile from `--cpu-prof` mixes every run of a comparison),
 * and what it allocated to `<dir>/<name>.heapprofile` (sampled, collected objects included: garbage
 * is what costs the GC time; both open in Chrome DevTools). Without it, `work` runs as is.
 * Profiling slows what it measures: never set it for the numbers.
 */
export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: ALLOCATION_SAMPLING_BYTES,
    // Node 20's protocol types lack these two (V8 has them): without them only survivors are sampled.
    ...{ includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true },
  });
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    const allocations = await session.post('HeapProfiler.stopSampling');
    writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(allocations.profile));
    session.disconnect();
  }
}
