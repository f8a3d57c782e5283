import { SluiceError } from '../../errors';
import type { GatherTicket } from '../../sinks/gathering';

/**
 * Groups the batches of the objects a Lambda runs at once into one run: the detections stage hands
 * the engine the matched records of every object of the invocation's batch together, not one object
 * at a time. The engine's store round trips are per group and per alert, whatever the records: ten
 * objects of the same accounts run together cost one set of round trips, not ten.
 *
 * Each object holds a ticket (sinks/gathering.ts) from the moment it waits for its slot. The
 * gathering wave runs as soon as no ticket holder could still add to it without waiting on it or
 * on a failing SIEM: every running holder has joined it (a batch, or a batch in which nothing
 * matched), waits on the stage (its batches in flight fill its share, or it keeps its slot for
 * them), waits on another destination that retries (a failing SIEM delays its own objects, never
 * the detections of the others), or sends no more; and a holder still waiting for its slot is not
 * waited for when every running holder of its pool waits on the stage or on a failing destination
 * (no slot frees up before the wave runs, or before that destination recovers). A SIEM that
 * answers, however slowly, is waited for: the batch's later objects start as it is done with the
 * first ones, and join their wave. Never on a timer: a lone object's batch runs at once, and ten
 * objects of a batch make one wave.
 *
 * Guards: a wave that holds `maxItems` runs at once; one that waited `ceilingMs` for its holders
 * runs anyway (a holder that stopped reporting: a stalled S3 stream, a SIEM slow without failing);
 * one still gathering at the earliest deadline of its batches fails them with the deadline (they
 * run again from the stage's progress). Everyone who joined is answered by the run: it resolves,
 * or rejects with its error, for all of them (each caller then fails its own batch, which it runs
 * again from its own progress: the engine is idempotent per record). A wave runs while the next
 * one gathers.
 */
export interface WaveOptions {
  /**
   * A wave runs this long after its first batch joined even if a holder never reported. Gathering a
   * whole invocation's batch of ten objects takes about 0.1 s of CPU, 0.35 s of the 29 % of a vCPU a
   * 512 MB Lambda has, plus the S3 GETs' first bytes: the ceiling is over ten times that, so it
   * fires only for a holder that stopped reporting, and bounds the delay that adds to alerts.
   * Default: 5,000 ms.
   */
  readonly ceilingMs?: number;
  /** …or once it holds this many items. Default: 10,000. */
  readonly maxItems?: number;
  /**
   * Bytes of batches (the records' bytes) that objects which gave up their slot before the stage
   * answered may hold between them; an object whose batches would pass it keeps its slot until they
   * are answered. Default: 32 MiB (see DEFAULT_RELEASED_BYTES).
   */
  readonly releasedBytes?: number;
  /** Epoch ms, the clock of the batches' deadlines. Default: `Date.now`. */
  readonly now?: () => number;
}

export const DEFAULT_WAVE_CEILING_MS = 5_000;
export const DEFAULT_WAVE_MAX_ITEMS = 10_000;
/**
 * A sixteenth of the forwarder's default 512 MB. Forwarding alone peaks at about 220 MiB of RSS
 * (BENCHMARKS.md, a 1 GiB object to two destinations); records held in batches cost about twice
 * their bytes in the heap (the record objects, the chunks they are views of), so 32 MiB of them is
 * about 64 MiB more, leaving the heap (461 MB at 512 MB) room to collect. An invocation's batch of ten
 * typical objects (1.1 MB each, one stage batch of 1,000 records) holds about 11 MB: it fits whole.
 */
export const DEFAULT_RELEASED_BYTES = 32 * 1024 * 1024;

/** Code of the error a wave's batches fail with when their deadline came before the wave could run. */
export const WAVE_DEADLINE = 'DETECTIONS_WAVE_DEADLINE';

export interface JoinOptions {
  /** The joiner's ticket (`Waves.ticket`); without one it joins as an object that sends no more. */
  readonly ticket?: GatherTicket;
  /** Bytes the joined batch holds until the wave answers it (counted against `releasedBytes`). */
  readonly bytes?: number;
  /** Epoch ms: the wave runs before this or fails the batch. Default: none. */
  readonly deadline?: number;
}

interface Wave<T> {
  readonly items: T[];
  /** Batches that joined with items: a wave of none does not run. */
  joiners: number;
  firstJoinAtMs: number;
  deadline: number;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type Phase = 'waiting' | 'running' | 'released';

/** A ticket holder: one object of the invocation. */
class Holder implements GatherTicket {
  phase: Phase;
  sending = true;
  /** Its batches in flight fill its share. */
  inFlightFull = false;
  /** It keeps its slot until its batches are answered. */
  slotKept = false;
  /** How many of its other destinations, in trouble, it waits on (GatherTicket.waitsElsewhere). */
  waitsOnOthers = 0;
  /** The wave gathering when this holder last joined one. */
  joined: Wave<unknown> | undefined;
  /** Bytes of its batches in waves not yet answered. */
  heldBytes = 0;
  /** Gave up its slot while holding batches: their bytes count in the budget. */
  early = false;

  constructor(
    private readonly waves: Waves<unknown>,
    readonly pool: object | undefined,
  ) {
    this.phase = pool === undefined ? 'running' : 'waiting';
  }

  owner(): Waves<unknown> {
    return this.waves;
  }

  started(): void {
    if (this.phase === 'waiting') this.phase = 'running';
  }

  blocked(waiting: boolean): void {
    this.inFlightFull = waiting;
    if (waiting) this.waves.changed();
  }

  waitsElsewhere(waiting: boolean): void {
    this.waitsOnOthers = Math.max(0, this.waitsOnOthers + (waiting ? 1 : -1));
    if (waiting) this.waves.changed();
  }

  /** Whether it reads nothing until the stage or a failing destination answers. */
  waits(): boolean {
    return this.inFlightFull || this.waitsOnOthers > 0;
  }

  /** Whether it keeps its slot until the stage or a failing destination answers (so do the objects waiting for it). */
  holdsSlot(): boolean {
    return this.waits() || this.slotKept;
  }

  leave(): void {
    if (!this.sending) return;
    this.sending = false;
    this.waves.changed();
  }

  mayReleaseSlot(): boolean {
    if (this.waves.mayRelease(this)) return true;
    this.slotKept = true;
    this.waves.changed();
    return false;
  }

  released(): void {
    if (this.phase === 'released') return;
    this.phase = 'released';
    this.waves.changed();
  }

  end(): void {
    this.sending = false;
    this.phase = 'released';
    this.waves.drop(this);
  }
}

export class Waves<T> {
  private gathering: Wave<T> | undefined;
  private readonly holders = new Set<Holder>();
  private releasedBytesHeld = 0;
  private checkQueued = false;
  private readonly ceilingMs: number;
  private readonly maxItems: number;
  private readonly releasedBytes: number;
  private readonly now: () => number;

  constructor(
    private readonly run: (items: T[]) => Promise<void>,
    options: WaveOptions = {},
  ) {
    this.ceilingMs = Math.max(0, options.ceilingMs ?? DEFAULT_WAVE_CEILING_MS);
    this.maxItems = Math.max(1, options.maxItems ?? DEFAULT_WAVE_MAX_ITEMS);
    this.releasedBytes = Math.max(0, options.releasedBytes ?? DEFAULT_RELEASED_BYTES);
    this.now = options.now ?? Date.now;
  }

  /**
   * A ticket for an object of the invocation. `pool`: the slots it waits for (ObjectSlots); without
   * one, it is running at once.
   */
  ticket(pool?: object): GatherTicket {
    const holder = new Holder(this as Waves<unknown>, pool);
    this.holders.add(holder);
    return holder;
  }

  /**
   * Adds `items` to the wave gathering now; settles when that wave has run (at once when `items` is
   * empty: the holder only says it has reached this wave, which then does not wait for it).
   */
  join(items: readonly T[], options: JoinOptions = {}): Promise<void> {
    const wave = this.gathering ?? this.open();
    const holder = this.own(options.ticket);
    if (holder) holder.joined = wave as Wave<unknown>;
    if (items.length === 0) {
      this.changed();
      return Promise.resolve();
    }
    for (let i = 0; i < items.length; i += 1) wave.items.push(items[i]);
    wave.joiners += 1;
    if (wave.joiners === 1) wave.firstJoinAtMs = this.now();
    if (options.deadline !== undefined) wave.deadline = Math.min(wave.deadline, options.deadline);
    const bytes = options.bytes ?? 0;
    if (holder && bytes > 0) {
      holder.heldBytes += bytes;
      // Not expected (an object is asked once it has handed over its last batch), but kept exact.
      if (holder.early) this.releasedBytesHeld += bytes;
      const answered = () => {
        holder.heldBytes -= bytes;
        if (holder.early) this.releasedBytesHeld -= bytes;
      };
      wave.done.then(answered, answered);
    }
    if (wave.items.length >= this.maxItems) this.start(wave);
    else {
      this.arm(wave);
      this.changed();
    }
    return wave.done;
  }

  /** Something a wave may wait on changed: see whether the gathering one can run, once this turn's changes are in. */
  changed(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    queueMicrotask(() => {
      this.checkQueued = false;
      const wave = this.gathering;
      if (wave && wave.joiners > 0 && this.nobodyToWaitFor(wave)) this.start(wave);
    });
  }

  mayRelease(holder: Holder): boolean {
    if (holder.heldBytes === 0) return true;
    if (holder.early) return true;
    if (this.releasedBytesHeld + holder.heldBytes > this.releasedBytes) return false;
    holder.early = true;
    this.releasedBytesHeld += holder.heldBytes;
    return true;
  }

  drop(holder: Holder): void {
    if (this.holders.delete(holder)) this.changed();
  }

  private own(ticket: GatherTicket | undefined): Holder | undefined {
    return ticket instanceof Holder && ticket.owner() === (this as Waves<unknown>) ? ticket : undefined;
  }

  /**
   * Whether every holder has joined `wave`, waits (on the stage or a failing destination), sends no
   * more, or waits for a slot that only the wave or a failing destination can free.
   */
  private nobodyToWaitFor(wave: Wave<T>): boolean {
    for (const holder of this.holders) {
      if (holder.phase === 'running') {
        if (holder.sending && !holder.waits() && holder.joined !== (wave as Wave<unknown>)) return false;
      } else if (holder.phase === 'waiting' && !this.slotsHeld(holder.pool)) return false;
    }
    return true;
  }

  /** Whether every running holder of `pool` keeps its slot until the stage or a failing destination answers. */
  private slotsHeld(pool: object | undefined): boolean {
    for (const holder of this.holders)
      if (holder.pool === pool && holder.phase === 'running' && !holder.holdsSlot()) return false;
    return true;
  }

  private open(): Wave<T> {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    const wave: Wave<T> = {
      items: [],
      joiners: 0,
      firstJoinAtMs: 0,
      deadline: Number.POSITIVE_INFINITY,
      done,
      resolve,
      reject,
      timer: undefined,
    };
    this.gathering = wave;
    return wave;
  }

  /** The guard: the ceiling after the first batch joined, or the earliest deadline of its batches. */
  private arm(wave: Wave<T>): void {
    if (wave.timer !== undefined) clearTimeout(wave.timer);
    const at = Math.min(wave.firstJoinAtMs + this.ceilingMs, wave.deadline);
    wave.timer = setTimeout(() => this.guard(wave), Math.max(0, at - this.now()));
  }

  private guard(wave: Wave<T>): void {
    wave.timer = undefined;
    if (this.gathering !== wave) return;
    if (this.now() < wave.deadline) {
      this.start(wave);
      return;
    }
    this.gathering = undefined;
    wave.reject(
      new SluiceError(
        WAVE_DEADLINE,
        'the deadline came before every object running at once had reached the wave',
      ),
    );
  }

  private start(wave: Wave<T>): void {
    if (wave.timer !== undefined) clearTimeout(wave.timer);
    wave.timer = undefined;
    if (this.gathering !== wave) return;
    this.gathering = undefined;
    Promise.resolve()
      .then(() => this.run(wave.items))
      .then(wave.resolve, wave.reject);
  }
}
