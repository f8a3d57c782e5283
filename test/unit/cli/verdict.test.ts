import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verdictOf } from '../../../cli/status/verdict';

const sideOf = (name: string) => (name.startsWith('ingest') ? ('ingest' as const) : ('object' as const));
const queue = (name: string, visible: number, oldestAgeSeconds?: number) => ({
  name,
  kind: 'queue' as const,
  side: sideOf(name),
  visible,
  inFlight: 0,
  oldestAgeSeconds,
});
const dlq = (name: string, visible: number) => ({
  name,
  kind: 'dlq' as const,
  side: sideOf(name),
  visible,
  inFlight: 0,
});

describe('status verdict', () => {
  it('is healthy with empty DLQs and young queues', () => {
    const verdict = verdictOf({ queues: [queue('object queue', 3, 12), dlq('object DLQ', 0)] });
    assert.equal(verdict.state, 'healthy');
    assert.match(verdict.summary, /3 message\(s\) in progress/);
  });

  it('is failing as soon as a DLQ holds a message, whatever the backlog', () => {
    const verdict = verdictOf({
      queues: [queue('object queue', 5000, 9999), dlq('object DLQ', 0), dlq('ingest DLQ', 2)],
    });
    assert.equal(verdict.state, 'failing');
    assert.deepEqual(verdict.reasons, ['ingest DLQ holds 2 message(s)']);
    assert.match(verdict.summary, /sluice redrive/);
  });

  it('names the exact redrive command of each DLQ that holds messages', () => {
    const ingestOnly = verdictOf({ queues: [dlq('object DLQ', 0), dlq('ingest DLQ', 95)] });
    assert.equal(
      ingestOnly.summary,
      'failing: ingest DLQ holds 95 message(s). Fix the cause, then run sluice redrive --from-dlq ingest',
    );
    const objectOnly = verdictOf({ queues: [dlq('object DLQ', 12), dlq('ingest DLQ', 0)] });
    assert.equal(
      objectOnly.summary,
      'failing: object DLQ holds 12 message(s). Fix the cause, then run sluice redrive',
    );
    const both = verdictOf({ queues: [dlq('object DLQ', 1), dlq('ingest DLQ', 2)] });
    assert.equal(
      both.summary,
      'failing: object DLQ holds 1 message(s); ingest DLQ holds 2 message(s). Fix the cause, then run sluice redrive (object DLQ) and sluice redrive --from-dlq ingest (ingest DLQ)',
    );
  });

  it('is a backlog when the oldest message is too old, or (without CloudWatch) too many wait', () => {
    assert.equal(verdictOf({ queues: [queue('object queue', 1, 901)] }).state, 'backlog');
    assert.equal(verdictOf({ queues: [queue('object queue', 1, 899)] }).state, 'healthy');
    assert.equal(verdictOf({ queues: [queue('object queue', 1001)] }).state, 'backlog');
    assert.equal(
      verdictOf({ queues: [queue('object queue', 1001, 10)] }).state,
      'healthy',
      'a known young age wins',
    );
    assert.equal(
      verdictOf({ queues: [queue('ingest queue', 50, 120)] }, { maxAgeSeconds: 60, maxVisible: 1000 }).state,
      'backlog',
    );
  });
});
