import { PerformanceObserver, constants } from 'node:perf_hooks';

/**
 * The main thread's GC pauses since the process started observing (ms): a child resets it before a
 * measured run and reads it after. Read it one turn of the event loop later: the observer is told
 * of pauses asynchronously.
 */
export function observeGcPauses(): { minorMs: number; majorMs: number } {
  const pauses = { minorMs: 0, majorMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) pauses.minorMs += entry.duration;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) pauses.majorMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  return pauses;
}
