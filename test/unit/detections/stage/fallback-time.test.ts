import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemoryAlertStore } from '../../../../lambda/core/detections/alerts/store';
import { forwardObject } from '../../../../lambda/core/forward/forward-object';
import type { ObjectRef } from '../../../../lambda/core/notifications/object-ref';
import { BUCKET, forwardDeps, KEY, ndjson, T0, world } from './support';

/** A multipart upload: S3 stores it as of its initiation (LastModified) and notifies its completion. */
const INITIATED = new Date(T0 + 600_000);
const COMPLETED = new Date(INITIATED.getTime() + 40_000);

describe('a replay of records dated by their object (no timestamp of their own)', () => {
  it('counts each record once: the replay dates them as the first delivery did', async () => {
    // Three queries by one actor, no timestamps: `query_burst` (3 within a minute) opens at 3.
    const queries = [0, 1, 2].map((n) => ({ id: `q-${n}`, kind: 'query', actor: 'a0' }));
    const w = world({ [KEY]: ndjson(queries) }, { stageInFlight: 1 });
    w.objects.lastModified = INITIATED;
    const notified: ObjectRef = { bucket: BUCKET, key: KEY, eTag: 'e1', eventTime: COMPLETED };
    // `sluice replay` names the object by its listing's LastModified.
    const replayed: ObjectRef = { ...notified, eventTime: INITIATED };

    assert.equal((await forwardObject({ object: notified }, forwardDeps(w))).status, 'complete');
    assert.equal((await forwardObject({ object: replayed }, forwardDeps(w))).status, 'complete');

    assert.deepEqual(
      w.writer.records().map((record) => [record.status, record.occurrences, record.firstEventTime]),
      [['opened', 3, INITIATED.toISOString()]],
    );
    const states = [...(w.alerts as MemoryAlertStore).snapshot().values()];
    assert.deepEqual(
      states.map((state) => state.memberIds.size),
      [3],
    );
  });
});
