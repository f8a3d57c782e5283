import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPENSEARCH, ELASTICSEARCH, createdBody, planFor, resource } from './fixtures';

const STREAMS = [
  'logs-strongdm.activities-default',
  'logs-strongdm.queries-default',
  'logs-strongdm.replays-default',
];

type Properties = Record<string, Record<string, unknown>>;
const propertiesOf = (body: Record<string, unknown>) =>
  (body.template as { mappings: { properties: Properties } }).mappings.properties;

describe('the setup plan for an Elasticsearch destination', () => {
  const { resources, blocked } = planFor(ELASTICSEARCH);

  it('manages, in order, the ILM policy, each data stream with its template, then the role and the API key', () => {
    assert.deepEqual(
      resources.map((item) => `${item.kind} ${item.name}`),
      [
        'ilm-policy sluice-es-retention',
        ...STREAMS.flatMap((stream) => [`index-template sluice-${stream}`, `data-stream ${stream}`]),
        'role sluice-es-writer',
        'api-key sluice-es-writer',
      ],
    );
    assert.deepEqual(blocked, []);
  });

  it('names the data streams the forwarder writes to by default (logs-{source}.{logType}-default) and outranks the built-in logs-*-* template', () => {
    const body = createdBody(resource(resources, 'index-template', `sluice-${STREAMS[1]}`));
    assert.deepEqual(body.index_patterns, [STREAMS[1]]);
    assert.deepEqual(body.data_stream, {});
    assert.ok((body.priority as number) > 100, 'above the built-in template (priority 100)');
    assert.deepEqual(body.composed_of, []);
    assert.deepEqual((body.template as { settings: unknown }).settings, {
      'index.lifecycle.name': 'sluice-es-retention',
    });
  });

  it('maps the StrongDM fields: @timestamp as a date, ids as keywords, query as text and keyword, resourceTags flattened', () => {
    const queries = propertiesOf(createdBody(resource(resources, 'index-template', `sluice-${STREAMS[1]}`)));
    assert.deepEqual(queries['@timestamp'], { type: 'date' });
    assert.deepEqual(queries.timestamp, { type: 'date' });
    for (const id of ['uuid', 'actorAccountID', 'resourceID', 'hash'])
      assert.deepEqual(queries[id], { type: 'keyword' }, id);
    assert.equal(queries.query.type, 'text');
    assert.deepEqual((queries.query.fields as Properties).keyword.type, 'keyword');
    assert.deepEqual(queries.resourceTags, { type: 'flattened' });
    assert.deepEqual(queries.durationMs, { type: 'long' });
    assert.deepEqual(
      queries.sourceIp,
      { type: 'keyword' },
      "not ip: the vendor's examples hold invalid addresses",
    );
    assert.equal(queries.activity, undefined, "an activities field is not in the queries' template");

    const activities = propertiesOf(
      createdBody(resource(resources, 'index-template', `sluice-${STREAMS[0]}`)),
    );
    assert.deepEqual(activities.id, { type: 'keyword' });
    assert.equal(activities.activity.type, 'text');
    const replays = propertiesOf(createdBody(resource(resources, 'index-template', `sluice-${STREAMS[2]}`)));
    assert.deepEqual(
      replays.events,
      { type: 'object', enabled: false },
      'replay payloads are kept, not indexed',
    );
    assert.deepEqual(replays.queryUUID, { type: 'keyword' });
  });

  it('deletes documents 395 days after their backing index rolled over by default, or after retentionDays', () => {
    const phases = (body: Record<string, unknown>) =>
      (body.policy as { phases: Record<string, Record<string, unknown>> }).phases;
    const byDefault = phases(createdBody(resource(resources, 'ilm-policy')));
    assert.equal(byDefault.delete.min_age, '395d');
    assert.deepEqual(byDefault.delete.actions, { delete: {} });
    assert.ok(
      (byDefault.hot.actions as Record<string, unknown>).rollover,
      'rolls over, so that old indices can be deleted',
    );
    const month = phases(
      createdBody(resource(planFor(ELASTICSEARCH, { retentionDays: 30 }).resources, 'ilm-policy')),
    );
    assert.equal(month.delete.min_age, '30d');
  });

  it("gives the writer create_doc, auto_configure and the rollover lookup's read + view_index_metadata on exactly its data streams, and the API key the same", () => {
    const role = createdBody(resource(resources, 'role'));
    assert.deepEqual(role.indices, [
      { names: STREAMS, privileges: ['create_doc', 'auto_configure', 'read', 'view_index_metadata'] },
    ]);
    assert.deepEqual(role.cluster, []);
    const key = createdBody(resource(resources, 'api-key'));
    assert.equal(key.name, 'sluice-es-writer');
    assert.deepEqual(key.role_descriptors, { 'sluice-es-writer': { cluster: [], indices: role.indices } });
  });

  it('grants no read privilege when the destination turns the rollover lookup off', () => {
    const plan = planFor(ELASTICSEARCH, { rolloverLookup: false });
    const role = createdBody(resource(plan.resources, 'role'));
    assert.deepEqual(role.indices, [{ names: STREAMS, privileges: ['create_doc', 'auto_configure'] }]);
  });

  it('makes a native user with the role instead of an API key for a destination with basic auth', () => {
    const plan = planFor(ELASTICSEARCH, {
      auth: { type: 'basic', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:b' },
    });
    const user = createdBody(resource(plan.resources, 'user'));
    assert.deepEqual(user.roles, ['sluice-es-writer']);
    assert.equal(user.password, 'generated-password-0123456789');
    assert.equal(
      plan.resources.some((item) => item.kind === 'api-key'),
      false,
    );
  });

  it('follows indexByLogType and lower-cases names like the bulk encoder', () => {
    const plan = planFor(ELASTICSEARCH, {
      index: 'Audit-{source}-{logType}',
      indexByLogType: { replays: 'sdm-replays' },
    });
    assert.deepEqual(
      plan.resources.filter((item) => item.kind === 'data-stream').map((item) => item.name),
      ['audit-strongdm-activities', 'audit-strongdm-queries', 'sdm-replays'],
    );
  });

  it('puts the log types that share one data stream into one template with all their fields', () => {
    const plan = planFor(ELASTICSEARCH, { index: 'sdm-logs' });
    const templates = plan.resources.filter((item) => item.kind === 'index-template');
    assert.equal(templates.length, 1);
    const properties = propertiesOf(createdBody(templates[0]));
    for (const field of ['activity', 'query', 'chunkID']) assert.ok(properties[field], field);
  });
});

describe('the setup plan for an OpenSearch destination', () => {
  it('uses an ISM policy attached to the data streams by ism_template, deleting 395 days after rollover', () => {
    const plan = planFor(OPENSEARCH, {
      auth: { type: 'basic', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:b' },
    });
    const body = createdBody(resource(plan.resources, 'ism-policy')) as { policy: Record<string, unknown> };
    const { policy } = body;
    assert.deepEqual(policy.ism_template, [{ index_patterns: STREAMS, priority: 100 }]);
    const [hot, remove] = policy.states as { name: string; actions: unknown[]; transitions: unknown[] }[];
    assert.equal(policy.default_state, 'hot');
    assert.deepEqual(hot.transitions, [{ state_name: 'delete', conditions: { min_rollover_age: '395d' } }]);
    assert.deepEqual(remove.actions, [{ delete: {} }]);
  });

  it('maps resourceTags as flat_object from OpenSearch 2.7, as a plain object before, and sets no ILM setting', () => {
    const tags = (cluster: typeof OPENSEARCH) => {
      const body = createdBody(
        resource(planFor(cluster).resources, 'index-template', `sluice-${STREAMS[1]}`),
      );
      assert.equal((body.template as { settings?: unknown }).settings, undefined);
      return propertiesOf(body).resourceTags;
    };
    assert.deepEqual(tags(OPENSEARCH), { type: 'flat_object' });
    assert.deepEqual(tags({ ...OPENSEARCH, version: '2.5.0', minor: 5 }), { type: 'object' });
  });

  it('makes a role with bulk and index writes only, an internal user and the mapping between them (basic auth)', () => {
    const plan = planFor(OPENSEARCH, {
      auth: { type: 'basic', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:b' },
    });
    assert.deepEqual(
      plan.resources.slice(-3).map((item) => `${item.kind} ${item.name}`),
      ['role sluice-es-writer', 'user sluice-es-writer', 'role-mapping sluice-es-writer'],
    );
    const role = createdBody(resource(plan.resources, 'role'));
    assert.deepEqual(role.cluster_permissions, ['indices:data/write/bulk']);
    const [permission] = role.index_permissions as { index_patterns: string[]; allowed_actions: string[] }[];
    assert.deepEqual(permission.index_patterns, STREAMS);
    assert.equal(
      permission.allowed_actions.some(
        (action) =>
          /delete|update|\*$/.test(action) &&
          action !== 'indices:data/write/bulk*' &&
          action !== 'indices:data/read/search*',
      ),
      false,
    );
    assert.deepEqual(
      permission.allowed_actions.filter((action) => !action.startsWith('indices:data/write')),
      ['indices:admin/mapping/put', 'indices:monitor/settings/get', 'indices:data/read/search*'],
      'the rollover lookup reads settings and searches, nothing else',
    );
    assert.deepEqual(createdBody(resource(plan.resources, 'role-mapping')).users, ['sluice-es-writer']);
  });

  it("maps the forwarder's IAM role for SigV4 (Amazon OpenSearch Service), and says so when it is not given", () => {
    const sigv4 = {
      auth: {
        type: 'sigv4',
        region: 'eu-west-1',
        resourceArn: 'arn:aws:es:eu-west-1:123456789012:domain/logs',
      },
    };
    const arn = 'arn:aws:iam::123456789012:role/SluiceForwarder';
    const mapped = planFor(OPENSEARCH, sigv4, { writer: { kind: 'os-iam-role', backendRole: arn } });
    assert.deepEqual(createdBody(resource(mapped.resources, 'role-mapping')).backend_roles, [arn]);
    assert.equal(
      mapped.resources.some((item) => item.kind === 'user'),
      false,
    );
    const unmapped = planFor(OPENSEARCH, sigv4);
    const reconciliation = resource(unmapped.resources, 'role-mapping').reconcile(undefined, new Set());
    assert.deepEqual(reconciliation.writes, []);
    assert.match(reconciliation.blocked ?? '', /--backend-role/);
  });

  it('makes no credential for api-key auth, and says why and what to do', () => {
    const plan = planFor(OPENSEARCH);
    assert.equal(
      plan.resources.some((item) => item.kind === 'user' || item.kind === 'api-key'),
      false,
    );
    assert.equal(plan.blocked.length, 1);
    assert.match(plan.blocked[0], /basic auth.*Fix|Fix:.*basic auth/s);
  });
});
