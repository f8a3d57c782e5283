import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CollectorCodes } from '../../../lambda/core/collectors/codes';
import {
  collectorConfig,
  type StellarbridgeEventsCollectorConfig,
} from '../../../lambda/core/collectors/config';
import { runCollector } from '../../../lambda/core/collectors/engine';
import { stellarbridgeEventsClient } from '../../../lambda/core/collectors/types/stellarbridge-events';
import {
  startStellarbridgeApi,
  type StellarbridgeApi,
  type StellarbridgeEvent,
} from '../../support/receivers/stellarbridge-api';
import { World } from './fakes';
import { ARN, clientDeps, FakeSecrets } from './support';

const NOW = Date.parse('2025-09-12T00:00:00Z');
const LOGIN = { email: 'siem@example.com', password: 'correct horse battery staple' };

function event(
  timestamp: string | undefined,
  action: string,
  time = '2025-09-09T13:30:00Z',
): StellarbridgeEvent {
  return {
    time,
    level: 'info',
    msg: 'audit',
    message: {
      ...(timestamp ? { timestamp } : {}),
      actor: 'ana@example.com',
      action,
      target: 'file.pdf',
      result: { title: 'ok', description: '', code: 200 },
      remote: { ip: '203.0.113.10', port: '443' },
      org: 'acme',
    },
  };
}

describe('the stellarbridge-events collector against a local Stellarbridge', () => {
  let api: StellarbridgeApi;
  let secrets: FakeSecrets;
  let deps: ReturnType<typeof clientDeps>;

  const cfg = (name = 'stellarbridge'): StellarbridgeEventsCollectorConfig =>
    collectorConfig.parse({
      type: 'stellarbridge-events',
      name,
      source: 'stellarbridge',
      logType: 'events',
      orgUrl: api.url,
      loginSecretArn: ARN('login'),
    }) as StellarbridgeEventsCollectorConfig;

  const run = (world: World, client = stellarbridgeEventsClient(cfg(), deps)) =>
    runCollector(
      { name: 'stellarbridge', prefix: 'sb/logs', logType: 'events', firstRunLookbackMs: 7 * 86_400_000 },
      {
        client,
        writer: world,
        store: world,
        now: () => NOW,
        deadline: Date.now() + 600_000,
        leaseMs: 60_000,
      },
    );
  const actions = (world: World) =>
    world.lines().map((line) => (line as unknown as StellarbridgeEvent).message.action);

  before(async () => {
    api = await startStellarbridgeApi({ credentials: LOGIN });
  });
  after(async () => api.close());
  beforeEach(() => {
    api.events.length = 0;
    secrets = new FakeSecrets();
    secrets.set(ARN('login'), LOGIN);
    deps = clientDeps(secrets);
  });

  it('logs in once and reuses the session cookie across runs; orders events by message.timestamp', async () => {
    const logins = api.logins;
    api.events.push(
      event('2025-09-09T13:30:02Z', 'download'),
      event('2025-09-09T13:30:00Z', 'login'),
      event(undefined, 'upload', '2025-09-09T13:30:01Z'),
    );
    const world = new World();
    const client = stellarbridgeEventsClient(cfg(), deps);
    await run(world, client);
    api.events.push(event('2025-09-09T13:30:02Z', 'share'), event('2025-09-09T13:30:03Z', 'logout'));
    await run(world, client);
    assert.equal(api.logins - logins, 1);
    assert.deepEqual(actions(world), ['login', 'upload', 'download', 'share', 'logout']);
    assert.ok(
      world
        .lines()
        .every((line) =>
          /^[A-Za-z0-9_-]{27}$/.test(String((line as Record<string, unknown>).sluice_event_id)),
        ),
    );
  });

  it('logs in again once when the session expired (401), and goes on', async () => {
    api.events.push(event('2025-09-09T13:30:00Z', 'login'));
    const world = new World();
    const client = stellarbridgeEventsClient(cfg(), deps);
    await run(world, client);
    const logins = api.logins;
    api.expireSessions();
    api.events.push(event('2025-09-09T13:31:00Z', 'logout'));
    const outcome = await run(world, client);
    assert.equal(outcome.status, 'caught-up');
    assert.equal(api.logins - logins, 1);
    assert.deepEqual(actions(world), ['login', 'logout']);
  });

  it('fails with COLLECTOR_AUTH_FAILED when the login is refused, quoting neither password nor cookie', async () => {
    secrets.set(ARN('login'), { ...LOGIN, password: 'wrong password' });
    api.events.push(event('2025-09-09T13:30:00Z', 'login'));
    const outcome = await run(new World());
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.code, CollectorCodes.AUTH_FAILED);
    assert.doesNotMatch(JSON.stringify(outcome), /wrong password|correct horse|stellarbridge=/);
  });

  it('fails with COLLECTOR_AUTH_FAILED when even a fresh session is refused', async () => {
    const short = await startStellarbridgeApi({
      credentials: LOGIN,
      sessionSeconds: 0,
      announcedMaxAge: 3600,
    });
    try {
      const client = stellarbridgeEventsClient({ ...cfg(), orgUrl: short.url }, deps);
      const outcome = await run(new World(), client);
      assert.equal(outcome.code, CollectorCodes.AUTH_FAILED);
      assert.equal(short.logins, 2, 'one login, and one more after the 401');
      assert.deepEqual(short.eventRequests, [401, 401]);
    } finally {
      await short.close();
    }
  });

  it('honours Retry-After on 429', async () => {
    api.events.push(event('2025-09-09T13:30:00Z', 'login'));
    api.faults.push({ kind: 'throttle', retryAfter: '15' });
    const outcome = await run(new World());
    assert.equal(outcome.status, 'caught-up');
    assert.deepEqual(deps.waits, [15_000]);
  });

  it('stops with COLLECTOR_BAD_RESPONSE on a truncated answer', async () => {
    api.faults.push({ kind: 'malformed' });
    const world = new World();
    const outcome = await run(world);
    assert.equal(outcome.code, CollectorCodes.BAD_RESPONSE);
    assert.equal(world.checkpoint, undefined);
  });
});
