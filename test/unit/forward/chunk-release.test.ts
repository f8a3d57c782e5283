import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { forwardObject } from '../../../lambda/core/forward/forward-object';
import type { OutboundRecord } from '../../../lambda/core/records/types';
import type { BatchOutcome } from '../../../lambda/core/sinks/types';
import {
  activities,
  MemoryObjects,
  MemoryQuarantine,
  ndjson,
  objectRef,
  RecordingSink,
  strongdmSource,
} from './fakes';

const KEY = 'sdm/logs/activities/2024/02/01/18/50/a.json';

/** A full garbage collection, on demand. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Holds every batch until `open()`. */
class GatedSink extends RecordingSink {
  calls = 0;
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));

  open(): void {
    this.opened();
  }

  override async deliver(batch: readonly OutboundRecord[]): Promise<BatchOutcome> {
    this.calls += 1;
    await this.gate;
    return super.deliver(batch);
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('a chunk of records waiting for its destination', () => {
  it('no longer holds the records as parsed (their values can be collected)', async () => {
    const objects = new MemoryObjects({ [KEY]: ndjson(activities(6)) });
    objects.chunkSize = 1024 * 1024; // one chunk for the whole object
    const sink = new GatedSink('splunk', 3);
    const values: WeakRef<object>[] = [];
    const forwarding = forwardObject(
      { object: objectRef(KEY) },
      {
        source: strongdmSource,
        logTypeFromKey: 'activities',
        destinations: [{ sink, maxInFlight: 1 }],
        objects,
        quarantine: new MemoryQuarantine(),
        maxRecordBytes: 1024 * 1024,
        maxObjectBytes: 1024 * 1024 * 1024,
        now: () => 0,
        stopReadingAt: Number.POSITIVE_INFINITY,
        deliveryDeadline: Number.POSITIVE_INFINITY,
        detections: { note: (_record, value) => values.push(new WeakRef(value)) },
      },
    );
    // The first batch is in flight; the second is full and waits for it.
    while (sink.calls === 0) await turn();
    await turn();
    assert.equal(values.length, 6, 'every record of the chunk was built');
    collectGarbage();
    assert.deepEqual(
      values.map((value) => value.deref() === undefined),
      Array(6).fill(true),
      'the parsed records were collected while the object waited',
    );
    sink.open();
    const result = await forwarding;
    assert.equal(result.status, 'complete');
    assert.equal(sink.received.length, 6);
  });
});
