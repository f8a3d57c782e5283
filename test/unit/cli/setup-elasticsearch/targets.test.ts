import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elasticsearchDestination } from '../../../../lambda/core/config/destinations';
import { sourceConfig } from '../../../../lambda/core/config/sources';
import { SluiceError } from '../../../../lambda/core/errors';
import type { OutboundRecord } from '../../../../lambda/core/records/types';
import { createBulkEncoder } from '../../../../lambda/core/sinks/elasticsearch/encoder';
import { clusterInfoOf } from '../../../../cli/setup/elasticsearch/cluster-info';
import { dataStreamName, dataStreamTargets } from '../../../../cli/setup/elasticsearch/targets';
import { destination, strongdm } from './fixtures';

const apps = sourceConfig.parse({
  name: 'apps',
  prefix: 'apps/logs',
  ingest: { defaultLogType: 'app', endpoint: { enabled: false } },
});

describe('the data streams setup prepares', () => {
  it("are StrongDM's three log types by default", () => {
    assert.deepEqual(
      dataStreamTargets(destination(), [strongdm]).map((target) => [target.name, target.logTypes]),
      [
        ['logs-strongdm.activities-default', ['activities']],
        ['logs-strongdm.queries-default', ['queries']],
        ['logs-strongdm.replays-default', ['replays']],
      ],
    );
  });

  it("are the destination's logTypes when it names them, and --log-types above all", () => {
    assert.deepEqual(
      dataStreamTargets(destination({ logTypes: ['queries'] }), [strongdm]).map((target) => target.name),
      ['logs-strongdm.queries-default'],
    );
    assert.deepEqual(
      dataStreamTargets(destination({ logTypes: ['queries'] }), [strongdm], { logTypes: ['activities'] }).map(
        (t) => t.name,
      ),
      ['logs-strongdm.activities-default'],
    );
  });

  it("is the source's one log type when its key layout names none (a Cloudflare Logpush job)", () => {
    const firewall = sourceConfig.parse({
      name: 'cloudflare',
      prefix: 'cloudflare/firewall',
      preset: 'cloudflare-logpush',
      logType: 'firewall_events',
    });
    assert.deepEqual(
      dataStreamTargets(destination(), [firewall]).map((target) => [target.name, target.logTypes]),
      [['logs-cloudflare.firewall_events-default', ['firewall_events']]],
    );
  });

  it('refuses a source whose log types are unknown unless they are named, and --source picks one', () => {
    assert.throws(
      () => dataStreamTargets(destination(), [strongdm, apps]),
      (error: SluiceError) => {
        assert.equal(error.code, 'USAGE');
        assert.match(error.message, /'apps'.*Fix: .*--log-types.*--source/s);
        return true;
      },
    );
    assert.equal(dataStreamTargets(destination(), [strongdm, apps], { source: 'strongdm' }).length, 3);
    assert.deepEqual(
      dataStreamTargets(destination(), [apps], { logTypes: ['app'] }).map((target) => target.name),
      ['logs-apps.app-default'],
    );
    assert.throws(
      () => dataStreamTargets(destination(), [strongdm], { source: 'nope' }),
      /'nope' is not in the configuration/,
    );
  });

  it('refuses names Elasticsearch would refuse, and two sources in one data stream', () => {
    assert.throws(
      () => dataStreamTargets(destination({ index: '_{logType}' }), [strongdm]),
      /cannot start with/,
    );
    assert.throws(
      () => dataStreamTargets(destination({ index: 'a:{logType}' }), [strongdm]),
      /cannot contain/,
    );
    const other = sourceConfig.parse({ name: 'other', prefix: 'other', preset: 'strongdm' });
    assert.throws(
      () => dataStreamTargets(destination({ index: 'sdm-{logType}' }), [strongdm, other]),
      /both write to .*Fix: put \{source\}/s,
    );
  });

  it('are named exactly as the bulk encoder addresses the records', () => {
    const config = elasticsearchDestination.parse({
      ...destination({ index: 'Audit-{source}_{logType}', indexByLogType: { Replays: 'sdm-REPLAYS' } }),
    });
    const encoder = createBulkEncoder(config);
    for (const [source, logType] of [
      ['strongdm', 'Queries'],
      ['apps', 'app'],
      ['strongdm', 'Replays'],
    ]) {
      const record = { source, logType, id: 'x' } as unknown as OutboundRecord;
      const action = JSON.parse(encoder.actionLine(record).trim()) as { create: { _index: string } };
      assert.equal(dataStreamName(config, source, logType), action.create._index, `${source} ${logType}`);
    }
  });
});

describe('reading GET /', () => {
  it('tells OpenSearch by version.distribution and Elasticsearch by its absence', () => {
    const opensearch = clusterInfoOf({ version: { distribution: 'opensearch', number: '2.13.0' } });
    assert.deepEqual(opensearch, { flavor: 'opensearch', version: '2.13.0', major: 2, minor: 13 });
    assert.equal(
      clusterInfoOf({ version: { number: '8.13.4', build_flavor: 'default' } }).flavor,
      'elasticsearch',
    );
  });

  it('refuses Elasticsearch before 7.13 and answers that are no cluster', () => {
    assert.throws(() => clusterInfoOf({ version: { number: '7.10.2' } }), /7\.10\.2 is older than 7\.13/);
    assert.throws(
      () => clusterInfoOf('<html>Kibana</html>'),
      /did not answer like Elasticsearch or OpenSearch/,
    );
  });
});

describe('retentionDays in the configuration', () => {
  it('defaults to 395 days and refuses nonsense', () => {
    assert.equal(destination().retentionDays, 395);
    assert.equal(destination({ retentionDays: 90 }).retentionDays, 90);
    assert.throws(() => destination({ retentionDays: 0 }));
    assert.throws(() => destination({ retentionDays: 1.5 }));
  });
});
