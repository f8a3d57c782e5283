import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TroubledWaits } from '../../../lambda/core/forward/troubled-waits';
import type { GatherTicket } from '../../../lambda/core/sinks/gathering';
import type { SinkObserver } from '../../../lambda/core/sinks/types';

/** A ticket that records what it is told of waits on other destinations. */
function recordingTicket(): GatherTicket & { told: boolean[] } {
  const told: boolean[] = [];
  return {
    told,
    started: () => {},
    blocked: () => {},
    waitsElsewhere: (waiting) => void told.push(waiting),
    leave: () => {},
    mayReleaseSlot: () => true,
    released: () => {},
    end: () => {},
  };
}

function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

const RETRY = { reason: 'HEC_BUSY', delayMs: 1_000 };

describe('troubled waits: a gathering sink hears of waits on a destination that retries', () => {
  it('tells nothing of a wait on a destination that answers, however slowly', async () => {
    const ticket = recordingTicket();
    const waits = new TroubledWaits([ticket]);
    const batch = waits.batch(undefined);
    const answer = gate();
    const waiting = waits.during(answer.wait);
    batch.answered();
    answer.open();
    await waiting;
    assert.deepEqual(ticket.told, []);
  });

  it('tells once while waiting and retrying, however many batches retry, and the end of it once', async () => {
    const ticket = recordingTicket();
    const waits = new TroubledWaits([ticket]);
    const [first, second] = [waits.batch(undefined), waits.batch(undefined)];
    const answer = gate();
    const waiting = waits.during(answer.wait);
    first.observer?.retry('siem', RETRY);
    first.observer?.retry('siem', RETRY);
    second.observer?.retry('siem', RETRY);
    assert.deepEqual(ticket.told, [true]);
    first.answered();
    assert.deepEqual(ticket.told, [true], 'the second batch still retries');
    second.answered();
    assert.deepEqual(ticket.told, [true, false]);
    answer.open();
    await waiting;
    assert.deepEqual(ticket.told, [true, false]);
  });

  it('tells a wait that starts on a batch already retrying, and its end when the wait ends', async () => {
    const ticket = recordingTicket();
    const waits = new TroubledWaits([ticket]);
    const batch = waits.batch(undefined);
    batch.observer?.retry('siem', RETRY);
    assert.deepEqual(ticket.told, [], 'nothing waits yet: the object reads on');
    const answer = gate();
    const waiting = waits.during(answer.wait);
    assert.deepEqual(ticket.told, [true]);
    answer.open();
    await waiting;
    assert.deepEqual(ticket.told, [true, false]);
  });

  it('ignores a retry reported after the batch was answered, and passes every event on', async () => {
    const ticket = recordingTicket();
    const seen: string[] = [];
    const observer: SinkObserver = {
      request: () => void seen.push('request'),
      retry: () => void seen.push('retry'),
      authFailure: () => void seen.push('authFailure'),
    };
    const waits = new TroubledWaits([ticket]);
    const batch = waits.batch(observer);
    batch.observer?.request('siem', { status: 503, bytes: 1, durationMs: 1 });
    batch.observer?.authFailure('siem', 401);
    batch.answered();
    batch.observer?.retry('siem', RETRY);
    const answer = gate();
    const waiting = waits.during(answer.wait);
    answer.open();
    await waiting;
    assert.deepEqual(ticket.told, []);
    assert.deepEqual(seen, ['request', 'authFailure', 'retry']);
  });

  it('hands the observer back as it is when no gathering sink needs to know', () => {
    const observer: SinkObserver = { request: () => {}, retry: () => {}, authFailure: () => {} };
    assert.equal(new TroubledWaits([]).batch(observer).observer, observer);
  });
});
