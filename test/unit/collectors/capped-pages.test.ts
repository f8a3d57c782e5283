import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pullEvents } from '../../../cli/collectors/pull';
import { collectorConfig, type HttpJsonCollectorConfig } from '../../../lambda/core/collectors/config';
import { runCollector } from '../../../lambda/core/collectors/engine';
import { httpJsonClient } from '../../../lambda/core/collectors/types/http-json';
import { readRaw, sendJson, startLoopbackServer, type LoopbackServer } from '../../support/receivers/server';
import { World } from './fakes';
import { clientDeps, FakeSecrets } from './support';

const NOW = Date.parse('2024-06-10T00:00:00Z');
const T = Date.parse('2024-06-09T08:00:00.000Z');
/** What the API returns at most, whatever it is asked for: below the collectors' `limit`. */
const CAP = 3;
const LIMIT = 10;
const BACKLOG = 8;

const events = Array.from({ length: BACKLOG }, (_, i) => ({
  id: i + 1,
  at: new Date(T + i * 1000).toISOString(),
}));

/**
 * One API, paged four ways, that silently caps pages at CAP events: a `Link` header absent on the last
 * page, a cursor field null on the last page, a cursor field present on every page (a polling position,
 * as Cirrus's `after` is), and an offset.
 */
async function startCappedApi(): Promise<{ server: LoopbackServer; requests: URL[] }> {
  const requests: URL[] = [];
  const server = await startLoopbackServer(async (req, res) => {
    await readRaw(req);
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    requests.push(url);
    const since = Date.parse(url.searchParams.get('from') ?? '1970-01-01T00:00:00Z');
    const matching = events.filter((event) => Date.parse(event.at) >= since);
    const size = Math.min(Number(url.searchParams.get('size')), CAP);
    const start = Number(url.searchParams.get('position') ?? '0');
    const page = matching.slice(start, start + size);
    const end = start + page.length;
    const more = end < matching.length;
    switch (url.pathname) {
      case '/link': {
        const next = new URL(url);
        next.searchParams.set('position', String(end));
        return sendJson(res, 200, page, more ? { link: `<${next.toString()}>; rel="next"` } : {});
      }
      case '/cursor':
        return sendJson(res, 200, { items: page, next: more ? String(end) : null });
      case '/polling-cursor':
        return sendJson(res, 200, { items: page, next: String(end) });
      case '/offset':
        return sendJson(res, 200, { items: page });
      default:
        return sendJson(res, 404, {});
    }
  });
  return { server, requests };
}

const PAGINATIONS = {
  link: { type: 'link-header' },
  cursor: { type: 'cursor', cursorPath: 'next' },
  'polling-cursor': { type: 'cursor', cursorPath: 'next' },
  offset: { type: 'offset' },
} as const;

function configFor(server: LoopbackServer, style: keyof typeof PAGINATIONS): HttpJsonCollectorConfig {
  const position = style === 'offset' ? '{offset}' : style === 'link' ? undefined : '{cursor}';
  return collectorConfig.parse({
    type: 'http-json',
    name: style,
    source: 'api',
    logType: 'audit',
    url: `${server.url}/${style}`,
    query: { from: '{since}', size: '{limit}', ...(position ? { position } : {}) },
    auth: { type: 'none' },
    ...(style === 'link' ? {} : { recordsPath: 'items' }),
    timestampField: 'at',
    idField: 'id',
    limit: LIMIT,
    pagination: PAGINATIONS[style],
  }) as HttpJsonCollectorConfig;
}

describe(`an http-json API that caps its pages at ${CAP} while the collector's limit is ${LIMIT}`, () => {
  let api: Awaited<ReturnType<typeof startCappedApi>>;
  let deps: ReturnType<typeof clientDeps>;

  before(async () => {
    api = await startCappedApi();
    deps = clientDeps(new FakeSecrets());
  });
  after(async () => {
    deps.close();
    await api.server.close();
  });

  const ids = (world: World) => world.lines().map((line) => (line as unknown as { id: number }).id);
  const requestsTo = (style: string) => api.requests.filter((url) => url.pathname === `/${style}`);

  // Pages of 3, 3 and 2. Where the API says "no more" on the last page, that page ends the run; where
  // only an empty page can (an offset, a position given on every page), one more request is the cost.
  const expectedRequests = { link: 3, cursor: 3, 'polling-cursor': 4, offset: 4 } as const;

  for (const style of Object.keys(PAGINATIONS) as Array<keyof typeof PAGINATIONS>) {
    it(`${style} pagination: one run reads the whole backlog, though every page is short`, async () => {
      const world = new World();
      const outcome = await runCollector(
        { name: style, prefix: 'api/logs', logType: 'audit', firstRunLookbackMs: 7 * 86_400_000 },
        {
          client: httpJsonClient(configFor(api.server, style), deps),
          writer: world,
          store: world,
          now: () => NOW,
          deadline: Date.now() + 600_000,
          leaseMs: 60_000,
        },
      );
      assert.equal(outcome.status, 'caught-up');
      assert.deepEqual(ids(world), [1, 2, 3, 4, 5, 6, 7, 8]);
      const sent = requestsTo(style);
      assert.equal(sent[0].searchParams.get('size'), String(LIMIT), 'the API was asked for the limit');
      assert.equal(sent.length, expectedRequests[style]);
    });
  }

  it('`sluice pull` reads the whole range as well, not one page', async () => {
    for (const style of ['link', 'offset'] as const) {
      const lines: string[] = [];
      const result = await pullEvents(httpJsonClient(configFor(api.server, style), deps), {
        since: new Date(T),
        until: new Date(NOW),
        onePage: false,
        deadline: Date.now() + 600_000,
        write: (line) => {
          lines.push(line);
        },
      });
      assert.equal(result.stoppedBy, 'caught-up', style);
      assert.equal(result.events, BACKLOG, style);
      assert.equal(result.pages, expectedRequests[style], style);
    }
  });
});
