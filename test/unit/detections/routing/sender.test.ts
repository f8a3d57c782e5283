import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendWithRetries } from '../../../../lambda/core/detections/routing/sender';
import {
  delivered,
  giveUp,
  retry,
  type ChannelVerdict,
} from '../../../../lambda/core/detections/routing/verdict';
import { SluiceError } from '../../../../lambda/core/errors';
import { virtualClock } from './fixtures';

const POLICY = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetries: 4 };

/** An attempt that answers the given verdicts in turn, counting calls. */
function answers(...verdicts: ChannelVerdict[]) {
  let calls = 0;
  const attempt = async () => verdicts[Math.min(calls++, verdicts.length - 1)];
  return { attempt, calls: () => calls };
}

describe('sending an alert with retries', () => {
  it('waits at least the Retry-After the channel asked for, then delivers', async () => {
    const clock = virtualClock();
    const { attempt, calls } = answers(retry('Slack 429 rate_limited', 30_000), delivered);
    const result = await sendWithRetries('slack', attempt, clock.now() + 120_000, {
      ...clock,
      policy: POLICY,
    });
    assert.deepEqual(result, { delivered: true, attempts: 2 });
    assert.equal(calls(), 2);
    assert.ok(clock.delays[0] >= 30_000, `waited ${clock.delays[0]} ms`);
  });

  it('backs off between retries of a busy channel, within the policy', async () => {
    const clock = virtualClock();
    const { attempt } = answers(retry('PagerDuty 429'), retry('PagerDuty 503'), delivered);
    const result = await sendWithRetries('pd', attempt, clock.now() + 60_000, {
      ...clock,
      policy: POLICY,
      random: () => 0.5,
    });
    assert.deepEqual(result, { delivered: true, attempts: 3 });
    assert.deepEqual(clock.delays, [50, 100]);
  });

  it('never retries a refusal, and says why', async () => {
    const clock = virtualClock();
    const { attempt, calls } = answers(giveUp('ALERT_CHANNEL_REJECTED', 'Slack 400 invalid_payload'));
    const result = await sendWithRetries('slack', attempt, clock.now() + 60_000, {
      ...clock,
      policy: POLICY,
    });
    assert.deepEqual(result, {
      delivered: false,
      attempts: 1,
      code: 'ALERT_CHANNEL_REJECTED',
      message: 'slack: Slack 400 invalid_payload',
      retryLater: false,
    });
    assert.equal(calls(), 1);
    assert.deepEqual(clock.delays, []);
  });

  it('re-reads a suspect credential once and tries again at once', async () => {
    const clock = virtualClock();
    let refreshes = 0;
    const suspect = giveUp('ALERT_CHANNEL_MISCONFIGURED', 'Slack 404 no_service', true);
    const rotated = answers(suspect, delivered);
    const refresh = async () => {
      refreshes += 1;
    };
    assert.deepEqual(await sendWithRetries('slack', rotated.attempt, clock.now() + 60_000, clock, refresh), {
      delivered: true,
      attempts: 2,
    });
    const revoked = answers(suspect);
    const result = await sendWithRetries('slack', revoked.attempt, clock.now() + 60_000, clock, refresh);
    assert.equal(refreshes, 2);
    assert.equal(revoked.calls(), 2, 'one more attempt after the re-read, no more');
    assert.equal(result.delivered === false && result.code, 'ALERT_CHANNEL_MISCONFIGURED');
    assert.equal(result.delivered === false && result.retryLater, true);
  });

  it('gives up at once when Retry-After reaches past the deadline', async () => {
    const clock = virtualClock();
    const { attempt, calls } = answers(retry('Slack 429 rate_limited', 120_000));
    const result = await sendWithRetries('slack', attempt, clock.now() + 10_000, {
      ...clock,
      policy: POLICY,
    });
    assert.equal(calls(), 1);
    assert.deepEqual(clock.delays, []);
    assert.equal(result.delivered === false && result.code, 'ALERT_CHANNEL_UNAVAILABLE');
    assert.match(
      result.delivered === false ? result.message : '',
      /slack kept failing \(Slack 429 rate_limited\); it asked to wait 120 s \(Retry-After\), past the deadline/,
    );
  });

  it("stops after the policy's retries, reporting the last reason", async () => {
    const clock = virtualClock();
    const { attempt, calls } = answers(retry('webhook 503'));
    const result = await sendWithRetries('hook', attempt, clock.now() + 600_000, {
      ...clock,
      policy: POLICY,
    });
    assert.equal(calls(), 5);
    assert.equal(
      result.delivered === false && result.message,
      'hook kept failing (webhook 503); gave up after 5 attempts',
    );
  });

  it('reports a deadline already passed without trying', async () => {
    const clock = virtualClock();
    const { attempt, calls } = answers(delivered);
    const result = await sendWithRetries('sns', attempt, clock.now(), clock);
    assert.equal(calls(), 0);
    assert.equal(result.delivered === false && result.code, 'ALERT_CHANNEL_DEADLINE');
  });

  it('reports an encoder bug as a failure instead of throwing', async () => {
    const clock = virtualClock();
    const result = await sendWithRetries(
      'sns',
      async () => {
        throw new SluiceError('ALERT_SECRET_INVALID', 'the secret does not hold a URL');
      },
      clock.now() + 1_000,
      clock,
    );
    assert.equal(result.delivered === false && result.code, 'ALERT_SECRET_INVALID');
    const bug = await sendWithRetries(
      'sns',
      async () => {
        throw new TypeError('x is undefined');
      },
      clock.now() + 1_000,
      clock,
    );
    assert.equal(bug.delivered === false && bug.code, 'ALERT_ROUTING_FAILED');
  });
});
