import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { strongDmRecords } from '../../../bench/data/strongdm';
import { RuleIndex } from '../../../lambda/core/detections/rule-index';
import { parseRuleTestFile } from '../../../lambda/core/detections/rule-tests';
import {
  buildRuleSet,
  compilePlainRule,
  compileRuleSet,
} from '../../../lambda/core/detections/sigma/rule-set';
import { EventFactory } from '../../../lambda/core/records/event-factory';
import { fieldViewOf } from '../../../lambda/core/records/field-view';

const PACK_DIR = resolve(__dirname, '../../../detections/strongdm');
const packFiles = readdirSync(PACK_DIR).sort();
const read = (name: string) => readFileSync(join(PACK_DIR, name), 'utf8');
const pack = compileRuleSet(
  packFiles
    .filter((name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'))
    .map((name) => ({ path: `detections/strongdm/${name}`, text: read(name) })),
);
const STRONGDM = { name: 'sdm', preset: 'strongdm' };

/** What the forwarder gives the rules when its reader scans for `fields`: a view of the fields found, nothing else. */
function scannedView(record: object, fields: readonly string[]): Readonly<Record<string, unknown>> {
  const bytes = Buffer.from(JSON.stringify(record));
  const event = new EventFactory(bytes.length, 0, fields).fromBytes(bytes, 0, bytes.length, 0, true);
  assert.ok(event.kind === 'record' && event.fieldNames, 'read for its fields');
  return fieldViewOf(event);
}

function rule(name: string, detection: Record<string, unknown>) {
  return compilePlainRule(`${name}.yml`, {
    title: name,
    name,
    logsource: { product: 'strongdm', service: 'queries' },
    detection,
  });
}

describe('the fields the rules read, which the forwarder finds instead of parsing whole records', () => {
  it("the StrongDM pack's rules decide alike on those fields and on the whole record", () => {
    const index = new RuleIndex(pack, [STRONGDM]);
    const fields = index.fieldsOf('sdm');
    assert.ok(fields, 'the pack has no keyword search');
    const records: Record<string, unknown>[] = packFiles
      .filter((name) => name.endsWith('.tests.yml'))
      .flatMap((name) => parseRuleTestFile(name, read(name)).cases.flatMap((testCase) => testCase.records))
      .map((record) => ({ ...record }));
    const generated = strongDmRecords(11);
    for (let i = 0; i < 3_000; i += 1) records.push(generated.next());
    let matched = 0;
    for (const record of records) {
      const view = scannedView(record, fields);
      const whole = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
      for (const detection of index.rulesFor('sdm', String(record.logType)).rules) {
        const verdict = detection.matches(whole);
        assert.equal(detection.matches(view), verdict, `${detection.name} on ${JSON.stringify(record)}`);
        if (verdict) matched += 1;
      }
    }
    assert.ok(matched > 1_000, `${matched} matches: the comparison covers matching records`);
  });

  it("are every top-level key a rule's dotted paths and its correlations' group-by and counted fields can read", () => {
    const ruleSet = buildRuleSet([
      rule('prod', { sel: { 'resourceTags.env': 'prod', 'query|contains': 'drop' }, condition: 'sel' }),
      compilePlainRule('burst.yml', {
        title: 'burst',
        name: 'burst',
        correlation: {
          type: 'value_count',
          rules: ['prod'],
          'group-by': ['actor.account.id'],
          timespan: '1m',
          condition: { field: 'sourceIp', gte: 2 },
        },
      }),
    ]);
    const fields = new RuleIndex(ruleSet, [STRONGDM]).fieldsOf('sdm');
    assert.deepEqual([...(fields ?? [])].sort(), [
      'actor',
      'actor.account',
      'actor.account.id',
      'query',
      'resourceTags',
      'resourceTags.env',
      'sourceIp',
    ]);
    assert.deepEqual(new RuleIndex(ruleSet, [{ name: 'other' }]).fieldsOf('other'), [], 'no rule of its own');
  });

  it('are undefined (records are parsed whole) when a rule searches keywords or reads a reserved key', () => {
    for (const detection of [
      { keywords: ['DROP TABLE', 'TRUNCATE'], condition: 'keywords' },
      { keywords: 'DROP TABLE', condition: 'keywords' },
      { sel: { '|contains': 'drop' }, condition: 'sel' },
      { sel: { '__proto__.polluted': 'x' }, condition: 'sel' },
    ]) {
      const ruleSet = buildRuleSet([
        rule('plain', { sel: { query: 'select 1' }, condition: 'sel' }),
        rule('whole', detection),
      ]);
      assert.equal(new RuleIndex(ruleSet, [STRONGDM]).fieldsOf('sdm'), undefined, JSON.stringify(detection));
    }
  });
});
