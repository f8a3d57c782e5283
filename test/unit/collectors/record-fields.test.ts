import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectorConfig } from '../../../lambda/core/collectors/config';
import { createCollectorClient } from '../../../lambda/core/collectors/create-client';
import { collectorIdField, collectorTimestampField } from '../../../lambda/core/collectors/record-fields';
import { ARN, clientDeps, FakeSecrets } from './support';

const common = { name: 'c', source: 's', logType: 'l' };
const CONFIGS = {
  'cirrus-siem': { type: 'cirrus-siem', ...common, credentialsSecretArn: ARN('cirrus') },
  'stellarbridge-events': {
    type: 'stellarbridge-events',
    ...common,
    orgUrl: 'https://acme.stellarbridge.app',
    loginSecretArn: ARN('sb'),
  },
  'http-json with a top-level id': {
    type: 'http-json',
    ...common,
    url: 'https://api.example.com/audit',
    query: { since: '{since}' },
    auth: { type: 'none' },
    timestampField: 'created_at',
    idField: 'uuid',
    pagination: { type: 'link-header' },
  },
  'http-json with a nested id and time': {
    type: 'http-json',
    ...common,
    url: 'https://api.example.com/audit',
    query: { since: '{since}' },
    auth: { type: 'none' },
    timestampField: 'meta.at',
    idField: 'meta.id',
    pagination: { type: 'link-header' },
  },
  'http-json without an id': {
    type: 'http-json',
    ...common,
    url: 'https://api.example.com/audit',
    query: { since: '{since}' },
    auth: { type: 'none' },
    timestampField: 'at',
    pagination: { type: 'link-header' },
  },
};

describe('the record fields a collector writes, known from its configuration', () => {
  for (const [name, raw] of Object.entries(CONFIGS)) {
    it(`name the id field its client writes (${name})`, () => {
      const config = collectorConfig.parse(raw);
      const deps = clientDeps(new FakeSecrets());
      try {
        assert.equal(collectorIdField(config), createCollectorClient(config, deps).idField);
      } finally {
        deps.close();
      }
    });
  }

  it('name the time field only when it is one top-level field', () => {
    const time = (name: keyof typeof CONFIGS) =>
      collectorTimestampField(collectorConfig.parse(CONFIGS[name]));
    assert.equal(time('cirrus-siem'), 'timestamp');
    assert.equal(time('http-json with a top-level id'), 'created_at');
    assert.equal(time('http-json with a nested id and time'), undefined);
    assert.equal(time('stellarbridge-events'), undefined);
  });
});
