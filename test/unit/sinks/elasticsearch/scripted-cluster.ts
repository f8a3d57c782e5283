/**
 * A scripted Elasticsearch for the rollover lookup's unit tests: each kind of request (settings, ids
 * search, newest-elsewhere aggregation, `_alias`, `_bulk`) answered from its own script, every
 * request recorded.
 */
import { elasticsearchDestination } from '../../../../lambda/core/config/destinations';
import type { HttpRequest, HttpResult } from '../../../../lambda/core/http/client';
import type { OutboundRecord } from '../../../../lambda/core/records/types';
import { createSink } from '../../../../lambda/core/sinks/create-sink';
import { fakeSecret, makeRecord } from '../fixtures';

export const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dest';
export const DAY = 86_400_000;
export const NOW = Date.UTC(2025, 6, 1);
export const WRITE_INDEX_CREATED = NOW - 5 * DAY;

export const recordAt = (id: string, epochMillis: number): OutboundRecord =>
  makeRecord(
    { id, action: 'login' },
    { timestamp: { iso: new Date(epochMillis).toISOString(), epochSeconds: '0', epochMillis } },
  );

export const ROLLED_OVER = JSON.stringify({
  '.ds-logs-strongdm.activities-default-2025.05.01-000001': {
    settings: { 'index.creation_date': String(NOW - 60 * DAY) },
  },
  '.ds-logs-strongdm.activities-default-2025.06.26-000002': {
    settings: { 'index.creation_date': String(WRITE_INDEX_CREATED) },
  },
});

export type Answer = { status: number; body: string } | 'reset';

/** A transport that answers each kind of request from its own script and records what was asked. */
export function scriptedCluster(script: {
  settings?: Answer[];
  search?: Answer[];
  /** The aggregation search for the newest document outside an alias's write index. */
  newest?: Answer[];
  alias?: Answer[];
  bulk?: Answer[];
}) {
  const requests: Array<{ method: string; path: string; body: string }> = [];
  const next = (answers: Answer[] | undefined, fallback: Answer): Answer =>
    answers && answers.length > 1 ? answers.shift()! : (answers?.[0] ?? fallback);
  const transport = {
    async request(request: HttpRequest): Promise<HttpResult> {
      const path = request.url.pathname;
      const body = Buffer.from(request.body).toString('utf8');
      requests.push({ method: request.method, path, body });
      let answer: Answer;
      if (path.includes('/_settings/')) answer = next(script.settings, { status: 200, body: ROLLED_OVER });
      else if (path.endsWith('/_search') && body.includes('"aggs"'))
        answer = next(script.newest, { status: 200, body: '{"_shards":{"failed":0}}' });
      else if (path.endsWith('/_search'))
        answer = next(script.search, { status: 200, body: '{"_shards":{"failed":0}}' });
      else if (path.startsWith('/_alias/')) answer = next(script.alias, { status: 404, body: '{}' });
      else answer = next(script.bulk, { status: 200, body: '{"errors":false,"items":[]}' });
      if (answer === 'reset') {
        return {
          ok: false,
          error: { code: 'ECONNRESET', message: 'socket hang up', retryable: true } as never,
        };
      }
      return { ok: true, response: { status: answer.status, headers: {}, body: answer.body } };
    },
  };
  return { transport, requests };
}

export function sinkWith(cluster: ReturnType<typeof scriptedCluster>, extra: Record<string, unknown> = {}) {
  let now = NOW;
  const delays: number[] = [];
  const warnings: string[] = [];
  const sink = createSink(
    elasticsearchDestination.parse({
      type: 'elasticsearch',
      name: 'es',
      url: 'https://es.example.com:9243',
      auth: { type: 'api-key', secretArn: ARN },
      gzip: false,
      ...extra,
    }),
    {
      secret: () => fakeSecret('key'),
      transport: () => cluster.transport,
      now: () => now,
      sleep: async (ms) => {
        delays.push(ms);
        now += ms;
      },
      random: () => 0.5,
      log: { warn: (message) => warnings.push(message) },
    },
  );
  return { sink, delays, warnings, advance: (ms: number) => (now += ms) };
}

export const kinds = (requests: Array<{ path: string; body: string }>) =>
  requests.map((request) =>
    request.path.endsWith('/_bulk')
      ? 'bulk'
      : request.path.endsWith('/_search')
        ? request.body.includes('"aggs"')
          ? 'newest'
          : 'search'
        : request.path.startsWith('/_alias/')
          ? 'alias'
          : 'settings',
  );

/** A 200 settings answer: these indices, created at these times. */
export const settingsAnswer = (indices: Record<string, number>) => ({
  status: 200,
  body: JSON.stringify(
    Object.fromEntries(
      Object.entries(indices).map(([name, at]) => [
        name,
        { settings: { 'index.creation_date': String(at) } },
      ]),
    ),
  ),
});

/** A 200 `_bulk` answer: `count` items of this status, each naming `index`. */
export const bulkAnswer = (index: string, count: number, status = 201) => ({
  status: 200,
  body: JSON.stringify({
    errors: status >= 300,
    items: Array.from({ length: count }, () => ({ create: { _index: index, status } })),
  }),
});
