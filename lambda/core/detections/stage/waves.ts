/**
 * Groups work that arrives at about the same time into one run: the detections stage hands the
 * engine the matched records of every object the forwarder reads at once (an invocation's batch of
 * notifications), not one object at a time. The engine's store round trips are per group and per
 * alert, whatever the records: ten objects of the same accounts run together cost one set of round
 * trips, not ten, and each group's stored window is read once, not once per object.
 *
 * A wave runs once no item joined for `quietMs`, or `maxLingerMs` after its first item, or as soon as
 * it holds `maxItems`. Everyone who joined is answered by the run: it resolves, or rejects with its
 * error, for all of them (each caller then fails its own batch, which it runs again from its own
 * progress: the engine is idempotent per record). A wave runs while the next one gathers.
 */
export interface WaveOptions {
  /**
   * A wave runs when nothing joined it for this long (objects read from S3 at once finish tens of
   * milliseconds apart). Default: 25 ms.
   */
  readonly quietMs?: number;
  /** …or this long after its first item, however busy. Default: 100 ms. */
  readonly maxLingerMs?: number;
  /** …or once it holds this many items. Default: 10,000. */
  readonly maxItems?: number;
}

export const DEFAULT_WAVE_QUIET_MS = 25;
export const DEFAULT_WAVE_MAX_LINGER_MS = 100;
export const DEFAULT_WAVE_MAX_ITEMS = 10_000;

interface Wave<T> {
  readonly items: T[];
  readonly openedAtMs: number;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Waves<T> {
  private gathering: Wave<T> | undefined;
  private readonly quietMs: number;
  private readonly maxLingerMs: number;
  private readonly maxItems: number;

  constructor(
    private readonly run: (items: T[]) => Promise<void>,
    options: WaveOptions = {},
  ) {
    this.quietMs = Math.max(0, options.quietMs ?? DEFAULT_WAVE_QUIET_MS);
    this.maxLingerMs = Math.max(this.quietMs, options.maxLingerMs ?? DEFAULT_WAVE_MAX_LINGER_MS);
    this.maxItems = Math.max(1, options.maxItems ?? DEFAULT_WAVE_MAX_ITEMS);
  }

  /** Adds `items` to the wave gathering now; settles when that wave has run. */
  join(items: readonly T[]): Promise<void> {
    const wave = this.gathering ?? this.open();
    for (let i = 0; i < items.length; i += 1) wave.items.push(items[i]);
    if (wave.items.length >= this.maxItems) this.start(wave);
    else this.schedule(wave);
    return wave.done;
  }

  private open(): Wave<T> {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    const wave: Wave<T> = { items: [], openedAtMs: Date.now(), done, resolve, reject, timer: undefined };
    this.gathering = wave;
    return wave;
  }

  /** (Re)arms the wave's timer: quiet for `quietMs`, never past `maxLingerMs` after it opened. */
  private schedule(wave: Wave<T>): void {
    if (wave.timer !== undefined) clearTimeout(wave.timer);
    const left = wave.openedAtMs + this.maxLingerMs - Date.now();
    wave.timer = setTimeout(() => this.start(wave), Math.max(0, Math.min(this.quietMs, left)));
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
