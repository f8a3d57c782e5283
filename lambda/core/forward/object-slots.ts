import { RequestLatency } from '../http/latency';

export interface ObjectSlotsOptions {
  /** Requests in flight per destination (its `maxConcurrency`), shared by the objects of an invocation. */
  readonly destinations: readonly {
    readonly sink: { readonly name: string };
    readonly maxInFlight: number;
    /** Default: `true` (see ForwardDestination.pacesObjects). */
    readonly pacesObjects?: boolean;
  }[];
  readonly latency: RequestLatency;
  readonly now: () => number;
  /** No object starts after this epoch ms (nothing more is read). */
  readonly stopReadingAt: number;
  /** No request starts after this epoch ms. */
  readonly deliveryDeadline: number;
}

/**
 * Which objects of an invocation run, and how they share each destination's requests in flight.
 *
 * Objects start one after another, at most as many at once as the most constrained destination has
 * requests in flight (of those that pace objects: not the detections stage, whose batches of the
 * objects running together make one wave, nor an alert route, which only alert objects reach), and
 * each started object owns an equal share of every destination's requests (at least one). A started object therefore does not queue behind other objects' requests (at most
 * for one answer, when it starts while the others still hold larger shares): it makes progress, or
 * its destination fails it. Objects whose turn comes when nothing more can be sent in
 * time are not started at all; the caller hands them back untouched.
 */
export class ObjectSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly capacity: number;

  constructor(private readonly options: ObjectSlotsOptions) {
    const paced = options.destinations.filter((d) => d.pacesObjects !== false);
    const pacing = paced.length > 0 ? paced : options.destinations;
    this.capacity = Math.max(1, Math.min(...pacing.map((d) => d.maxInFlight)));
  }

  /**
   * Waits for this object's turn. Resolves `true` when it starts (call `release()` once it is done),
   * `false` when there is no time left to start it. `onGranted` is called the moment the slot is
   * this object's (within `release()` of the object before it), not turns later when the caller
   * resumes: whoever counts the running objects (the detections stage's waves) never sees a slot in
   * passage, held by nobody.
   */
  async acquire(onGranted?: () => void): Promise<boolean> {
    if (this.active >= this.capacity)
      await new Promise<void>((resolve) =>
        this.waiting.push(() => {
          onGranted?.();
          resolve();
        }),
      );
    else {
      this.active += 1;
      onGranted?.();
    }
    if (this.timeLeft()) return true;
    this.release();
    return false;
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next object in line, so a newcomer cannot overtake it.
    if (next) next();
    else this.active -= 1;
  }

  /** This object's share of a destination's `maxInFlight` requests. */
  share(maxInFlight: number): number {
    return Math.max(1, Math.floor(maxInFlight / Math.max(1, this.active)));
  }

  /** Whether an object started now could still read and send a request to some destination in time. */
  private timeLeft(): boolean {
    const { destinations, latency, now, stopReadingAt, deliveryDeadline } = this.options;
    const at = now();
    if (at >= stopReadingAt) return false;
    return (
      destinations.length === 0 ||
      destinations.some((d) => latency.canStart(d.sink.name, at, deliveryDeadline))
    );
  }
}

/**
 * What the objects of one invocation (one batch of messages) share: the request durations seen so far
 * and the slots they start in. Build one per invocation and add it to the message dependencies.
 */
export function invocationSchedule(options: Omit<ObjectSlotsOptions, 'latency'>): {
  readonly latency: RequestLatency;
  readonly objectSlots: ObjectSlots;
} {
  const latency = new RequestLatency();
  return { latency, objectSlots: new ObjectSlots({ ...options, latency }) };
}
