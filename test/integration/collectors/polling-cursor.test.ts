import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../../lambda/core/config/load';
import { startCollectorMoto, type CollectorMoto } from '../../support/collector-moto';
import { lambdaContext } from '../../support/event-source';
import { startPollingCursorApi, type PollingCursorApi } from '../../support/receivers/polling-cursor-api';

/** The API's largest page, below the collector's `limit` (10). */
const CAP = 3;

describe('the collector Lambda handler on an API that gives a new cursor on every page, empty or not (moto, local Okta-like API)', () => {
  let aws: CollectorMoto;
  let api: PollingCursorApi;

  before(async () => {
    aws = await startCollectorMoto();
    api = await startPollingCursorApi({ maxPerPage: CAP });
  });
  after(async () => {
    await api.close();
    await aws.stop();
  });

  it('ends each run caught up at the first empty page, and the next run resumes from its cursor', async () => {
    const start = Date.now() - 600_000;
    const add = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const id = `e${String(from + i).padStart(2, '0')}`;
        api.events.push({ id, time: new Date(start + (from + i) * 1000).toISOString() });
        return id;
      });
    const config = parseConfig({
      sources: [{ name: 'idp', prefix: 'idp/acme', timestampField: 'time' }],
      collectors: [
        {
          type: 'http-json',
          name: 'polling',
          source: 'idp',
          logType: 'system',
          url: api.url,
          query: { since: '{since}', limit: '{limit}', cursor: '{cursor}' },
          auth: { type: 'none' },
          recordsPath: 'events',
          timestampField: 'time',
          idField: 'id',
          limit: 10,
          pagination: { type: 'cursor', cursorPath: 'next', durable: true },
        },
      ],
    });
    const handler = aws.handler(config, 'polling');
    const backlog = add(0, 7);

    const first = await handler({}, lambdaContext(300_000));
    assert.equal(first.status, 'caught-up', first.message);
    assert.equal(first.code, undefined, 'not paused with COLLECTOR_BUDGET_SPENT');
    assert.equal(first.recordsWritten, 7);
    // Pages of 3, 3 and 1, then one empty page: no request after it.
    assert.equal(api.requests.length, 4);
    const kept = (await aws.checkpoints.read('polling'))?.checkpoint?.cursor;
    assert.ok(kept, 'the empty page’s cursor is the resume point');

    const later = add(7, 2);
    const second = await handler({}, lambdaContext(300_000));
    assert.equal(second.status, 'caught-up', second.message);
    assert.equal(second.recordsWritten, 2);
    assert.equal(api.requests[4].get('cursor'), kept, 'the next run asked from the kept cursor');
    assert.equal(api.requests.length, 6, 'the new page, then the empty one');

    const third = await handler({}, lambdaContext(300_000));
    assert.equal(third.status, 'caught-up');
    assert.equal(third.recordsWritten, 0);
    assert.equal(api.requests.length, 7, 'a quiet API costs one request per run');

    const ids = (await aws.writtenEvents('idp/acme/system/')).map((event) => event.id as string);
    assert.deepEqual(ids.sort(), [...backlog, ...later], 'every event once');
    const state = await aws.checkpoints.read('polling');
    assert.equal(state?.lastRunStatus, 'caught-up');
  });
});
