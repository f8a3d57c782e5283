import { detectAckIdReuse, type SendMark } from './ack-reuse';

export type { SendMark } from './ack-reuse';

/** How the wait for one ackId ended. */
export type AckVerdict =
  | { readonly status: 'acknowledged' }
  /** Not acknowledged within the ack timeout: the events must be sent again. */
  | { readonly status: 'timeout'; readonly reason: string }
  /** The channel's ackIds started again (indexer restart…): no `true` can confirm these events; send them again. */
  | { readonly status: 'lost'; readonly reason: string }
  /** The deadline came first: the events are neither confirmed nor resent in this invocation. */
  | { readonly status: 'deadline'; readonly reason: string }
  /** Asking again cannot help (acknowledgement disabled, credentials refused…). */
  | { readonly status: 'failed'; readonly code: string; readonly message: string };

/** What one query of the ack endpoint found out about the ackIds it asked for. */
export type AckQueryResult =
  | { readonly kind: 'statuses'; readonly acknowledged: ReadonlySet<number> }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string }
  /**
   * HEC does not know the channel (code 11 "Invalid data channel"): an indexer restart or idle-channel
   * cleanup dropped it with its ackIds. `code` and `message` are the failure if it answers so twice running.
   */
  | {
      readonly kind: 'channel-unknown';
      readonly reason: string;
      readonly code: string;
      readonly message: string;
    };

/** Asks HEC about `ackIds` in one request that must be answered by `deadline`. Never throws. */
export type AckQuery = (ackIds: readonly number[], deadline: number) => Promise<AckQueryResult>;

export interface AckTrackerOptions {
  readonly query: AckQuery;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  /** Batches that may await acknowledgement at once; their records stay in memory meanwhile. */
  readonly maxPending: number;
  readonly now: () => number;
  /** Waits (tests make time virtual with it). Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface Waiter {
  readonly ackId: number;
  /** Its place in the order of registration (see SendMark). */
  readonly registered: number;
  readonly sentAt: number;
  readonly timeoutAt: number;
  readonly deadline: number;
  readonly settle: (verdict: AckVerdict) => void;
}

/** The final query before a deadline starts this long before it, at least (it must be answered in time). */
const MIN_LAST_CALL_MS = 1_000;
const LAST_CALL_FACTOR = 1.5;

/**
 * The ackIds of one channel that await acknowledgement, and the one loop that asks HEC about all of
 * them: every `pollIntervalMs`, one `POST /services/collector/ack` with every pending id. An id answered
 * `true` is acknowledged (HEC forgets it then: a lost answer means the id never reads `true` again, and
 * the events are resent). An id still pending `timeoutMs` after its events were accepted times out (its
 * events are resent: an indexer restart loses its ack state, so `true` may never come). Before a
 * deadline, one last query, then every id still pending is given up to the deadline. Busy or unreachable
 * answers are simply asked again at the next poll: the interval is the backoff. When the channel's count
 * starts again (an ackId reused, see ack-reuse.ts) or HEC no longer knows the channel (code 11), every
 * wait it concerns is lost at once: its events are sent again rather than confirmed by another's `true`.
 */
export class AckTracker {
  private readonly waiters = new Map<number, Waiter>();
  private running: Promise<void> | undefined;
  private lastPollAt = Number.NEGATIVE_INFINITY;
  /**
   * The slowest query asked for one deadline (one invocation), as RequestLatency keeps request
   * durations per invocation. Kept for the life of the environment, one slow query (a timeout, a
   * wait behind event requests) would move every later invocation's last query, and its giving up,
   * that much earlier: batches sent in that window would be given up right after HEC took them.
   */
  private slowestPoll = { deadline: Number.NaN, ms: 0 };
  /** Why the last query learnt nothing (busy, reset…), for the verdicts that give up. */
  private trouble: string | undefined;
  private wake: (() => void) | undefined;
  private inUse = 0;
  private readonly queue: (() => void)[] = [];
  private closed = false;
  /** The highest ackId registered since the channel's count last started again (-1: none). */
  private highest = -1;
  private registered = 0;
  /** `registered` when the last query was answered "Invalid data channel"; undefined if it was not. */
  private unknownChannelAt: number | undefined;

  constructor(private readonly options: AckTrackerOptions) {}

  /** ackIds awaiting acknowledgement. */
  get pending(): number {
    return this.waiters.size;
  }

  /** A place among the batches awaiting acknowledgement; `release()` it once the batch is settled. */
  async acquire(): Promise<void> {
    if (this.inUse < this.options.maxPending) {
      this.inUse += 1;
      return;
    }
    // The place passes straight from release() to the next in line.
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.inUse -= 1;
  }

  /** Taken when an event request leaves; given to `wait` with the ackId of its answer. */
  mark(): SendMark {
    return { highest: this.highest, registered: this.registered };
  }

  /**
   * Waits until HEC acknowledges `ackId`, it times out, the deadline comes, or querying fails. `sent` is
   * the mark taken when its request left (default: now, i.e. after every ackId registered so far). Call
   * it as soon as the answer is read: until then a `true` for a reused id could confirm an older wait.
   */
  wait(ackId: number, deadline: number, sent: SendMark = this.mark()): Promise<AckVerdict> {
    if (this.closed) {
      return Promise.resolve({
        status: 'failed',
        code: 'DESTINATION_CLOSED',
        message: 'the sink was closed',
      });
    }
    const reuse = detectAckIdReuse(ackId, sent, this.waiters.get(ackId));
    if (reuse) {
      // Any id awaited now may be handed out again by the new count: none of their `true`s can be trusted.
      const reason = `${reuse.reason}: the indexer restarted, or another indexer took the channel`;
      this.loseAll(reason);
      this.highest = ackId;
      if (reuse.includesNew) return Promise.resolve(this.lost(deadline, reason));
    } else {
      this.highest = Math.max(this.highest, ackId);
    }
    const registered = this.registered;
    this.registered += 1;
    const sentAt = this.options.now();
    return new Promise<AckVerdict>((settle) => {
      this.waiters.set(ackId, {
        ackId,
        registered,
        sentAt,
        timeoutAt: sentAt + this.options.timeoutMs,
        deadline,
        settle,
      });
      // Its deadline may come before the loop's next wake-up.
      this.wake?.();
      this.start();
    });
  }

  /** Gives up every wait (the sink is closing). */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.values())
      waiter.settle({ status: 'failed', code: 'DESTINATION_CLOSED', message: 'the sink was closed' });
    this.waiters.clear();
    this.wake?.();
  }

  private start(): void {
    if (this.running) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      // A wait may have begun after the loop's last look and before this callback.
      if (this.waiters.size > 0) this.start();
    });
  }

  private async run(): Promise<void> {
    while (this.waiters.size > 0) {
      const now = this.options.now();
      const waiters = [...this.waiters.values()];
      const pollAt =
        Math.max(this.lastPollAt, Math.min(...waiters.map((waiter) => waiter.sentAt))) +
        this.options.pollIntervalMs;
      const deadline = Math.min(...waiters.map((waiter) => waiter.deadline));
      const lastCallAt = deadline - this.lastCallMs(deadline);
      const timeoutAt = Math.min(...waiters.map((waiter) => waiter.timeoutAt));
      if (now >= pollAt || now >= lastCallAt) {
        await this.poll(waiters);
      } else if (now < timeoutAt) {
        await this.pause(Math.min(pollAt, lastCallAt, timeoutAt) - now);
        continue;
      }
      this.settleOverdue();
    }
  }

  /** How long before `deadline` the last query starts: half as long again as the slowest one for it. */
  private lastCallMs(deadline: number): number {
    const slowest = this.slowestPoll.deadline === deadline ? this.slowestPoll.ms : 0;
    return Math.max(MIN_LAST_CALL_MS, LAST_CALL_FACTOR * slowest);
  }

  private async poll(asked: readonly Waiter[]): Promise<void> {
    const started = this.options.now();
    const deadline = Math.min(...asked.map((waiter) => waiter.deadline));
    // No request starts after a deadline: the waits of that invocation are over.
    if (started >= deadline) return;
    const result = await this.options.query(
      asked.map((waiter) => waiter.ackId),
      deadline,
    );
    const finished = this.options.now();
    const slowest = this.slowestPoll.deadline === deadline ? this.slowestPoll.ms : 0;
    this.slowestPoll = { deadline, ms: Math.max(slowest, finished - started) };
    this.lastPollAt = finished;
    if (result.kind === 'unavailable') {
      this.trouble = result.reason;
      return;
    }
    this.trouble = undefined;
    // Once, the channel died with an indexer. Twice running, with an event answer read in between (HEC
    // took events on the channel, re-creating it), the queries reach an indexer that never took them.
    const unknownAgain =
      result.kind === 'channel-unknown' &&
      this.unknownChannelAt !== undefined &&
      this.registered > this.unknownChannelAt;
    this.unknownChannelAt = result.kind === 'channel-unknown' ? this.registered : undefined;
    const failure = result.kind === 'failed' || unknownAgain ? result : undefined;
    for (const waiter of asked) {
      // A wait settled meanwhile (its id reused, the channel's count restarted) is not the one this answer is about.
      if (this.waiters.get(waiter.ackId) !== waiter) continue;
      if (failure) {
        this.waiters.delete(waiter.ackId);
        waiter.settle({ status: 'failed', code: failure.code, message: failure.message });
      } else if (result.kind === 'channel-unknown') {
        this.waiters.delete(waiter.ackId);
        waiter.settle(this.lost(waiter.deadline, result.reason));
      } else if (result.kind === 'statuses' && result.acknowledged.has(waiter.ackId)) {
        this.waiters.delete(waiter.ackId);
        waiter.settle({ status: 'acknowledged' });
      }
    }
    // The channel is new to HEC again: its count restarts at 0, below the ids of the waits it dropped.
    if (result.kind === 'channel-unknown')
      this.highest = Math.max(-1, ...[...this.waiters.values()].map((waiter) => waiter.ackId));
  }

  /** Every wait gives up: its events are sent again (or left to the next invocation near the deadline). */
  private loseAll(reason: string): void {
    for (const waiter of [...this.waiters.values()]) {
      this.waiters.delete(waiter.ackId);
      waiter.settle(this.lost(waiter.deadline, reason));
    }
  }

  /** `lost`, unless a resend could no longer be acknowledged before the deadline (as for a timeout). */
  private lost(deadline: number, reason: string): AckVerdict {
    const tooLate = this.options.now() + this.options.pollIntervalMs >= deadline - this.lastCallMs(deadline);
    return tooLate ? { status: 'deadline', reason } : { status: 'lost', reason };
  }

  private settleOverdue(): void {
    const now = this.options.now();
    for (const waiter of [...this.waiters.values()]) {
      const lastCall = this.lastCallMs(waiter.deadline);
      const reason = this.trouble ?? 'HEC still answered false';
      if (now >= waiter.deadline - lastCall) {
        this.waiters.delete(waiter.ackId);
        waiter.settle({ status: 'deadline', reason });
      } else if (now >= waiter.timeoutAt) {
        this.waiters.delete(waiter.ackId);
        // Sent again now, the events could not be acknowledged before the deadline (the next query
        // would come too late): the next invocation sends them instead, once.
        const tooLate = now + this.options.pollIntervalMs >= waiter.deadline - lastCall;
        waiter.settle({ status: tooLate ? 'deadline' : 'timeout', reason });
      }
    }
  }

  /** Sleeps until `ms` have passed or a new wait needs an earlier look. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (this.wake !== done) return;
        this.wake = undefined;
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.wake = done;
      if (this.options.sleep) void this.options.sleep(ms).then(done);
      else timer = setTimeout(done, ms);
    });
  }
}
