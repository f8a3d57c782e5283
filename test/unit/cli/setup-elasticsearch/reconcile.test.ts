import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flatSettings, includes } from '../../../../cli/setup/elasticsearch/compare';
import { ELASTICSEARCH, OPENSEARCH, createdBody, planFor, resource } from './fixtures';

const NONE = new Set<string>();

describe('reconciling with what the cluster answers', () => {
  const { resources } = planFor(ELASTICSEARCH);

  it('writes nothing for an ILM policy Elasticsearch answers with its own defaults added', () => {
    const policy = resource(resources, 'ilm-policy');
    const sent = createdBody(policy) as { policy: { phases: Record<string, Record<string, unknown>> } };
    const answered = structuredClone(sent.policy);
    answered.phases.hot.min_age = '0ms';
    (
      answered.phases.delete.actions as Record<string, Record<string, unknown>>
    ).delete.delete_searchable_snapshot = true;
    const current = {
      'sluice-es-retention': { version: 3, modified_date: 'x', policy: answered, in_use_by: {} },
    };
    assert.deepEqual(policy.reconcile(current, NONE).writes, []);
    answered.phases.delete.min_age = '30d';
    assert.equal(policy.reconcile(current, NONE).writes.length, 1, 'another retention is replaced');
  });

  it('writes nothing for an index template answered with nested, stringified settings and data stream defaults', () => {
    const template = resource(resources, 'index-template', 'sluice-logs-strongdm.queries-default');
    const sent = createdBody(template);
    const answered: Record<string, unknown> & {
      template: { settings: { index: { lifecycle: { name: string } } } };
    } = {
      ...structuredClone(sent),
      data_stream: { hidden: false, allow_custom_routing: false },
      template: {
        ...(sent.template as object),
        settings: { index: { lifecycle: { name: 'sluice-es-retention' } } },
      },
    };
    const current = {
      index_templates: [{ name: 'sluice-logs-strongdm.queries-default', index_template: answered }],
    };
    assert.deepEqual(template.reconcile(current, NONE).writes, []);
    const otherPolicy = structuredClone(current);
    otherPolicy.index_templates[0].index_template.template.settings.index.lifecycle.name = 'logs';
    assert.equal(template.reconcile(otherPolicy, NONE).writes.length, 1);
    const lowerPriority = structuredClone(current);
    lowerPriority.index_templates[0].index_template.priority = 100;
    assert.equal(template.reconcile(lowerPriority, NONE).writes.length, 1);
  });

  it('replaces a role that names other data streams', () => {
    const role = resource(resources, 'role');
    const sent = createdBody(role);
    const answered: Record<string, unknown> = {
      ...structuredClone(sent),
      applications: [],
      run_as: [],
      transient_metadata: { enabled: true },
    };
    (answered.indices as { allow_restricted_indices?: boolean }[])[0].allow_restricted_indices = false;
    assert.deepEqual(role.reconcile({ 'sluice-es-writer': answered }, NONE).writes, []);
    (answered.indices as { names: string[] }[])[0].names.pop();
    assert.equal(role.reconcile({ 'sluice-es-writer': answered }, NONE).writes.length, 1);
  });

  it('keeps an active API key, updates its privileges in place, and ignores expired or invalidated ones', () => {
    const apiKey = resource(resources, 'api-key');
    const descriptors = createdBody(apiKey).role_descriptors as Record<string, Record<string, unknown>>;
    const held = (overrides: Record<string, unknown>) => ({
      api_keys: [
        {
          id: 'k1',
          name: 'sluice-es-writer',
          invalidated: false,
          role_descriptors: descriptors,
          ...overrides,
        },
      ],
    });
    assert.deepEqual(apiKey.reconcile(held({}), NONE).writes, [], 'same privileges: nothing');
    const stale = {
      'sluice-es-writer': { cluster: [], indices: [{ names: ['old'], privileges: ['create_doc'] }] },
    };
    assert.deepEqual(
      apiKey
        .reconcile(held({ role_descriptors: stale }), NONE)
        .writes.map((write) => `${write.method} ${write.path}`),
      ['PUT /_security/api_key/k1'],
    );
    for (const gone of [{ invalidated: true }, { expiration: Date.parse('2024-12-31T00:00:00Z') }]) {
      const writes = apiKey.reconcile(held(gone), NONE).writes;
      assert.deepEqual(
        writes.map((write) => `${write.method} ${write.path}`),
        ['POST /_security/api_key'],
        JSON.stringify(gone),
      );
    }
  });

  it('cannot make the API key with an admin API key (a derived key), and says how to run instead', () => {
    const apiKey = resource(planFor(ELASTICSEARCH, {}, { adminAuth: 'api-key' }).resources, 'api-key');
    const reconciliation = apiKey.reconcile({ api_keys: [] }, NONE);
    assert.deepEqual(reconciliation.writes, []);
    assert.match(reconciliation.blocked ?? '', /derived.*Fix: .*SLUICE_ES_ADMIN_USERNAME/s);
  });

  it('cannot change a key on Elasticsearch before 8.4, and offers --new-credential', () => {
    const old = planFor({ ...ELASTICSEARCH, version: '8.3.3', minor: 3 });
    const apiKey = resource(old.resources, 'api-key');
    const stale = { api_keys: [{ id: 'k1', name: 'sluice-es-writer', role_descriptors: { other: {} } }] };
    assert.match(apiKey.reconcile(stale, NONE).blocked ?? '', /--new-credential/);
  });

  it('replaces an ISM policy with the sequence number and primary term it read', () => {
    const policy = resource(planFor(OPENSEARCH).resources, 'ism-policy');
    const sent = (createdBody(policy) as { policy: Record<string, unknown> }).policy;
    const answered = structuredClone(sent) as Record<string, unknown> & {
      states: { actions: Record<string, unknown>[] }[];
    };
    for (const state of answered.states) for (const action of state.actions) action.retry = { count: 3 };
    answered.policy_id = 'sluice-es-retention';
    (answered.ism_template as Record<string, unknown>[])[0].last_updated_time = 1;
    const current = { _id: 'sluice-es-retention', _seq_no: 7, _primary_term: 2, policy: answered };
    assert.deepEqual(policy.reconcile(current, NONE).writes, []);
    const longer = resource(planFor(OPENSEARCH, { retentionDays: 800 }).resources, 'ism-policy');
    const [write] = longer.reconcile(current, NONE).writes;
    assert.equal(write.path, '/_plugins/_ism/policies/sluice-es-retention?if_seq_no=7&if_primary_term=2');
  });

  it('creates a data stream that is missing and notes that an existing one keeps its old template until rollover', () => {
    const stream = resource(resources, 'data-stream', 'logs-strongdm.queries-default');
    assert.deepEqual(stream.reconcile(undefined, NONE).writes, [
      { method: 'PUT', path: '/_data_stream/logs-strongdm.queries-default' },
    ]);
    const existing = { data_streams: [{ name: 'logs-strongdm.queries-default', template: 'logs' }] };
    assert.deepEqual(stream.reconcile(existing, NONE), { writes: [] });
    const changed = stream.reconcile(existing, new Set(['sluice-logs-strongdm.queries-default']));
    assert.deepEqual(changed.writes, []);
    assert.match(changed.note ?? '', /_rollover/);
  });

  it('adds the writer to a role mapping without dropping whom it already maps', () => {
    const plan = planFor(OPENSEARCH, {
      auth: { type: 'basic', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:b' },
    });
    const mapping = resource(plan.resources, 'role-mapping');
    const held = { 'sluice-es-writer': { users: ['auditor'], backend_roles: ['ops'], hosts: [] } };
    const [write] = mapping.reconcile(held, NONE).writes;
    assert.deepEqual(write.body, {
      users: ['auditor', 'sluice-es-writer'],
      backend_roles: ['ops'],
      hosts: [],
    });
    held['sluice-es-writer'].users.push('sluice-es-writer');
    assert.deepEqual(mapping.reconcile(held, NONE).writes, []);
  });
});

describe('comparing', () => {
  it('finds everything sluice sets in an answer that holds more', () => {
    assert.equal(includes({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { c: [1, 2] } }), true);
    assert.equal(includes({ a: [1, 2, 3] }, { a: [1, 2] }), false, 'arrays match element for element');
    assert.equal(includes({ a: '1' }, { a: 1 }), false);
    assert.equal(includes(undefined, {}), false);
  });

  it('reads settings in either form as dotted index.* keys with string values', () => {
    assert.deepEqual(flatSettings({ index: { lifecycle: { name: 'p' }, number_of_shards: '1' } }), {
      'index.lifecycle.name': 'p',
      'index.number_of_shards': '1',
    });
    assert.deepEqual(flatSettings({ 'index.lifecycle.name': 'p', number_of_shards: 1 }), {
      'index.lifecycle.name': 'p',
      'index.number_of_shards': '1',
    });
  });
});
