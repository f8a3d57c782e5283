import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CollectorCodes } from '../../../lambda/core/collectors/codes';
import { collectorConfig, type CirrusSiemCollectorConfig } from '../../../lambda/core/collectors/config';
import { runCollector } from '../../../lambda/core/collectors/engine';
import { cirrusSiemClient } from '../../../lambda/core/collectors/types/cirrus-siem';
import { startCirrusSiemApi, type CirrusApi } from '../../support/receivers/cirrus-siem-api';
import { World } from './fakes';
import { ARN, clientDeps, FakeSecrets } from './support';

const NOW = Date.parse('2024-05-08T00:00:00Z');
const KEY = 'cirrus-key-id';
const SECRET = 'cirrus-very-secret-value';

function entry(n: number, timestamp: string, extra: Record<string, string> = {}) {
  return { timestamp, service: 'idp', tenant: 'acme', correlationid: `c${n}`, ...extra };
}

function config(api: CirrusApi, overrides: Record<string, unknown> = {}): CirrusSiemCollectorConfig {
  return collectorConfig.parse({
    type: 'cirrus-siem',
    name: 'cirrus',
    source: 'cirrus',
    logType: 'siem',
    apiUrl: api.url,
    credentialsSecretArn: ARN('cirrus'),
    limit: 2,
    gzip: false,
    ...overrides,
  }) as CirrusSiemCollectorConfig;
}

for (const linkStyle of ['angle', 'bare'] as const) {
  describe(`the cirrus-siem collector against a local Cirrus SIEM API (${linkStyle} Link header)`, () => {
    let api: CirrusApi;
    let secrets: FakeSecrets;
    let deps: ReturnType<typeof clientDeps>;
    before(async () => {
      api = await startCirrusSiemApi({ apiKey: KEY, apiSecret: SECRET, linkStyle });
    });
    after(async () => api.close());
    beforeEach(() => {
      secrets = new FakeSecrets();
      secrets.set(ARN('cirrus'), { apiKey: KEY, apiSecret: SECRET });
      deps = clientDeps(secrets);
    });

    const run = (world: World, cfg: CirrusSiemCollectorConfig, deadline = Date.now() + 600_000) =>
      runCollector(
        {
          name: cfg.name,
          prefix: 'cirrus/logs',
          logType: cfg.logType,
          gzip: false,
          firstRunLookbackMs: 7 * 86_400_000,
        },
        {
          client: cirrusSiemClient(cfg, deps),
          writer: world,
          store: world,
          now: () => NOW,
          deadline,
          leaseMs: 60_000,
        },
      );

    it('pages by limit, follows the next link with the query added again, and resumes from it', async () => {
      api.add(
        entry(1, '2024-05-01T10:00:00Z'),
        entry(2, '2024-05-01T10:00:00Z'),
        entry(3, '2024-05-01T10:00:01Z'),
        entry(4, '2024-05-01T10:00:02Z', { tenant: 'other' }),
        entry(5, '2024-05-01T10:00:03Z'),
      );
      const world = new World();
      const cfg = config(api, { orgUrl: 'https://org.example.edu', query: { tenant: 'acme' } });
      const first = await run(world, cfg);
      assert.equal(first.status, 'caught-up');
      assert.deepEqual(
        world.lines().map((line) => (line as unknown as { correlationid: string }).correlationid),
        ['c1', 'c2', 'c3', 'c5'],
      );
      const sent = api.requests.slice(-3).map((request) => Object.fromEntries(request.params));
      assert.deepEqual(sent[0], {
        orgUrl: 'https://org.example.edu',
        limit: '2',
        since: '2024-05-01T00:00:00Z',
        tenant: 'acme',
      });
      assert.ok(sent[1].after && sent[1].tenant === 'acme' && sent[1].limit === '2' && !sent[1].since);
      assert.ok(world.checkpoint?.cursor?.includes('after='), 'the last next link is the checkpoint');

      api.add(entry(6, '2024-05-01T10:00:03Z'), entry(7, '2024-05-01T09:00:00Z'));
      await run(world, cfg);
      assert.deepEqual(
        world.lines().map((line) => (line as unknown as { correlationid: string }).correlationid),
        ['c1', 'c2', 'c3', 'c5', 'c6', 'c7'],
        'new entries, late ones included, exactly once',
      );
      assert.ok(
        world.lines().every((line) => typeof (line as Record<string, unknown>).sluice_event_id === 'string'),
      );
    });

    it('waits as Retry-After asks on 429 and 503, and goes on', async () => {
      const world = new World();
      api.faults.push({ kind: 'throttle', retryAfter: '7' }, { kind: 'unavailable' });
      const outcome = await run(world, config(api, { name: 'throttled' }));
      assert.equal(outcome.status, 'caught-up');
      assert.equal(deps.waits[0], 7_000);
      assert.equal(deps.waits.length, 2);
    });

    it('pauses without failing when throttling outlasts the budget', async () => {
      const world = new World();
      api.faults.push({ kind: 'throttle', retryAfter: '3600' });
      const outcome = await run(world, config(api, { name: 'paused' }), Date.now() + 60_000);
      assert.equal(outcome.status, 'paused');
      assert.equal(outcome.code, CollectorCodes.THROTTLED);
      assert.equal(world.checkpoint, undefined);
    });

    it('re-reads the secret once on 401, then fails with COLLECTOR_AUTH_FAILED and no secret in the error', async () => {
      secrets.set(ARN('cirrus'), { apiKey: KEY, apiSecret: 'wrong-secret-value' });
      const world = new World();
      const outcome = await run(world, config(api, { name: 'unauthorized' }));
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.code, CollectorCodes.AUTH_FAILED);
      assert.equal(secrets.refreshes, 1);
      assert.doesNotMatch(JSON.stringify(outcome), /wrong-secret-value|cirrus-key-id|Basic /);
    });

    it('recovers when the re-read secret was rotated', async () => {
      api.faults.push({ kind: 'unauthorized' });
      const world = new World();
      const outcome = await run(world, config(api, { name: 'rotated' }));
      assert.equal(outcome.status, 'caught-up');
      assert.equal(secrets.refreshes, 1);
    });

    it('stops on an answer that is not an array of entries, without moving the checkpoint past it', async () => {
      const world = new World();
      api.faults.push({ kind: 'malformed' });
      const outcome = await run(world, config(api, { name: 'malformed' }));
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.code, CollectorCodes.BAD_RESPONSE);
      assert.equal(world.checkpoint, undefined);
    });
  });
}

describe('the cirrus-siem client', () => {
  it('replaces an `until` in the future with now, as the Cirrus client does', async () => {
    const api = await startCirrusSiemApi({ apiKey: KEY, apiSecret: SECRET });
    try {
      const secrets = new FakeSecrets();
      secrets.set(ARN('cirrus'), { apiKey: KEY, apiSecret: SECRET });
      const deps = clientDeps(secrets);
      const client = cirrusSiemClient(config(api), { ...deps, api: { ...deps.api, now: () => NOW } });
      await client.fetchPage(
        { since: new Date('2024-05-01T00:00:00.900Z'), until: new Date(NOW + 86_400_000) },
        { deadline: Date.now() + 60_000 },
      );
      const params = api.requests[0].params;
      assert.equal(params.get('until'), '2024-05-08T00:00:00Z');
      assert.equal(
        params.get('since'),
        '2024-05-01T00:00:00Z',
        'rounded down: never after the event to return again',
      );
      deps.close();
    } finally {
      await api.close();
    }
  });
});
