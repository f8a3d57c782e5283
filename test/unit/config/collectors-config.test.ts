import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/cirrus-AbCdEf';
const cirrusSource = { name: 'cirrus', prefix: 'cirrus/siem' };
const cirrus = {
  type: 'cirrus-siem',
  name: 'cirrus-main',
  source: 'cirrus',
  logType: 'siem',
  credentialsSecretArn: SECRET,
};

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    assert.ok(error instanceof SluiceError, String(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.context.problems as string[];
  }
  assert.fail('configuration was accepted');
}

function assertRejected(raw: unknown, field: string, pattern: RegExp): void {
  const problems = problemsOf(raw);
  const problem = problems.find((line) => line.startsWith(`${field}: `));
  assert.ok(problem, `expected a problem for ${field}, got:\n${problems.join('\n')}`);
  assert.match(problem, pattern);
}

describe('collectors in the configuration', () => {
  it('accept a source whose only writer is a collector, with the defaults of the issue', () => {
    const config = parseConfig({ sources: [cirrusSource], collectors: [cirrus] });
    const [collector] = config.collectors;
    assert.equal(collector.everyMinutes, 5);
    assert.equal(collector.firstRunDays, 7);
    assert.equal(collector.type === 'cirrus-siem' && collector.limit, 1000);
    assert.deepEqual(config.sources[0].writers, []);
  });

  it("make the forwarder read each collected event's id from the field the collector writes it to", () => {
    const config = parseConfig({
      sources: [
        cirrusSource,
        { name: 'github', prefix: 'github', timestampField: '@timestamp' },
        { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
      ],
      collectors: [
        cirrus,
        {
          type: 'http-json',
          name: 'github-audit',
          source: 'github',
          logType: 'audit',
          url: 'https://api.github.com/orgs/acme/audit-log',
          query: { phrase: 'created:>={since}', per_page: '{limit}' },
          auth: { type: 'header', secretArn: SECRET },
          timestampField: '@timestamp',
          idField: '_document_id',
          pagination: { type: 'link-header' },
        },
      ],
    });
    assert.deepEqual(config.sources[0].idFieldByLogType, { siem: 'sluice_event_id' });
    assert.deepEqual(config.sources[1].idFieldByLogType, { audit: '_document_id' });
    assert.deepEqual(
      config.sources[2].idFieldByLogType,
      { activities: 'id', queries: 'uuid' },
      'a source without collectors keeps its own',
    );
  });

  it('name a source that does not exist', () => {
    assertRejected(
      { sources: [cirrusSource], collectors: [{ ...cirrus, source: 'cirus' }] },
      'collectors[0].source',
      /'cirus' is not a source\. Fix: use one of cirrus/,
    );
  });

  it('still refuse a source nobody writes to', () => {
    assertRejected(
      { sources: [cirrusSource, { name: 'idle', prefix: 'idle' }], collectors: [cirrus] },
      'sources[1].principals',
      /no writer for this source\. Fix: .*collector's "source"/,
    );
  });

  it('refuse two collectors with one name (the checkpoint key)', () => {
    assertRejected(
      { sources: [cirrusSource], collectors: [cirrus, { ...cirrus, logType: 'other' }] },
      'collectors[1].name',
      /duplicates collectors\[0\]\.name 'cirrus-main'/,
    );
  });

  it('refuse two collectors writing the same log type of a source', () => {
    assertRejected(
      { sources: [cirrusSource], collectors: [cirrus, { ...cirrus, name: 'cirrus-other' }] },
      'collectors[1].logType',
      /collectors\[0\] writes log type 'siem' of source 'cirrus' already/,
    );
  });

  it("refuse an idFields entry that contradicts the collector's id field", () => {
    assertRejected(
      { sources: [{ ...cirrusSource, idFields: { siem: 'correlationid' } }], collectors: [cirrus] },
      'sources[0].idFields.siem',
      /'correlationid' is not the id field of collectors\[0\] .*'sluice_event_id'/,
    );
  });

  it("refuse a source timestampField that is not where the collector's events keep their time", () => {
    assertRejected(
      { sources: [{ ...cirrusSource, timestampField: 'time' }], collectors: [cirrus] },
      'sources[0].timestampField',
      /'time' is not where collectors\[0\] \('cirrus-main'\) finds its events' time\. Fix: set it to 'timestamp'/,
    );
  });

  describe('an http-json collector resuming by time', () => {
    const source = { name: 'api', prefix: 'api/audit', timestampField: 'time' };
    const sinceOnly = {
      type: 'http-json',
      name: 'api-audit',
      source: 'api',
      logType: 'audit',
      url: 'https://api.example.com/events',
      query: { since: '{since}', limit: '{limit}' },
      auth: { type: 'none' },
      timestampField: 'time',
      idField: 'id',
      pagination: { type: 'since' },
    };
    const withCollector = (overrides: Record<string, unknown>) => ({
      sources: [source],
      collectors: [{ ...sinceOnly, ...overrides }],
    });

    it('accepts `since` pagination for an API whose only paging is its time filter', () => {
      const [collector] = parseConfig(withCollector({})).collectors;
      assert.equal(collector.type === 'http-json' && collector.pagination.type, 'since');
    });

    it('refuses a {cursor} or {offset} with `since` pagination (nothing would fill it)', () => {
      assertRejected(
        withCollector({ query: { since: '{since}', page: '{offset}' } }),
        'collectors[0].query',
        /since pagination sends no "\{offset\}".*Fix: remove it, or choose "offset" pagination/,
      );
    });

    it('refuses a query or body asking for newest first, naming the field', () => {
      assertRejected(
        withCollector({ query: { since: '{since}', order: 'desc' } }),
        'collectors[0].query.order',
        /"order": "desc" asks for newest events first.*Fix: ask for ascending order/,
      );
      assertRejected(
        withCollector({ query: { since: '{since}', sort: '-time' } }),
        'collectors[0].query.sort',
        /"sort": "-time" asks for newest events first/,
      );
      assertRejected(
        withCollector({
          method: 'POST',
          query: {},
          body: '{"query": {"range": {"time": {"gte": "{since}"}}}, "size": {limit}, "sort": [{"time": "desc"}]}',
        }),
        'collectors[0].body',
        /"time": "desc" asks for newest events first/,
      );
    });

    it('accepts ascending order, and any order with a durable cursor', () => {
      assert.doesNotThrow(() => parseConfig(withCollector({ query: { since: '{since}', order: 'asc' } })));
      assert.doesNotThrow(() =>
        parseConfig(
          withCollector({
            query: { after: '{cursor}', order: 'desc' },
            pagination: { type: 'cursor', cursorPath: 'next', durable: true },
          }),
        ),
      );
    });
  });

  it('accept the worked example of examples/collectors/ in a configuration', () => {
    const example = JSON.parse(
      readFileSync(join(__dirname, '../../../examples/collectors/http-json-github-audit-log.json'), 'utf8'),
    ) as { source: string };
    assert.doesNotThrow(() =>
      parseConfig({
        sources: [{ name: example.source, prefix: 'github/acme', timestampField: '@timestamp' }],
        collectors: [example],
      }),
    );
  });
});
