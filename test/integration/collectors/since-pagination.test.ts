import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectorCodes } from '../../../lambda/core/collectors/codes';
import { parseConfig } from '../../../lambda/core/config/load';
import { startCollectorMoto, type CollectorMoto } from '../../support/collector-moto';
import { lambdaContext } from '../../support/event-source';
import { startSinceOnlyApi, type SinceOnlyApi } from '../../support/receivers/since-only-api';

/** The API's largest page, below the collector's `limit` (10). */
const CAP = 3;

describe('the collector Lambda handler on an API with a time filter and no continuation (moto, local API)', () => {
  let aws: CollectorMoto;
  /** One API per test: each collector reads its own events. */
  const apis: SinceOnlyApi[] = [];

  before(async () => {
    aws = await startCollectorMoto();
  });
  after(async () => {
    for (const api of apis) await api.close();
    await aws.stop();
  });

  /** One collector per test (its own checkpoint, log type and API). */
  async function collectorOn(name: string) {
    const api = await startSinceOnlyApi({ maxPerPage: CAP });
    apis.push(api);
    const config = parseConfig({
      sources: [{ name: 'audit', prefix: 'audit/acme', timestampField: 'time' }],
      collectors: [
        {
          type: 'http-json',
          name,
          source: 'audit',
          logType: name,
          url: api.url,
          query: { since: '{since}', limit: '{limit}' },
          auth: { type: 'none' },
          recordsPath: 'events',
          timestampField: 'time',
          idField: 'id',
          limit: 10,
          pagination: { type: 'since' },
        },
      ],
    });
    const handler = aws.handler(config, name);
    /** Adds events `offsets` ms after `start`, with ids `<prefix><n>`. */
    const add = (prefix: string, start: number, offsets: number[]) =>
      offsets.map((offset, index) => {
        const id = `${prefix}${String(index).padStart(2, '0')}`;
        api.events.push({ id, time: new Date(start + offset).toISOString() });
        return id;
      });
    return { handler, add };
  }

  async function writtenIds(prefix: string): Promise<string[]> {
    return (await aws.writtenEvents(prefix)).map((event) => event.id as string).sort();
  }

  it('collects more events than a page within the lookback, run after run, each once', async () => {
    const start = Math.floor((Date.now() - 120_000) / 1000) * 1000;
    const { handler, add } = await collectorOn('steady');
    // Ten events within the five-minute lookback, two per second: pages of three end within a second.
    const first = add(
      'a',
      start,
      Array.from({ length: 10 }, (_, i) => i * 600),
    );

    const one = await handler({}, lambdaContext(300_000));
    assert.equal(one.status, 'caught-up', one.message);
    assert.equal(one.recordsWritten, 10);

    const second = add('b', start + 30_000, [0, 600, 1_200, 1_800]);
    const two = await handler({}, lambdaContext(300_000));
    assert.equal(two.status, 'caught-up', two.message);
    assert.equal(two.recordsWritten, 4, 'only the new events');

    const three = await handler({}, lambdaContext(300_000));
    assert.equal(three.recordsWritten, 0);
    assert.deepEqual(await writtenIds('audit/acme/steady/'), [...first, ...second].sort());
    const state = await aws.checkpoints.read('steady');
    assert.equal(state?.lastRunStatus, 'caught-up');
    assert.equal(Date.parse(state?.checkpoint?.newestEventAt ?? ''), start + 31_800);
  });

  it('stops before a second holding more than a page, records why for status, and writes nothing after it', async () => {
    const start = Math.floor((Date.now() - 60_000) / 1000) * 1000;
    const { handler, add } = await collectorOn('tied');
    const before = add('t', start - 200_000, [0]);
    const tied = add('u', start, [0, 100, 200, 300, 400]);
    add('v', start + 2_000, [0]);

    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await handler({}, lambdaContext(300_000));
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.code, CollectorCodes.TIES_EXCEED_PAGE);
    }
    // The events before that second, and the page of it the API gives; none after it.
    const written = await writtenIds('audit/acme/tied/');
    assert.deepEqual(written, [...before, ...tied.slice(0, CAP)].sort());
    const state = await aws.checkpoints.read('tied');
    assert.equal(state?.lastRunStatus, 'failed');
    assert.equal(state?.lastErrorCode, 'COLLECTOR_TIES_EXCEED_PAGE');
    assert.match(state?.lastErrorMessage ?? '', /Fix: "timeFormat": "epoch-millis"/);
  });
});
