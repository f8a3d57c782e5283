/**
 * Members an alert store's own strongly consistent reads found in a chunk, per alert and chunk, the
 * least recently used dropped past `maxMembers` in all. What it answers is a state the chunk had:
 * only ever a read's result, never that result plus what was written after it (see
 * DynamoDbAlertStore.register for why that is all a register needs of it).
 */
export class KnownChunks {
  private readonly chunks = new Map<string, ReadonlySet<string>>();
  private members = 0;
  /** Per alert, the latest chunk ever recorded (forgotten all at once past LATEST_ALERTS alerts). */
  private readonly latestOf = new Map<string, number>();

  constructor(private readonly maxMembers: number) {}

  /** The members last read, or undefined when not known (never read here, or dropped). */
  get(pk: string, chunk: number): ReadonlySet<string> | undefined {
    const key = keyOf(pk, chunk);
    const members = this.chunks.get(key);
    if (members) {
      // Map order is insertion order: moved to the end, it is dropped last.
      this.chunks.delete(key);
      this.chunks.set(key, members);
    }
    return members;
  }

  /** The latest chunk of the alert a read was recorded for, even if its members were dropped since. */
  latest(pk: string): number | undefined {
    return this.latestOf.get(pk);
  }

  /** Records a read's result; the caller must not change the set afterwards. */
  set(pk: string, chunk: number, members: ReadonlySet<string>): void {
    const latest = this.latestOf.get(pk);
    if (latest === undefined && this.latestOf.size >= LATEST_ALERTS) this.latestOf.clear();
    if (latest === undefined || chunk > latest) this.latestOf.set(pk, chunk);
    const key = keyOf(pk, chunk);
    this.forget(key);
    // A chunk larger than the whole budget would only push every other out.
    if (members.size > this.maxMembers) return;
    this.chunks.set(key, members);
    this.members += members.size;
    for (const oldest of this.chunks.keys()) {
      if (this.members <= this.maxMembers) break;
      this.forget(oldest);
    }
  }

  private forget(key: string): void {
    const members = this.chunks.get(key);
    if (!members) return;
    this.chunks.delete(key);
    this.members -= members.size;
  }
}

/** Alerts whose latest chunk is remembered: a number each, far more alerts than a Lambda registers. */
const LATEST_ALERTS = 10_000;

function keyOf(pk: string, chunk: number): string {
  return `${pk}\u0000${chunk}`;
}
