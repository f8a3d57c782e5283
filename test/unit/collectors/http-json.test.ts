import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CollectorCodes } from '../../../lambda/core/collectors/codes';
import { collectorConfig, type HttpJsonCollectorConfig } from '../../../lambda/core/collectors/config';
import { runCollector } from '../../../lambda/core/collectors/engine';
import { httpJsonClient } from '../../../lambda/core/collectors/types/http-json';
import { startLinkPagedAuditApi, type LinkPagedAuditApi } from '../../support/receivers/link-paged-audit-api';
import { readRaw, sendJson, startLoopbackServer, type LoopbackServer } from '../../support/receivers/server';
import { World } from './fakes';
import { ARN, clientDeps, FakeSecrets } from './support';

const NOW = Date.parse('2024-06-10T00:00:00Z');
const T = Date.parse('2024-06-05T08:00:00.000Z');
const TOKEN = 'ghp_test_token_value';

function parse(config: Record<string, unknown>): HttpJsonCollectorConfig {
  return collectorConfig.parse({
    type: 'http-json',
    name: 'api',
    source: 'api',
    logType: 'audit',
    ...config,
  }) as HttpJsonCollectorConfig;
}

function run(world: World, config: HttpJsonCollectorConfig, deps: ReturnType<typeof clientDeps>) {
  return runCollector(
    { name: config.name, prefix: 'api/logs', logType: 'audit', firstRunLookbackMs: 7 * 86_400_000 },
    {
      client: httpJsonClient(config, deps),
      writer: world,
      store: world,
      now: () => NOW,
      deadline: Date.now() + 600_000,
      leaseMs: 60_000,
    },
  );
}

describe('the http-json collector on a Link-paginated audit log (GitHub-like)', () => {
  let api: LinkPagedAuditApi;
  let secrets: FakeSecrets;
  let deps: ReturnType<typeof clientDeps>;
  const github = (name = 'github') =>
    parse({
      name,
      url: api.url,
      query: { phrase: 'created:>={since}', per_page: '{limit}', order: 'asc', include: 'all' },
      headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
      auth: { type: 'header', secretArn: ARN('github') },
      timestampField: '@timestamp',
      idField: '_document_id',
      limit: 2,
      pagination: { type: 'link-header' },
    });
  const ids = (world: World) =>
    world.lines().map((line) => (line as unknown as { _document_id: string })._document_id);

  before(async () => {
    api = await startLinkPagedAuditApi({ token: TOKEN, org: 'acme' });
  });
  after(async () => api.close());
  beforeEach(() => {
    api.events.length = 0;
    secrets = new FakeSecrets();
    secrets.set(ARN('github'), `${TOKEN}\n`);
    deps = clientDeps(secrets);
  });

  const audit = (id: string, at: number) => ({
    '@timestamp': at,
    _document_id: id,
    action: 'repo.create',
    actor: 'ana',
  });

  it('follows Link rel="next", writes events unchanged, and resumes by @timestamp without loss or repeat', async () => {
    api.events.push(
      audit('a', T),
      audit('b', T + 400),
      audit('c', T + 400),
      audit('d', T + 400),
      audit('e', T + 2000),
    );
    const world = new World();
    const outcome = await run(world, github(), deps);
    assert.equal(outcome.status, 'caught-up');
    assert.deepEqual(ids(world), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(api.requests[0].params.get('phrase'), 'created:>=2024-06-03T00:00:00Z');
    assert.equal(api.requests[1].params.get('after'), 'b', 'the second page came from the Link header');
    assert.equal(
      world.lines()[0] && JSON.stringify(world.lines()[0]),
      JSON.stringify(audit('a', T)),
      'no field added',
    );

    api.events.push(audit('f', T + 2000), audit('g', T + 2500));
    await run(world, github(), deps);
    assert.deepEqual(ids(world), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.equal(
      api.requests.at(-1)?.params.get('phrase'),
      'created:>=2024-06-05T07:55:02Z',
      'from the newest written event less the default lookback (5 min)',
    );
  });

  it('waits out a rate-limit 403 (x-ratelimit-remaining: 0) instead of failing on it', async () => {
    api.events.push(audit('a', T));
    api.faults.push({ kind: 'rate-limited' });
    const outcome = await run(new World(), github('limited'), deps);
    assert.equal(outcome.status, 'caught-up');
    assert.equal(deps.waits.length, 1);
  });

  it('never follows a next link to another origin', async () => {
    api.events.push(audit('a', T), audit('b', T + 1), audit('c', T + 2));
    api.faults.push({ kind: 'foreign-link' });
    const world = new World();
    const outcome = await run(world, github('foreign'), deps);
    assert.equal(outcome.code, CollectorCodes.BAD_RESPONSE);
    assert.match(outcome.message ?? '', /another origin/);
    assert.deepEqual(ids(world), [], 'a page whose next link is refused is not taken');
  });

  it('fails with COLLECTOR_AUTH_FAILED on a bad token, after reading the secret again once', async () => {
    secrets.set(ARN('github'), 'not-the-token');
    const outcome = await run(new World(), github('badtoken'), deps);
    assert.equal(outcome.code, CollectorCodes.AUTH_FAILED);
    assert.equal(secrets.refreshes, 1);
    assert.doesNotMatch(JSON.stringify(outcome), /not-the-token/);
  });
});

describe('the http-json collector with cursor and offset pagination, OAuth2 and login cookies', () => {
  let server: LoopbackServer;
  const received: IncomingMessage[] = [];
  const bodies: string[] = [];
  let tokenRequests = 0;
  const events = Array.from({ length: 5 }, (_, i) => ({
    id: i + 1,
    meta: { at: new Date(T + i * 1000).toISOString() },
    what: `event ${i + 1}`,
  }));

  before(async () => {
    server = await startLoopbackServer(async (req, res) => {
      const body = (await readRaw(req)).toString();
      const url = new URL(req.url ?? '/', 'http://localhost');
      received.push(req);
      bodies.push(body);
      if (url.pathname === '/token') {
        tokenRequests += 1;
        const ok =
          req.headers.authorization === `Basic ${Buffer.from('client-1:client-secret-1').toString('base64')}`;
        return ok && body.includes('grant_type=client_credentials')
          ? sendJson(res, 200, { access_token: 'at-123', token_type: 'Bearer', expires_in: 3600 })
          : sendJson(res, 401, { error: 'invalid_client' });
      }
      if (url.pathname === '/login') {
        return JSON.parse(body).user === 'svc'
          ? sendJson(res, 200, {}, { 'set-cookie': 'sid=session-1; HttpOnly; Max-Age=3600' })
          : sendJson(res, 401, {});
      }
      const since = Date.parse(url.searchParams.get('from') ?? '1970-01-01T00:00:00Z');
      const matching = events.filter((event) => Date.parse(event.meta.at) >= since);
      if (url.pathname === '/cursor') {
        if (req.headers.authorization !== 'Bearer at-123') return sendJson(res, 401, {});
        const start = Number(url.searchParams.get('cursor') ?? '0');
        const page = matching.slice(start, start + 2);
        const next = start + page.length < matching.length ? String(start + page.length) : null;
        return sendJson(res, 200, { result: { items: page }, paging: { next } });
      }
      if (url.pathname === '/offset') {
        if (req.headers.cookie !== 'sid=session-1') return sendJson(res, 401, {});
        const { offset, size } = JSON.parse(body) as { offset: string; size: string };
        return sendJson(res, 200, { items: matching.slice(Number(offset), Number(offset) + Number(size)) });
      }
      sendJson(res, 404, {});
    });
  });
  after(async () => server.close());

  it('pages by a cursor field with an OAuth2 client-credentials token, fetched once', async () => {
    const secrets = new FakeSecrets();
    secrets.set(ARN('oauth'), { clientId: 'client-1', clientSecret: 'client-secret-1' });
    const deps = clientDeps(secrets);
    const config = parse({
      name: 'cursor',
      url: `${server.url}/cursor`,
      query: { from: '{since}', cursor: '{cursor}', size: '{limit}' },
      auth: {
        type: 'oauth2-client-credentials',
        tokenUrl: `${server.url}/token`,
        secretArn: ARN('oauth'),
        scopes: ['audit.read'],
      },
      recordsPath: 'result.items',
      timestampField: 'meta.at',
      idField: 'id',
      limit: 2,
      pagination: { type: 'cursor', cursorPath: 'paging.next' },
    });
    const world = new World();
    const outcome = await run(world, config, deps);
    assert.equal(outcome.status, 'caught-up');
    assert.deepEqual(
      world.lines().map((line) => (line as unknown as { id: number }).id),
      [1, 2, 3, 4, 5],
    );
    assert.equal(tokenRequests, 1);
    const first = new URL(received.find((req) => req.url?.startsWith('/cursor'))!.url!, 'http://x');
    assert.equal(first.searchParams.has('cursor'), false, 'no cursor on the first page');
  });

  it('pages by offset in a POST body, after a login that sets a cookie', async () => {
    const secrets = new FakeSecrets();
    secrets.set(ARN('login'), { user: 'svc', password: 'pw-123' });
    const deps = clientDeps(secrets);
    const config = parse({
      name: 'offset',
      url: `${server.url}/offset`,
      method: 'POST',
      query: { from: '{since}' },
      body: '{"offset": "{offset}", "size": "{limit}"}',
      auth: {
        type: 'login-cookie',
        loginUrl: `${server.url}/login`,
        secretArn: ARN('login'),
        cookieName: 'sid',
      },
      recordsPath: 'items',
      timestampField: 'meta.at',
      limit: 2,
      pagination: { type: 'offset' },
    });
    const world = new World();
    const outcome = await run(world, config, deps);
    assert.equal(outcome.status, 'caught-up');
    const lines = world.lines() as unknown as Array<{ id: number; sluice_event_id: string }>;
    assert.deepEqual(
      lines.map((line) => line.id),
      [1, 2, 3, 4, 5],
    );
    assert.ok(
      lines.every((line) => line.sluice_event_id.length === 27),
      'no id field configured: a content id is added',
    );
  });
});

describe('the http-json collector on a cursor beyond 2^53', () => {
  // A 64-bit "after this id" cursor: JSON.parse reads 9007199254740995 as 9007199254740996, and the
  // API, asked for the events after 9007199254740996, skips 9007199254740996 itself.
  const ids = ['9007199254740994', '9007199254740995', '9007199254740996', '9007199254740997'];
  let server: LoopbackServer;
  const cursors: Array<string | null> = [];

  before(async () => {
    server = await startLoopbackServer(async (req, res) => {
      const after = new URL(req.url ?? '/', 'http://localhost').searchParams.get('after');
      cursors.push(after);
      const start = after === null ? 0 : ids.findIndex((id) => BigInt(id) > BigInt(after));
      const page = start === -1 ? [] : ids.slice(start, start + 2);
      const items = page.map((id) => `{"id":${id},"at":"${new Date(T + ids.indexOf(id)).toISOString()}"}`);
      const next = page.length === 2 ? page[1] : 'null';
      sendJson(res, 200, `{"items":[${items.join(',')}],"next":${next}}`);
    });
  });
  after(async () => server.close());

  it('asks for the next page with the digits the API sent', async () => {
    const deps = clientDeps(new FakeSecrets());
    const config = parse({
      name: 'cursor64',
      url: `${server.url}/events`,
      query: { from: '{since}', after: '{cursor}' },
      auth: { type: 'none' },
      recordsPath: 'items',
      timestampField: 'at',
      idField: 'id',
      pagination: { type: 'cursor', cursorPath: 'next' },
    });
    const world = new World();
    try {
      const outcome = await run(world, config, deps);
      assert.equal(outcome.status, 'caught-up', outcome.message);
    } finally {
      deps.close();
    }
    assert.deepEqual(cursors, [null, '9007199254740995', '9007199254740997']);
    const written = [...world.objects.values()].flatMap((object) =>
      [...object.body.toString('utf8').matchAll(/"id":(\d+)/g)].map((match) => match[1]),
    );
    assert.deepEqual(written, ids, 'every event, none skipped');
  });
});
