import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemoryAlertStore } from '../../../../lambda/core/detections/alerts/store';
import { forwardObject, type ForwardResult } from '../../../../lambda/core/forward/forward-object';
import { continuationBody } from '../../../../lambda/core/notifications/continuation';
import type { ObjectWork } from '../../../../lambda/core/notifications/object-ref';
import { parseMessage } from '../../../../lambda/core/notifications/parse-message';
import { forwardDeps, ndjson, objectRef, T0, world, type StageWorld } from './support';

/**
 * An opening is named by its alert alone: a create that answers 412 says the alert's one opening
 * exists, not which count it shows. These tests follow the `drop_table` alert (one per hour, one
 * record each): what the SIEM and the routes that take updates receive is every object written.
 */

/** DROP TABLEs that match `drop_table` only, 5 s apart from 13:00:00, numbered from `from`. */
function drops(from: number, count: number): Buffer {
  return ndjson(
    Array.from({ length: count }, (_, i) => ({
      id: `drop-${from + i}`,
      timestamp: new Date(T0 + (from + i) * 5_000).toISOString(),
      kind: 'ddl',
      query: 'DROP TABLE users',
    })),
  );
}

const A = 'app/events/2024/02/01/13/00/a.json';
const B = 'app/events/2024/02/01/13/00/b.json';

/** The alert objects written, as [status, occurrences], in the order they were written. */
function written(w: StageWorld): [string, number][] {
  return w.writer.records().map((record) => [record.status, record.occurrences]);
}

/** The one alert's state in the store. */
function stored(w: StageWorld) {
  const states = [...(w.alerts as MemoryAlertStore).snapshot().values()];
  assert.equal(states.length, 1);
  return { notified: states[0].notified, stepWritten: states[0].stepWritten };
}

async function forward(w: StageWorld, key: string, work?: ObjectWork): Promise<ForwardResult> {
  return forwardObject(work ?? { object: objectRef(key) }, forwardDeps(w));
}

/** The work a continuation message carries, read back as the next invocation reads it. */
function continued(result: ForwardResult): ObjectWork {
  if (result.status !== 'incomplete') throw new Error('the object completed');
  const parsed = parseMessage(continuationBody(result.work, result.reason));
  if (parsed.kind !== 'objects') throw new Error(`continuation read as ${parsed.kind}`);
  return parsed.work[0];
}

/** Answers the first create `false` although it wrote: S3's 412 to the SDK's retry of a lost answer. */
function loseFirstAnswer(w: StageWorld): void {
  const create = w.writer.create.bind(w.writer);
  let lost = 1;
  w.writer.create = async (key, body) => {
    const wrote = await create(key, body);
    return lost-- > 0 ? false : wrote;
  };
}

describe('an opening whose create finds it written (412)', () => {
  it('when its own answer was lost, is recorded notified with the step it shows, and no update repeats its count', async () => {
    const w = world({ [A]: drops(0, 2) }, { stageInFlight: 1 });
    loseFirstAnswer(w);
    assert.equal((await forward(w, A)).status, 'complete');
    assert.deepEqual(written(w), [['opened', 2]]);
    assert.deepEqual(stored(w), { notified: true, stepWritten: 2 });
  });

  it('when marking it notified failed and the batch runs again, is recorded with its step and says nothing again, then or on a redelivery', async () => {
    const w = world({ [A]: drops(0, 2) }, { stageInFlight: 1 });
    const markNotified = w.alerts.markNotified.bind(w.alerts);
    let failures = 1;
    w.alerts.markNotified = async (dedupKey, step) => {
      if (failures-- > 0) throw new Error('connection reset');
      return markNotified(dedupKey, step);
    };
    const first = await forward(w, A);
    assert.equal(first.status, 'incomplete', 'the opening was written but not marked');
    assert.equal((await forward(w, A, continued(first))).status, 'complete');
    assert.deepEqual(stored(w), { notified: true, stepWritten: 2 });
    assert.equal((await forward(w, A)).status, 'complete', 'a redelivery');
    assert.deepEqual(written(w), [['opened', 2]]);
  });

  it("when another batch wrote it with a higher count, records that count's step and writes no update of a lower one", async () => {
    const w = world({ [A]: drops(0, 2), [B]: drops(2, 3) }, { stageInFlight: 1 });
    // A registers 2 records; before its opening is written, B registers 3 more (5), writes the
    // opening showing 5 and marks it notified.
    const create = w.writer.create.bind(w.writer);
    let interleaved = false;
    w.writer.create = async (key, body) => {
      if (!interleaved) {
        interleaved = true;
        assert.equal((await forward(w, B)).status, 'complete');
      }
      return create(key, body);
    };
    assert.equal((await forward(w, A)).status, 'complete');
    assert.deepEqual(written(w), [['opened', 5]]);
    assert.deepEqual(stored(w), { notified: true, stepWritten: 5 });
  });

  it('when it shows a lower step than the count reached, is followed by the update of that step', async () => {
    const w = world({ [A]: drops(0, 1), [B]: drops(1, 4) }, { stageInFlight: 1 });
    const markNotified = w.alerts.markNotified.bind(w.alerts);
    let failures = 1;
    w.alerts.markNotified = async (dedupKey, step) => {
      if (failures-- > 0) throw new Error('connection reset');
      return markNotified(dedupKey, step);
    };
    assert.equal((await forward(w, A)).status, 'incomplete', 'the opening (1) was written but not marked');
    assert.equal((await forward(w, B)).status, 'complete');
    assert.deepEqual(written(w), [
      ['opened', 1],
      ['updated', 5],
    ]);
    assert.deepEqual(stored(w), { notified: true, stepWritten: 5 });
  });

  it('loses no later update: the next registration that reaches a higher step writes it', async () => {
    const w = world({ [A]: drops(0, 2), [B]: drops(2, 3) }, { stageInFlight: 1 });
    loseFirstAnswer(w);
    assert.equal((await forward(w, A)).status, 'complete');
    assert.equal((await forward(w, B)).status, 'complete');
    assert.deepEqual(written(w), [
      ['opened', 2],
      ['updated', 5],
    ]);
  });

  it('found written but gone when read back (deleted meanwhile), is followed by the update due: a count may repeat, no step goes unwritten', async () => {
    const w = world({ [A]: drops(0, 2) }, { stageInFlight: 1 });
    loseFirstAnswer(w);
    Object.defineProperty(w.writer, 'read', { value: async () => undefined });
    assert.equal((await forward(w, A)).status, 'complete');
    assert.deepEqual(written(w), [
      ['opened', 2],
      ['updated', 2],
    ]);
  });
});
