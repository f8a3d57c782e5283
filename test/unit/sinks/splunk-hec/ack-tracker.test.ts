import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AckTracker,
  type AckQueryResult,
  type AckVerdict,
  type AckTrackerOptions,
  type DistrustedAck,
  type SendMark,
} from '../../../../lambda/core/sinks/splunk-hec/ack-tracker';

/** Time that moves only when the tracker sleeps. */
function virtualClock(start = 1_000_000) {
  let time = start;
  return {
    now: () => time,
    sleep: async (ms: number) => {
      time += ms;
    },
  };
}

/** A query that answers from `answers` in turn (then the last again), recording what it was asked and when. */
function scriptedQuery(clock: { now: () => number }, answers: AckQueryResult[]) {
  const asked: { at: number; ids: number[] }[] = [];
  let turn = 0;
  const query = async (ids: readonly number[]): Promise<AckQueryResult> => {
    asked.push({ at: clock.now(), ids: [...ids] });
    const answer = answers[Math.min(turn, answers.length - 1)];
    turn += 1;
    return answer;
  };
  return { asked, query };
}

const statuses = (...ids: number[]): AckQueryResult => ({ kind: 'statuses', acknowledged: new Set(ids) });
const NOTHING = statuses();

function tracker(
  clock: ReturnType<typeof virtualClock>,
  query: AckTrackerOptions['query'],
  options: Partial<AckTrackerOptions> = {},
) {
  return new AckTracker({
    query,
    pollIntervalMs: 10_000,
    timeoutMs: 120_000,
    maxPending: 4,
    now: clock.now,
    sleep: clock.sleep,
    ...options,
  });
}

describe('AckTracker', () => {
  const start = 1_000_000;
  const farDeadline = start + 3_600_000;

  it('asks for every pending ackId in one query per interval; acknowledged ones settle', async () => {
    const clock = virtualClock(start);
    const { asked, query } = scriptedQuery(clock, [statuses(0, 2), statuses(1)]);
    const acks = tracker(clock, query);
    const verdicts = await Promise.all([0, 1, 2].map((id) => acks.wait(id, farDeadline)));
    assert.deepEqual(
      verdicts.map((verdict) => verdict.status),
      ['acknowledged', 'acknowledged', 'acknowledged'],
    );
    assert.deepEqual(asked, [
      { at: start + 10_000, ids: [0, 1, 2] },
      { at: start + 20_000, ids: [1] },
    ]);
    assert.equal(acks.pending, 0);
  });

  it('stops asking once nothing is pending', async () => {
    const clock = virtualClock(start);
    const { asked, query } = scriptedQuery(clock, [statuses(0)]);
    const acks = tracker(clock, query);
    await acks.wait(0, farDeadline);
    await clock.sleep(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(asked.length, 1);
  });

  it('an ackId still false after the ack timeout times out (its events are to be sent again)', async () => {
    const clock = virtualClock(start);
    const { asked, query } = scriptedQuery(clock, [NOTHING]);
    const acks = tracker(clock, query, { pollIntervalMs: 10_000, timeoutMs: 35_000 });
    const verdict = await acks.wait(5, farDeadline);
    assert.deepEqual(verdict, { status: 'timeout', reason: 'HEC still answered false' });
    assert.equal(clock.now(), start + 35_000);
    assert.deepEqual(
      asked.map((question) => question.at - start),
      [10_000, 20_000, 30_000],
    );
  });

  it('before a deadline: one last query, then what is still pending gives up to the deadline', async () => {
    const clock = virtualClock(start);
    const { asked, query } = scriptedQuery(clock, [NOTHING]);
    const acks = tracker(clock, query);
    const deadline = start + 25_000;
    const verdict = await acks.wait(0, deadline);
    assert.equal(verdict.status, 'deadline');
    // Polls at +10 s and +20 s, and the last call 1 s before the deadline.
    assert.deepEqual(
      asked.map((question) => question.at - start),
      [10_000, 20_000, 24_000],
    );
    assert.ok(clock.now() < deadline, 'settled before the deadline');
  });

  it('an ack timeout too close to the deadline gives up instead of resending (the next invocation will)', async () => {
    const clock = virtualClock(start);
    const { query } = scriptedQuery(clock, [NOTHING]);
    const acks = tracker(clock, query, { pollIntervalMs: 10_000, timeoutMs: 35_000 });
    // Timed out at +35 s; a resend's first query would come at +45 s, after the last call (+39 s).
    const verdict = await acks.wait(0, start + 40_000);
    assert.equal(verdict.status, 'deadline');
    assert.equal(clock.now(), start + 35_000);
  });

  it('a slow query in one invocation does not move the next invocation’s last query earlier', async () => {
    const clock = virtualClock(start);
    const busy: AckQueryResult = { kind: 'unavailable', reason: 'timeout' };
    const answers = [busy, statuses(0), NOTHING, statuses(1)];
    const asked: number[] = [];
    const acks = tracker(clock, async () => {
      asked.push(clock.now());
      // The first query waits out a 30 s request timeout; the others are answered at once.
      if (asked.length === 1) await clock.sleep(30_000);
      return answers[asked.length - 1];
    });
    assert.equal((await acks.wait(0, start + 200_000)).status, 'acknowledged');

    // The next invocation: 40 s to its deadline. One slow query 1.5 times over (45 s) is not its
    // business: asked at once and given up, the batch would be sent again although HEC indexes it.
    const next = clock.now();
    assert.equal((await acks.wait(1, next + 40_000)).status, 'acknowledged');
    assert.deepEqual(
      asked.slice(2).map((at) => at - next),
      [10_000, 20_000],
    );
  });

  it('the last query can still acknowledge', async () => {
    const clock = virtualClock(start);
    const { query } = scriptedQuery(clock, [NOTHING, NOTHING, statuses(0)]);
    const acks = tracker(clock, query);
    assert.equal((await acks.wait(0, start + 25_000)).status, 'acknowledged');
  });

  it('a busy endpoint is asked again at the next interval; the trouble is named if it times out', async () => {
    const clock = virtualClock(start);
    const busy: AckQueryResult = { kind: 'unavailable', reason: 'HEC 503 code 9: Server is busy' };
    const { asked, query } = scriptedQuery(clock, [busy, busy, statuses(0)]);
    const acks = tracker(clock, query);
    assert.equal((await acks.wait(0, farDeadline)).status, 'acknowledged');
    assert.equal(asked.length, 3);

    const always = scriptedQuery(clock, [busy]);
    const stuck = tracker(clock, always.query, { timeoutMs: 25_000 });
    assert.deepEqual(await stuck.wait(0, farDeadline), {
      status: 'timeout',
      reason: 'HEC 503 code 9: Server is busy',
    });
  });

  it('a query that fails for good (ACK disabled) fails every wait with its code', async () => {
    const clock = virtualClock(start);
    const { query } = scriptedQuery(clock, [
      { kind: 'failed', code: 'HEC_ACK_DISABLED', message: 'HEC 400 code 14: ACK is disabled' },
    ]);
    const acks = tracker(clock, query);
    const verdicts = await Promise.all([acks.wait(0, farDeadline), acks.wait(1, farDeadline)]);
    for (const verdict of verdicts) {
      assert.deepEqual(verdict, {
        status: 'failed',
        code: 'HEC_ACK_DISABLED',
        message: 'HEC 400 code 14: ACK is disabled',
      });
    }
  });

  it('the same ackId issued again (another indexer took over the channel): the earlier wait is lost at once', async () => {
    const clock = virtualClock(start);
    const { asked, query } = scriptedQuery(clock, [statuses(0)]);
    const acks = tracker(clock, query);
    const earlier = acks.wait(0, farDeadline);
    const later = acks.wait(0, farDeadline);
    assert.deepEqual(await earlier, {
      status: 'lost',
      reason:
        'ackId 0 came after ackId 0 on the same channel: the indexer restarted, or another indexer took the channel',
    });
    assert.equal((await later).status, 'acknowledged');
    assert.deepEqual(asked[0].ids, [0], 'only the later one is asked about');
  });

  it('an indexer restart: the first lower ackId settles every older wait as lost, before a `true` for a reused id can confirm it', async () => {
    const clock = virtualClock(start);
    // After the restart HEC numbers 0, 1… again: by the first query it took 6 requests, and 0 and 5 are
    // indexed. That 5 is not the old one's 5, whose events died with the indexer.
    const { asked, query } = scriptedQuery(clock, [statuses(0, 5)]);
    const acks = tracker(clock, query);
    const old = acks.wait(5, farDeadline);
    const restarted = acks.wait(0, farDeadline, acks.mark());
    assert.deepEqual(await old, {
      status: 'lost',
      reason:
        'ackId 0 came after ackId 5 on the same channel: the indexer restarted, or another indexer took the channel',
    });
    assert.equal((await restarted).status, 'acknowledged');
    assert.deepEqual(asked[0].ids, [0], 'the old 5 is never asked about again');
  });

  it('answers read out of order (two requests in flight together) are not a restart', async () => {
    const clock = virtualClock(start);
    const { query } = scriptedQuery(clock, [statuses(6, 7)]);
    const acks = tracker(clock, query);
    // Both left before either answer was read; HEC numbered them 6 and 7, the 7 was read first.
    const sent = acks.mark();
    const verdicts = await Promise.all([acks.wait(7, farDeadline, sent), acks.wait(6, farDeadline, sent)]);
    assert.deepEqual(
      verdicts.map((verdict) => verdict.status),
      ['acknowledged', 'acknowledged'],
    );
  });

  it('the same ackId for two requests in flight together: neither `true` can be trusted, both are lost', async () => {
    const clock = virtualClock(start);
    const { asked, query } = scriptedQuery(clock, [statuses(3)]);
    const acks = tracker(clock, query);
    const sent = acks.mark();
    const first = acks.wait(3, farDeadline, sent);
    const second = acks.wait(3, farDeadline, sent);
    assert.equal((await first).status, 'lost');
    assert.deepEqual(await second, {
      status: 'lost',
      reason:
        'ackId 3 was given to two requests in flight together: the indexer restarted, or another indexer took the channel',
    });
    assert.equal(asked.length, 0, 'nothing left to ask about');
  });

  it('a restart noticed too close to the deadline for a resend to be confirmed: the waits give up to the deadline', async () => {
    const clock = virtualClock(start);
    const acks = tracker(clock, scriptedQuery(clock, [NOTHING]).query);
    const deadline = start + 5_000;
    const old = acks.wait(5, deadline);
    void acks.wait(0, deadline, acks.mark());
    assert.equal((await old).status, 'deadline');
  });

  it('HEC no longer knows the channel (code 11 after a restart): the waits asked about are lost at once, the new channel counts from 0', async () => {
    const clock = virtualClock(start);
    const unknown: AckQueryResult = {
      kind: 'channel-unknown',
      reason: 'HEC 400 code 11: Invalid data channel (no longer known)',
      code: 'HEC_REQUEST_REJECTED',
      message: 'twice running',
    };
    const { asked, query } = scriptedQuery(clock, [unknown, statuses(0)]);
    const acks = tracker(clock, query);
    const verdict = await acks.wait(41, farDeadline);
    assert.deepEqual(verdict, { status: 'lost', reason: unknown.reason });
    assert.equal(clock.now(), start + 10_000, 'at the first query, not after the ack timeout');
    // Sent again, the events re-create the channel: its first ackId is 0 again, and no restart.
    assert.equal((await acks.wait(0, farDeadline, acks.mark())).status, 'acknowledged');
    assert.deepEqual(
      asked.map((question) => question.ids),
      [[41], [0]],
    );
  });

  it('code 11 twice running (the queries reach an indexer that never took the events): the waits fail', async () => {
    const clock = virtualClock(start);
    const unknown: AckQueryResult = {
      kind: 'channel-unknown',
      reason: 'unknown channel',
      code: 'HEC_REQUEST_REJECTED',
      message: 'enable sticky sessions',
    };
    const { query } = scriptedQuery(clock, [unknown]);
    const acks = tracker(clock, query);
    assert.equal((await acks.wait(0, farDeadline)).status, 'lost');
    assert.deepEqual(await acks.wait(0, farDeadline, acks.mark()), {
      status: 'failed',
      code: 'HEC_REQUEST_REJECTED',
      message: 'enable sticky sessions',
    });
  });

  it('code 11 again before HEC took any event on the channel (a wait from before the restart): still a restart, sent again', async () => {
    const clock = virtualClock(start);
    const unknown: AckQueryResult = {
      kind: 'channel-unknown',
      reason: 'unknown channel',
      code: 'HEC_REQUEST_REJECTED',
      message: 'enable sticky sessions',
    };
    let later: Promise<AckVerdict> | undefined;
    const acks: AckTracker = tracker(clock, async () => {
      // The answer to a request sent before the restart is read while the first query is out.
      later ??= acks.wait(8, farDeadline);
      return unknown;
    });
    assert.equal((await acks.wait(7, farDeadline)).status, 'lost');
    assert.deepEqual(await later, { status: 'lost', reason: 'unknown channel' });
  });

  describe('a `true` read while event requests are in flight (HEC answered the query at some moment before its answer was read)', () => {
    /** Lets the tracker's loop and the settled verdicts run (virtual time does not move). */
    const settleMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

    it('the answer read after it reveals that the request was given the same ackId by a restarted indexer: the `true` is not applied, both are sent again', async () => {
      const clock = virtualClock(start);
      let inFlight: SendMark | undefined;
      const distrusted: DistrustedAck[] = [];
      const acks: AckTracker = tracker(
        clock,
        async () => {
          // R left before the query's answer was read. Meanwhile the indexer restarted, numbered R 5
          // again, indexed it, and answered the query about the old 5 with R's `true`.
          inFlight = acks.mark();
          return statuses(5);
        },
        { onDistrusted: (report) => distrusted.push(report) },
      );
      const old = acks.wait(5, farDeadline);
      let oldVerdict: AckVerdict | undefined;
      void old.then((verdict) => (oldVerdict = verdict));
      while (!inFlight) await settleMicrotasks();
      await settleMicrotasks();
      assert.equal(oldVerdict, undefined, 'not settled while R, in flight, may carry the same ackId');
      // R's answer is read: ackId 5.
      const reused = acks.wait(5, farDeadline, inFlight);
      assert.deepEqual(await old, {
        status: 'lost',
        reason:
          'ackId 5 came after ackId 5 on the same channel: the indexer restarted, or another indexer took the channel',
      });
      // HEC forgot 5 once it answered `true`: R's own 5 would never read `true` again.
      assert.equal((await reused).status, 'lost');
      assert.equal(clock.now(), start + 10_000, 'at once, not after the ack timeout');
      assert.deepEqual(distrusted, [
        {
          ackId: 5,
          why: 'ackid-reused',
          reason:
            'ackId 5 came after ackId 5 on the same channel: the indexer restarted, or another indexer took the channel',
        },
      ]);
    });

    it('a request in flight that is answered with a higher ackId releases the `true`', async () => {
      const clock = virtualClock(start);
      let inFlight: SendMark | undefined;
      const distrusted: DistrustedAck[] = [];
      const acks: AckTracker = tracker(
        clock,
        async () => {
          inFlight ??= acks.mark();
          return statuses(5);
        },
        { onDistrusted: (report) => distrusted.push(report) },
      );
      let settledAt: number | undefined;
      const old = acks.wait(5, farDeadline).then((verdict) => {
        settledAt = clock.now();
        return verdict;
      });
      while (!inFlight) await settleMicrotasks();
      await settleMicrotasks();
      assert.equal(settledAt, undefined);
      void acks.wait(6, farDeadline, inFlight);
      assert.deepEqual(await old, { status: 'acknowledged' });
      assert.equal(settledAt, start + 10_000);
      assert.deepEqual(distrusted, [], 'a `true` applied is not reported');
    });

    it('a request in flight that ends without an ackId releases the `true` (HEC answered 503), or has it sent again (no answer)', async () => {
      const clock = virtualClock(start);
      const marks: SendMark[] = [];
      const distrusted: DistrustedAck[] = [];
      const acks: AckTracker = tracker(
        clock,
        async () => {
          marks.push(acks.mark());
          return statuses(marks.length === 1 ? 5 : 6);
        },
        { onDistrusted: (report) => distrusted.push(report) },
      );
      const answered = acks.wait(5, farDeadline);
      let settled = false;
      void answered.then(() => (settled = true));
      while (marks.length < 1) await settleMicrotasks();
      await settleMicrotasks();
      assert.equal(settled, false, 'held while the request is in flight');
      acks.ended(marks[0], 'answered');
      assert.deepEqual(await answered, { status: 'acknowledged' });
      assert.deepEqual(distrusted, []);

      const unanswered = acks.wait(6, farDeadline);
      while (marks.length < 2) await settleMicrotasks();
      await settleMicrotasks();
      acks.ended(marks[1], 'unanswered', 'HTTP_TIMEOUT');
      assert.deepEqual(await unanswered, {
        status: 'lost',
        reason:
          'HEC answered true for ackId 6 while an event request was in flight that got no answer (HTTP_TIMEOUT): a restarted indexer may have given that request this ackId',
      });
      assert.equal(acks.pending, 0, 'nothing held any more');
      assert.deepEqual(distrusted, [
        {
          ackId: 6,
          why: 'request-unanswered',
          reason:
            'HEC answered true for ackId 6 while an event request was in flight that got no answer (HTTP_TIMEOUT): a restarted indexer may have given that request this ackId',
        },
      ]);
    });

    it('a later request that got no answer before the query (no trace in flight): a `true` for an ackId the new count could have reached is not trusted', async () => {
      const clock = virtualClock(start);
      const distrusted: DistrustedAck[] = [];
      const { query } = scriptedQuery(clock, [statuses(0, 500)]);
      const acks = tracker(clock, query, { onDistrusted: (report) => distrusted.push(report) });
      // Requests 0 and 1 are answered with ackIds 0 and 500 (a channel that numbered many already);
      // request 2 leaves after them and times out before the first query: a restarted indexer may
      // have numbered it 0.
      const low = acks.wait(0, farDeadline, acks.mark());
      const high = acks.wait(500, farDeadline, acks.mark());
      acks.ended(acks.mark(), 'unanswered', 'HTTP_TIMEOUT');
      const reason =
        'HEC answered true for ackId 0 after an event request that left with or after its own got no answer (HTTP_TIMEOUT): a restarted indexer may have given that request this ackId';
      assert.deepEqual(await low, { status: 'lost', reason });
      assert.deepEqual(await high, { status: 'acknowledged' }, 'no new count reaches 500 in 2 requests');
      assert.deepEqual(distrusted, [{ ackId: 0, why: 'request-unanswered', reason }]);
    });

    it('a request answered, or one that left before the wait and ended before it was registered, taints nothing', async () => {
      const clock = virtualClock(start);
      const { query } = scriptedQuery(clock, [statuses(0, 1)]);
      const acks = tracker(clock, query);
      const before = acks.mark();
      acks.ended(before, 'unanswered', 'HTTP_TIMEOUT');
      const first = acks.wait(0, farDeadline, acks.mark());
      const refused = acks.mark();
      const second = acks.wait(1, farDeadline, acks.mark());
      acks.ended(refused, 'answered');
      assert.deepEqual(await Promise.all([first, second]), [
        { status: 'acknowledged' },
        { status: 'acknowledged' },
      ]);
    });

    it('no request in flight (the common case): the `true` settles at the first query', async () => {
      const clock = virtualClock(start);
      const { asked, query } = scriptedQuery(clock, [statuses(4)]);
      const acks = tracker(clock, query);
      // A request that left and was answered without an ackId before the query: nothing holds the `true`.
      const refused = acks.mark();
      const waiting = acks.wait(4, farDeadline);
      acks.ended(refused, 'answered');
      assert.deepEqual(await waiting, { status: 'acknowledged' });
      assert.deepEqual(asked, [{ at: start + 10_000, ids: [4] }]);
    });

    it('a `true` for an id now awaited by a request registered after the query left (the query asked about an earlier one) confirms neither', async () => {
      const clock = virtualClock(start);
      let later: Promise<[AckVerdict, number]> | undefined;
      let earlier: Promise<AckVerdict> | undefined;
      const distrusted: DistrustedAck[] = [];
      const acks: AckTracker = tracker(
        clock,
        async () => {
          if (later) return statuses(0);
          // While the query about 5 is out: an answer shows the count started again (0 after 5), the
          // earlier 5 is lost, and a new request is given 5 by the new count.
          earlier = acks.wait(0, farDeadline, acks.mark());
          later = acks
            .wait(5, farDeadline, acks.mark())
            .then((verdict): [AckVerdict, number] => [verdict, clock.now()]);
          return statuses(5);
        },
        { onDistrusted: (report) => distrusted.push(report) },
      );
      assert.equal((await acks.wait(5, farDeadline)).status, 'lost');
      assert.deepEqual(await later, [
        {
          status: 'lost',
          reason:
            'HEC answered true for ackId 5 to a query that asked about an earlier request given the same ackId',
        },
        // Sent again at once, not after the ack timeout: HEC forgets an id it answered `true` for.
        start + 10_000,
      ]);
      assert.equal((await earlier)?.status, 'acknowledged');
      assert.deepEqual(distrusted, [
        {
          ackId: 5,
          why: 'query-outdated',
          reason:
            'HEC answered true for ackId 5 to a query that asked about an earlier request given the same ackId',
        },
      ]);
    });

    it('a `true` held when the sink closes is reported: its events are sent again by a later invocation', async () => {
      const clock = virtualClock(start);
      let inFlight: SendMark | undefined;
      const distrusted: DistrustedAck[] = [];
      const acks: AckTracker = tracker(
        clock,
        async () => {
          inFlight ??= acks.mark();
          return statuses(3);
        },
        { onDistrusted: (report) => distrusted.push(report) },
      );
      const held = acks.wait(3, farDeadline);
      while (!inFlight) await settleMicrotasks();
      await settleMicrotasks();
      acks.close();
      assert.equal((await held).status, 'failed');
      assert.deepEqual(distrusted, [{ ackId: 3, why: 'sink-closed', reason: 'the sink was closed' }]);
    });
  });

  it('at most maxPending batches hold a place; the next waits for a release', async () => {
    const clock = virtualClock(start);
    const acks = tracker(clock, scriptedQuery(clock, [NOTHING]).query, { maxPending: 2 });
    await acks.acquire();
    await acks.acquire();
    let third = false;
    const waiting = acks.acquire().then(() => (third = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, false);
    acks.release();
    await waiting;
    assert.equal(third, true);
  });

  it('close() gives up every wait', async () => {
    const clock = virtualClock(start);
    const acks = tracker(clock, async () => new Promise<AckQueryResult>(() => undefined));
    const waiting = acks.wait(0, farDeadline);
    acks.close();
    assert.equal((await waiting).status, 'failed');
  });
});
