import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  startElasticsearchAdminReceiver,
  type AdminReceiver,
  type AdminReceiverOptions,
} from '../../support/receivers/elasticsearch-admin-receiver';
import { sluice, workspace, type CliRun } from './helpers';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/es-writer';
const STREAMS = [
  'logs-strongdm.activities-default',
  'logs-strongdm.queries-default',
  'logs-strongdm.replays-default',
];

interface Report {
  dryRun: boolean;
  cluster: { flavor: string };
  dataStreams: string[];
  resources: {
    kind: string;
    name: string;
    status: string;
    note?: string;
    requests: { method: string; path: string; body?: unknown }[];
  }[];
  credential?: { kind: string; name: string; id?: string; secret?: string };
  blocked: string[];
}

const receivers: AdminReceiver[] = [];
async function cluster(options: AdminReceiverOptions = {}): Promise<AdminReceiver> {
  const receiver = await startElasticsearchAdminReceiver(options);
  receivers.push(receiver);
  return receiver;
}

function configFor(receiver: AdminReceiver, destination: Record<string, unknown> = {}) {
  return workspace({
    sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
    destinations: [
      {
        type: 'elasticsearch',
        name: 'es',
        url: receiver.url,
        auth: { type: 'api-key', secretArn: SECRET },
        ...destination,
      },
    ],
  });
}

/** The admin's password in the environment, nothing of the machine's AWS setup. */
function adminEnv(receiver: AdminReceiver, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    SLUICE_ES_ADMIN_USERNAME: receiver.admin.username,
    SLUICE_ES_ADMIN_PASSWORD: receiver.admin.password,
    ...extra,
  };
}

async function setup(
  receiver: AdminReceiver,
  args: string[],
  options: { destination?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  const { dir, config } = configFor(receiver, options.destination);
  return sluice(['setup', 'elasticsearch', 'es', '--config', config, ...args], {
    env: options.env ?? adminEnv(receiver),
    cwd: dir,
  });
}

const sent = (receiver: AdminReceiver) =>
  receiver.writes().map((request) => `${request.method} ${request.path.split('?')[0]}`);

/** `_bulk` as the forwarder's credential sends it. */
async function bulkAs(
  receiver: AdminReceiver,
  authorization: string,
  lines: unknown[],
): Promise<{
  status: number;
  body: { errors?: boolean; items?: Record<string, { status: number; error?: { type: string } }>[] };
}> {
  const response = await fetch(`${receiver.url}/_bulk`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-ndjson' },
    body: `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
  });
  return { status: response.status, body: (await response.json()) as never };
}

const itemStatuses = (answer: Awaited<ReturnType<typeof bulkAs>>) =>
  (answer.body.items ?? []).map((item) => Object.values(item)[0].status);

describe('sluice setup elasticsearch against a local Elasticsearch', () => {
  after(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });

  it('creates the policy, templates, data streams, role and API key once; a second run changes nothing', async () => {
    const receiver = await cluster();
    const first = await setup(receiver, ['--json']);
    assert.equal(first.code, 0, first.stderr);
    const report = first.json<Report>();
    assert.deepEqual(report.dataStreams, STREAMS);
    assert.deepEqual(sent(receiver), [
      'PUT /_ilm/policy/sluice-es-retention',
      ...STREAMS.flatMap((stream) => [
        `PUT /_index_template/sluice-${stream}`,
        `PUT /_data_stream/${stream}`,
      ]),
      'PUT /_security/role/sluice-es-writer',
      'POST /_security/api_key',
    ]);
    assert.ok(
      report.resources.every((resource) => resource.status === 'created'),
      JSON.stringify(report.resources),
    );
    assert.equal(report.credential?.kind, 'api-key');
    const key = receiver.state.apiKeys.get(report.credential!.id!);
    assert.ok(key, 'the key exists');
    assert.equal(
      report.credential!.secret,
      Buffer.from(`${key.id}:${key.key}`).toString('base64'),
      "the encoded value the destination's secret holds",
    );
    assert.equal(receiver.state.ilmPolicies.get('sluice-es-retention')?.policy.phases && true, true);

    const writesBefore = receiver.writes().length;
    const second = await setup(receiver, ['--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(receiver.writes().length, writesBefore, 'no PUT or POST the second time');
    const again = second.json<Report>();
    assert.ok(again.resources.every((resource) => resource.status === 'unchanged'));
    assert.equal(again.credential, undefined, 'the credential is shown once');
    assert.match((await setup(receiver, [])).stdout, /nothing to change: the cluster is set up/);
  });

  it('lets the API key add documents to its data streams, and nothing else', async () => {
    const receiver = await cluster();
    const run = await setup(receiver, ['--json']);
    const key = `ApiKey ${run.json<Report>().credential!.secret}`;
    const create = await bulkAs(receiver, key, [
      { create: { _index: STREAMS[1], _id: 'q1' } },
      {
        '@timestamp': '2024-02-01T13:13:20.895597162Z',
        query: 'select 1',
        durationMs: '20',
        resourceTags: { env: 'dev' },
      },
    ]);
    assert.deepEqual(itemStatuses(create), [201]);
    assert.equal(receiver.documents(STREAMS[1]).size, 1);
    const tamper = await bulkAs(receiver, key, [
      { delete: { _index: STREAMS[1], _id: 'q1' } },
      { index: { _index: STREAMS[1], _id: 'q1' } },
      { '@timestamp': '2024-02-01T13:13:20Z', query: 'rewritten' },
      { create: { _index: 'logs-other.thing-default', _id: 'x' } },
      { '@timestamp': '2024-02-01T13:13:20Z' },
    ]);
    assert.deepEqual(itemStatuses(tamper), [403, 403, 403], 'no delete, no overwrite, no other index');
    assert.equal(receiver.documents(STREAMS[1]).size, 1);
    const manage = await fetch(`${receiver.url}/_ilm/policy/sluice-es-retention`, {
      headers: { authorization: key },
    });
    assert.equal(manage.status, 403, 'the writer cannot read or change the lifecycle');
  });

  it('--dry-run reads, prints every write it would send and sends none; the real run then sends exactly those', async () => {
    const receiver = await cluster();
    const dry = await setup(receiver, ['--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(receiver.writes(), [], 'no write reached the cluster');
    const planned = dry
      .json<Report>()
      .resources.flatMap((resource) =>
        resource.requests.map((request) => `${request.method} ${request.path}`),
      );
    const text = await setup(receiver, ['--dry-run']);
    assert.match(text.stdout, /would create\s+ILM policy sluice-es-retention/);
    assert.match(text.stdout, /PUT \/_ilm\/policy\/sluice-es-retention\n\s+\{\n\s+"policy": \{/);
    assert.match(text.stdout, /"min_age": "395d"/);
    assert.match(text.stdout, /POST \/_security\/api_key/);
    await setup(receiver, []);
    assert.deepEqual(
      receiver.writes().map((request) => `${request.method} ${request.path}`),
      planned,
    );
  });

  it('replaces only the lifecycle policy when retentionDays changes', async () => {
    const receiver = await cluster();
    await setup(receiver, []);
    const before = receiver.writes().length;
    const run = await setup(receiver, ['--json'], { destination: { retentionDays: 730 } });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      receiver
        .writes()
        .slice(before)
        .map((request) => `${request.method} ${request.path}`),
      ['PUT /_ilm/policy/sluice-es-retention'],
    );
    const policy = receiver.state.ilmPolicies.get('sluice-es-retention')!.policy as {
      phases: { delete: { min_age: string } };
    };
    assert.equal(policy.phases.delete.min_age, '730d');
  });

  it('updates the API key in place when a log type is added, so its secret stays valid', async () => {
    const receiver = await cluster();
    const first = (await setup(receiver, ['--json', '--log-types', 'activities'])).json<Report>();
    const key = `ApiKey ${first.credential!.secret}`;
    const second = await setup(receiver, ['--json', '--log-types', 'activities,queries']);
    assert.equal(second.code, 0, second.stderr);
    const report = second.json<Report>();
    assert.equal(report.credential, undefined);
    assert.deepEqual(report.resources.find((resource) => resource.kind === 'api-key')?.status, 'updated');
    const create = await bulkAs(receiver, key, [
      { create: { _index: STREAMS[1], _id: 'q' } },
      { '@timestamp': '2024-02-01T00:00:00Z' },
    ]);
    assert.deepEqual(itemStatuses(create), [201], 'the old secret writes to the new data stream');
  });

  it('notes that a data stream the forwarder made before setup keeps its old template until it rolls over', async () => {
    const receiver = await cluster();
    const admin = `Basic ${Buffer.from(`${receiver.admin.username}:${receiver.admin.password}`).toString('base64')}`;
    await bulkAs(receiver, admin, [
      { create: { _index: STREAMS[0], _id: 'early' } },
      { '@timestamp': '2024-02-01T00:00:00Z' },
    ]);
    assert.equal(receiver.state.dataStreams.has(STREAMS[0]), true, 'made by the built-in logs template');
    const report = (await setup(receiver, ['--json'])).json<Report>();
    const stream = report.resources.find(
      (resource) => resource.name === STREAMS[0] && resource.kind === 'data-stream',
    );
    assert.equal(stream?.status, 'unchanged');
    assert.match(stream?.note ?? '', /POST \/logs-strongdm\.activities-default\/_rollover/);
  });

  it('sets up everything but the key with an admin API key, and exits 1 saying how to make the key', async () => {
    const receiver = await cluster();
    const run = await setup(receiver, ['--json'], {
      env: { PATH: process.env.PATH, SLUICE_ES_ADMIN_API_KEY: receiver.createAdminApiKey() },
    });
    assert.equal(run.code, 1);
    const report = run.json<Report>();
    assert.equal(report.credential, undefined);
    assert.match(report.blocked.join('\n'), /derived.*Fix: .*SLUICE_ES_ADMIN_USERNAME/s);
    assert.ok(receiver.state.esRoles.has('sluice-es-writer'), 'the role is there');
    assert.equal(receiver.state.dataStreams.size, 3);
  });

  it('makes a native user for a destination with basic auth, whose password works once', async () => {
    const receiver = await cluster();
    const dry = await setup(receiver, ['--dry-run'], {
      destination: { auth: { type: 'basic', secretArn: SECRET } },
    });
    assert.match(
      dry.stdout,
      /PUT \/_security\/user\/sluice-es-writer\n\s+\{\n\s+"password": "<generated: shown once/,
    );
    const run = await setup(receiver, ['--json'], {
      destination: { auth: { type: 'basic', secretArn: SECRET } },
    });
    assert.equal(run.code, 0, run.stderr);
    const { username, password } = JSON.parse(run.json<Report>().credential!.secret!) as {
      username: string;
      password: string;
    };
    assert.equal(username, 'sluice-es-writer');
    const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const create = await bulkAs(receiver, basic, [
      { create: { _index: STREAMS[0], _id: 'a' } },
      { '@timestamp': '2024-02-01T00:00:00Z' },
    ]);
    assert.deepEqual(itemStatuses(create), [201]);
    const before = receiver.writes().length;
    assert.equal(
      (await setup(receiver, [], { destination: { auth: { type: 'basic', secretArn: SECRET } } })).code,
      0,
    );
    assert.equal(receiver.writes().length, before, 'the password is not reset on a second run');
  });

  it('refuses to start without admin credentials (exit 2) and reports refused ones (exit 1)', async () => {
    const receiver = await cluster();
    const none = await setup(receiver, [], { env: { PATH: process.env.PATH } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no admin credentials.*Fix: .*--admin-secret-arn.*SLUICE_ES_ADMIN_API_KEY/s);
    const wrong = await setup(receiver, [], {
      env: adminEnv(receiver, { SLUICE_ES_ADMIN_PASSWORD: 'not-it' }),
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /ES_SETUP_UNAUTHORIZED.*GET \/ answered 401 \(security_exception/s);
    assert.doesNotMatch(wrong.stderr, /not-it/, 'the password is never printed');
    const unknown = await sluice(['setup', 'elasticsearch', 'nope', '--config', configFor(receiver).config], {
      env: adminEnv(receiver),
      cwd: '/',
    });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /'nope' is not an elasticsearch destination.*Fix: use one of es/s);
    assert.deepEqual(receiver.writes(), []);
  });
});

describe('sluice setup elasticsearch against a local OpenSearch', () => {
  after(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });
  const basicAuth = { auth: { type: 'basic', secretArn: SECRET } };

  it('creates the ISM policy, templates, data streams, role, internal user and mapping once; a second run changes nothing', async () => {
    const receiver = await cluster({ flavor: 'opensearch' });
    const first = await setup(receiver, ['--json'], { destination: basicAuth });
    assert.equal(first.code, 0, first.stderr);
    const report = first.json<Report>();
    assert.equal(report.cluster.flavor, 'opensearch');
    assert.deepEqual(sent(receiver), [
      'PUT /_plugins/_ism/policies/sluice-es-retention',
      ...STREAMS.flatMap((stream) => [
        `PUT /_index_template/sluice-${stream}`,
        `PUT /_data_stream/${stream}`,
      ]),
      'PUT /_plugins/_security/api/roles/sluice-es-writer',
      'PUT /_plugins/_security/api/internalusers/sluice-es-writer',
      'PUT /_plugins/_security/api/rolesmapping/sluice-es-writer',
    ]);
    const template = receiver.state.templates.get(`sluice-${STREAMS[1]}`)!.body as {
      template: { mappings: { properties: Record<string, unknown> } };
    };
    assert.deepEqual(template.template.mappings.properties.resourceTags, { type: 'flat_object' });

    const before = receiver.writes().length;
    const second = await setup(receiver, ['--json'], { destination: basicAuth });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(receiver.writes().length, before, 'no PUT the second time');

    const { username, password } = JSON.parse(report.credential!.secret!) as {
      username: string;
      password: string;
    };
    const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const create = await bulkAs(receiver, basic, [
      { create: { _index: STREAMS[1], _id: 'q1' } },
      { '@timestamp': '2024-02-01T13:13:20Z', query: 'select 1', resourceTags: { env: 'dev' } },
      { delete: { _index: STREAMS[1], _id: 'q1' } },
    ]);
    assert.deepEqual(itemStatuses(create), [201, 403], 'adds, cannot delete');
  });

  it('replaces the ISM policy with its sequence numbers when retentionDays changes', async () => {
    const receiver = await cluster({ flavor: 'opensearch' });
    await setup(receiver, [], { destination: basicAuth });
    const before = receiver.writes().length;
    const run = await setup(receiver, [], { destination: { ...basicAuth, retentionDays: 400 } });
    assert.equal(run.code, 0, run.stderr);
    const [write] = receiver.writes().slice(before);
    assert.match(
      write.path,
      /^\/_plugins\/_ism\/policies\/sluice-es-retention\?if_seq_no=\d+&if_primary_term=1$/,
    );
    assert.equal(write.status, 200);
  });

  it('--skip-writer sets up the lifecycle, templates and data streams only', async () => {
    const receiver = await cluster({ flavor: 'opensearch' });
    const run = await setup(receiver, ['--skip-writer']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      sent(receiver).some((write) => write.includes('_security')),
      false,
    );
    assert.equal(receiver.state.dataStreams.size, 3);
  });

  it("maps the forwarder's IAM role for a SigV4 destination (Amazon OpenSearch Service)", async () => {
    const receiver = await cluster({ flavor: 'opensearch' });
    const sigv4 = {
      auth: {
        type: 'sigv4',
        region: 'us-east-1',
        resourceArn: 'arn:aws:es:us-east-1:123456789012:domain/logs',
      },
    };
    const role = 'arn:aws:iam::123456789012:role/SluiceForwarder';
    const run = await setup(receiver, ['--json', '--backend-role', role], { destination: sigv4 });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(receiver.state.roleMappings.get('sluice-es-writer')?.backend_roles, [role]);
    assert.equal(run.json<Report>().credential, undefined, 'IAM authenticates: no password');
    const unmapped = await cluster({ flavor: 'opensearch' });
    const blocked = await setup(unmapped, [], { destination: sigv4 });
    assert.equal(blocked.code, 1);
    assert.match(blocked.stdout, /not done: .*--backend-role/);
  });
});
