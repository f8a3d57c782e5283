import { detectAckIdReuse, type SendMark } from './ack-reuse';
import { HeldAcks, type RequestEnd } from './held-acks';

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

/**
 * Why a `true` HEC answered was not trusted (its events are sent again, a duplicate by design):
 * - `request-unanswered`: read while an event request of the channel was in flight that then got no
 *   answer (see held-acks.ts);
 * - `ackid-reused`: held for the requests in flight, one of whose answers showed the channel's count
 *   started again (see ack-reuse.ts);
 * - `query-outdated`: the wait the query asked about was given up, or replaced by a newer request given
 *   the same ackId, before the answer was read;
 * - `sink-closed`: held when the sink closed.
 */
export type AckDistrust = 'request-unanswered' | 'ackid-reused' | 'query-outdated' | 'sink-closed';

/** A `true` read from HEC that confirmed nothing. */
export interface DistrustedAck {
  readonly ackId: number;
  readonly why: AckDistrust;
  /** What happened, for operators (names the request or the reuse). */
  readonly reason: string;
}

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
  /** Told of every `true` read from HEC that confirmed nothing (its events are resent). Default: none. */
  readonly onDistrusted?: (distrusted: DistrustedAck) => void;
}

interface Waiter {
  readonly ackId: number;
  /** Its place in the order of registration (see SendMark). */
  readonly registered: number;
  /** Its request's mark: which requests left after it (see taintByUnanswered). */
  readonly sent: SendMark;
  /**
   * Why a `true` for it cannot be trusted, once a later request that a restarted indexer may have
   * given its ackId ended without an answer (see taintByUnanswered).
   */
  taint?: string;
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
 * A `true` read while event requests are in flight waits for their answers, which may reveal that reuse
 * (see held-acks.ts).
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
  /** Event requests in flight, and the `true`s read meanwhile that wait for them (see held-acks.ts). */
  private readonly held = new HeldAcks<Waiter>();

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

  /**
   * Taken when an event request leaves. Every mark must end: given to `wait` with the ackId of its
   * answer, or to `ended` when there is none. Until then the request counts as in flight, and a `true`
   * read meanwhile is held for it.
   */
  mark(): SendMark {
    const alongside = this.held.inFlight;
    return { highest: this.highest, registered: this.registered, request: this.held.leave(), alongside };
  }

  /**
   * The request of `sent` ended without an ackId. `answered`: HEC answered without one (busy, refused…)
   * or never got the request (connection refused). `unanswered`: no answer (reset, timeout), so HEC may
   * have numbered it, with a reused id: the `true`s held for it are not trusted. `reason` names why.
   */
  ended(sent: SendMark, how: RequestEnd, reason = 'no answer'): void {
    this.finish(sent.request, how, reason);
  }

  /**
   * Waits until HEC acknowledges `ackId`, it times out, the deadline comes, or querying fails. `sent` is
   * the mark taken when its request left (default: now, i.e. after every ackId registered so far). Call
   * it as soon as the answer is read: until then a `true` for a reused id could confirm an older wait.
   */
  wait(ackId: number, deadline: number, sent: SendMark = this.mark()): Promise<AckVerdict> {
    if (this.closed) {
      this.held.end(sent.request, 'answered');
      return Promise.resolve({
        status: 'failed',
        code: 'DESTINATION_CLOSED',
        message: 'the sink was closed',
      });
    }
    const twin = this.waiters.get(ackId);
    const reuse = detectAckIdReuse(ackId, sent, twin);
    if (reuse) {
      // A `true` held for the twin was read from HEC, which forgets an id once it answered `true`: if
      // that `true` was this request's, its id never reads `true` again.
      const consumed = twin !== undefined && this.held.isHeld(twin);
      // Any id awaited now may be handed out again by the new count: none of their `true`s can be trusted.
      const reason = `${reuse.reason}: the indexer restarted, or another indexer took the channel`;
      this.loseAll(reason);
      this.highest = ackId;
      if (reuse.includesNew || consumed) {
        this.finish(sent.request, 'answered', reason);
        return Promise.resolve(this.lost(deadline, reason));
      }
    } else {
      this.highest = Math.max(this.highest, ackId);
    }
    const registered = this.registered;
    this.registered += 1;
    const sentAt = this.options.now();
    const verdict = new Promise<AckVerdict>((settle) => {
      this.waiters.set(ackId, {
        ackId,
        registered,
        sent,
        sentAt,
        timeoutAt: sentAt + this.options.timeoutMs,
        deadline,
        settle,
      });
    });
    this.finish(sent.request, 'answered', 'answered');
    // Its deadline may come before the loop's next wake-up.
    this.wake?.();
    this.start();
    return verdict;
  }

  /** Gives up every wait (the sink is closing). */
  close(): void {
    this.closed = true;
    for (const waiter of [...this.waiters.values()]) {
      if (this.held.isHeld(waiter)) this.distrust(waiter.ackId, 'sink-closed', 'the sink was closed');
      this.settle(waiter, { status: 'failed', code: 'DESTINATION_CLOSED', message: 'the sink was closed' });
    }
    this.wake?.();
  }

  /** The request ended: the `true`s held for it are applied once nothing else holds them, or given up. */
  private finish(request: number, how: RequestEnd, reason: string): void {
    const { released, distrusted } = this.held.end(request, how);
    if (how === 'unanswered') this.taintByUnanswered(request, reason);
    for (const waiter of released) this.settle(waiter, { status: 'acknowledged' });
    for (const waiter of distrusted) {
      const why = `HEC answered true for ackId ${waiter.ackId} while an event request was in flight that got no answer (${reason}): a restarted indexer may have given that request this ackId`;
      this.distrust(waiter.ackId, 'request-unanswered', why);
      this.settle(waiter, this.lost(waiter.deadline, why));
    }
  }

  /**
   * A request that ended without an answer may have been given, by an indexer restarted after a wait's
   * request was numbered, that wait's very ackId; no answer will say so, and a `true` read later for the
   * id may be the request's. The new count starts at 0 and numbers only requests that reached HEC after
   * the restart: at most those that left after the wait's request up to this one, and those in flight
   * beside it. A wait with an ackId above that (every wait, soon after a channel's cold start) cannot be
   * the one; a lower one is not confirmed by its `true`: its events are sent again.
   */
  private taintByUnanswered(request: number, reason: string): void {
    for (const waiter of this.waiters.values()) {
      if (waiter.sent.request === request || this.held.isHeld(waiter)) continue;
      const newCountReach = Math.max(0, request - waiter.sent.request - 1) + waiter.sent.alongside;
      if (waiter.ackId > newCountReach) continue;
      waiter.taint ??= `HEC answered true for ackId ${waiter.ackId} after an event request that left with or after its own got no answer (${reason}): a restarted indexer may have given that request this ackId`;
    }
  }

  /** Operators are told of every `true` that confirmed nothing: each one costs a resend. */
  private distrust(ackId: number, why: AckDistrust, reason: string): void {
    this.options.onDistrusted?.({ ackId, why, reason });
  }

  /** Ends `waiter` (if it is still the wait registered under its id) with `verdict`. */
  private settle(waiter: Waiter, verdict: AckVerdict): void {
    this.held.forget(waiter);
    if (this.waiters.get(waiter.ackId) !== waiter) return;
    this.waiters.delete(waiter.ackId);
    waiter.settle(verdict);
    // The loop may be idle, every wait left being held: it has one fewer (or none) to look after.
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
      // A held `true` is not asked about again (HEC forgot that id): it waits for requests in flight, each
      // ended within its own timeout, never past its deadline.
      const waiters = [...this.waiters.values()].filter((waiter) => !this.held.isHeld(waiter));
      if (waiters.length === 0) {
        await this.pause(Number.POSITIVE_INFINITY);
        continue;
      }
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
    const trues: Waiter[] = [];
    for (const waiter of asked) {
      const current = this.waiters.get(waiter.ackId);
      const answeredTrue = result.kind === 'statuses' && result.acknowledged.has(waiter.ackId);
      if (current !== waiter) {
        // The wait asked about was settled meanwhile (its id reused, the channel's count restarted). One
        // registered since under its id was not asked about, yet HEC may have answered for it (and
        // forgotten the id): that `true` confirms neither, and the new wait can no longer be confirmed.
        if (!answeredTrue) continue;
        const reason = current
          ? `HEC answered true for ackId ${waiter.ackId} to a query that asked about an earlier request given the same ackId`
          : `HEC answered true for ackId ${waiter.ackId} after its wait was given up`;
        this.distrust(waiter.ackId, 'query-outdated', reason);
        if (current) this.settle(current, this.lost(current.deadline, reason));
        continue;
      }
      if (failure) {
        this.settle(waiter, { status: 'failed', code: failure.code, message: failure.message });
      } else if (result.kind === 'channel-unknown') {
        this.settle(waiter, this.lost(waiter.deadline, result.reason));
      } else if (answeredTrue && waiter.taint) {
        this.distrust(waiter.ackId, 'request-unanswered', waiter.taint);
        this.settle(waiter, this.lost(waiter.deadline, waiter.taint));
      } else if (answeredTrue) {
        trues.push(waiter);
      }
    }
    // A request in flight may have been given one of these ids by a restarted indexer before HEC answered.
    if (!this.held.hold(trues)) for (const waiter of trues) this.settle(waiter, { status: 'acknowledged' });
    // The channel is new to HEC again: its count restarts at 0, below the ids of the waits it dropped.
    if (result.kind === 'channel-unknown')
      this.highest = Math.max(-1, ...[...this.waiters.values()].map((waiter) => waiter.ackId));
  }

  /** Every wait gives up: its events are sent again (or left to the next invocation near the deadline). */
  private loseAll(reason: string): void {
    for (const waiter of [...this.waiters.values()]) {
      if (this.held.isHeld(waiter)) this.distrust(waiter.ackId, 'ackid-reused', reason);
      this.settle(waiter, this.lost(waiter.deadline, reason));
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
      // HEC said `true`: the requests in flight decide (see held-acks.ts), not the clock.
      if (this.held.isHeld(waiter)) continue;
      const lastCall = this.lastCallMs(waiter.deadline);
      const reason = this.trouble ?? 'HEC still answered false';
      if (now >= waiter.deadline - lastCall) {
        this.settle(waiter, { status: 'deadline', reason });
      } else if (now >= waiter.timeoutAt) {
        // Sent again now, the events could not be acknowledged before the deadline (the next query
        // would come too late): the next invocation sends them instead, once.
        const tooLate = now + this.options.pollIntervalMs >= waiter.deadline - lastCall;
        this.settle(waiter, { status: tooLate ? 'deadline' : 'timeout', reason });
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
      // Nothing to wait for on the clock: only a wait, or a request's end, can change anything.
      if (ms === Number.POSITIVE_INFINITY) return;
      if (this.options.sleep) void this.options.sleep(ms).then(done);
      else timer = setTimeout(done, ms);
    });
  }
}
