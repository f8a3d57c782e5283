import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elasticsearchDestination } from '../../../../lambda/core/config/destinations';
import type { HttpRequest, HttpResult } from '../../../../lambda/core/http/client';
import type { OutboundRecord } from '../../../../lambda/core/records/types';
import { createSink } from '../../../../lambda/core/sinks/create-sink';
import { context, fakeSecret, makeRecord } from '../fixtures';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 6, 1);
const ROLLED_OVER = JSON.stringify({
  '.ds-logs-strongdm.activities-default-000001': {
    settings: { 'index.creation_date': String(NOW - 60 * DAY) },
  },
  '.ds-logs-strongdm.activities-default-000002': {
    settings: { 'index.creation_date': String(NOW - 5 * DAY) },
  },
});

const recordAt = (id: string, epochMillis: number): OutboundRecord =>
  makeRecord(
    { id, action: 'login' },
    { timestamp: { iso: new Date(epochMillis).toISOString(), epochSeconds: '0', epochMillis } },
  );

/**
 * A cluster whose backing indices hold these documents: `dup` twice (indexed once in each backing
 * index before the lookup existed), `x` and `y` once. A search returns at most `size` hits, as
 * Elasticsearch does, in index order.
 */
function clusterWithDuplicate() {
  const docs = ['dup', 'dup', 'x', 'y'];
  const bulkIds: string[] = [];
  const transport = {
    async request(request: HttpRequest): Promise<HttpResult> {
      const path = request.url.pathname;
      const body = Buffer.from(request.body).toString('utf8');
      let answer = '{"errors":false,"items":[]}';
      if (path.includes('/_settings/')) answer = ROLLED_OVER;
      else if (path.endsWith('/_search')) {
        const query = JSON.parse(body) as { size: number; query: { ids: { values: string[] } } };
        const asked = new Set(query.query.ids.values);
        const hits = docs.filter((id) => asked.has(id)).slice(0, query.size);
        answer = JSON.stringify({ _shards: { failed: 0 }, hits: { hits: hits.map((_id) => ({ _id })) } });
      } else {
        for (const line of body.split('\n'))
          if (line.startsWith('{"create"')) bulkIds.push(JSON.parse(line).create._id);
      }
      return { ok: true, response: { status: 200, headers: {}, body: answer } };
    },
  };
  return { transport, bulkIds };
}

describe('the rollover lookup with ids already indexed twice', () => {
  it('a search whose hits fill its size asks again for the ids not found: none is sent again', async () => {
    const cluster = clusterWithDuplicate();
    const sink = createSink(
      elasticsearchDestination.parse({
        type: 'elasticsearch',
        name: 'es',
        url: 'https://es.example.com',
        auth: { type: 'api-key', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:d' },
        gzip: false,
      }),
      {
        secret: () => fakeSecret('key'),
        transport: () => cluster.transport,
        now: () => NOW,
        sleep: async () => {},
        log: { warn: () => {} },
      },
    );
    const batch = ['dup', 'x', 'y'].map((id) => recordAt(id, NOW - 30 * DAY));
    const outcome = await sink.deliver(batch, context(undefined, NOW + 60_000));
    assert.deepEqual(cluster.bulkIds, []);
    assert.deepEqual(outcome.delivered.map((record) => record.id).sort(), ['dup', 'x', 'y']);
  });
});
