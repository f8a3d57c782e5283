export interface ObjectCutInput {
  /** Events pending. */
  readonly pending: number;
  /** How many of them the caps allow in the next object (`nextObjectSize`). */
  readonly fits: number;
  readonly maxRecords: number;
  /** The cut the starting checkpoint planned for this object (`Checkpoint.objectRecords`), if any. */
  readonly planned?: number;
  /** The run is ending: the rest is written, full object or not. */
  readonly all: boolean;
}

/**
 * Where the next object ends, or undefined to wait for more events. `plan` is set when nothing but
 * the end of the run decided the cut (no following event, no cap reached): the checkpoint must then
 * record it before the object is put, because a run repeating the write after a crash may hold
 * more events and would otherwise cut, and name, the object differently, sending its events twice.
 */
export function objectCut(input: ObjectCutInput): { size: number; plan: boolean } | undefined {
  const { pending, fits, maxRecords, planned, all } = input;
  // The crashed run's cut, as long as today's caps still allow it.
  if (planned !== undefined && planned <= fits) return { size: planned, plan: false };
  if (planned !== undefined && planned <= maxRecords && pending < planned && !all) return undefined;
  if (fits < pending) return { size: fits, plan: false };
  if (!all) return undefined;
  return { size: fits, plan: fits < maxRecords };
}
