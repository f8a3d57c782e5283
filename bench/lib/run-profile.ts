import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * With `BENCH_PROFILE_DIR` set, `profiled(name, work)` writes a CPU profile of `work` alone to
 * `<dir>/<name>.cpuprofile` (a child's profile from `--cpu-prof` mixes every run of a comparison).
 * Without it, `work` runs as is. Profiling slows what it measures: never set it for the numbers.
 */
export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
