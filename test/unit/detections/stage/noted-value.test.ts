import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleIndex } from '../../../../lambda/core/detections/rule-index';
import { buildRuleSet, compilePlainRule } from '../../../../lambda/core/detections/sigma/rule-set';
import { NotedValue, readFieldsOf } from '../../../../lambda/core/detections/stage/noted-value';
import type { OutboundRecord } from '../../../../lambda/core/records/types';

/** Logins feed a value_count of users per `net.src` (nested, or a key with a dot) and `tenant`. */
function bound(groupBy: string[] = ['net.src', 'tenant']) {
  const ruleSet = buildRuleSet([
    compilePlainRule('login.yml', {
      title: 'login',
      name: 'login',
      logsource: { product: 'app', service: 'events' },
      detection: { selection: { kind: 'login' }, condition: 'selection' },
    }),
    compilePlainRule('spray.yml', {
      title: 'password spray',
      name: 'spray',
      correlation: {
        type: 'value_count',
        rules: ['login'],
        'group-by': groupBy,
        timespan: '2m',
        condition: { field: 'user.name', gte: 3 },
      },
    }),
  ]);
  return new RuleIndex(ruleSet, [{ name: 'app' }]).rulesFor('app', 'events');
}

/** A record as the forwarder keeps it: its text, parsed again only when asked for its value. */
function recordOf(value: object): OutboundRecord & { reads: number } {
  const text = JSON.stringify(value);
  const record = {
    reads: 0,
    get value() {
      record.reads += 1;
      return JSON.parse(text) as Record<string, unknown>;
    },
  };
  return record as unknown as OutboundRecord & { reads: number };
}

describe('the value a match keeps until its batch runs', () => {
  it('holds every top-level key a correlation of its log type reads: each prefix of a dotted path', () => {
    assert.deepEqual([...readFieldsOf(bound())!].sort(), ['net', 'net.src', 'tenant', 'user', 'user.name']);
  });

  it('gives the rules’ paths what the parsed value gives them, nested or under a dotted key', () => {
    const rules = bound();
    const spray = rules.correlations[0][0].rule;
    const fields = readFieldsOf(rules)!;
    for (const value of [
      { kind: 'login', net: { src: '10.0.0.1' }, tenant: 't1', user: { name: 'ann' }, note: 'x'.repeat(500) },
      { kind: 'login', 'net.src': '10.0.0.2', 'user.name': 'bob', extra: [1, 2, 3] },
      { kind: 'login', net: [{ src: '10.0.0.3' }], user: { name: null } },
      { kind: 'login' },
    ]) {
      const noted = new NotedValue(recordOf(value), value, fields);
      for (const path of [...spray.groupBy, spray.field!])
        assert.deepEqual(path.first(noted), path.first(value), `${path.name} of ${JSON.stringify(value)}`);
      assert.equal('note' in noted || 'extra' in noted, false, 'nothing else is kept');
    }
  });

  it('serializes as the record as read, parsing it only then', () => {
    const value = { kind: 'login', net: { src: '10.0.0.1' }, user: { name: 'ann' }, note: 'kept whole' };
    const record = recordOf(value);
    const noted = new NotedValue(record, value, readFieldsOf(bound())!);
    assert.equal(record.reads, 0);
    assert.deepEqual(JSON.parse(JSON.stringify({ samples: [noted] })), { samples: [value] });
    assert.equal(record.reads, 1);
  });

  it('is not used for a log type whose correlations read a key it cannot hold as its own', () => {
    assert.equal(readFieldsOf(bound(['toJSON'])), undefined);
    assert.equal(readFieldsOf(bound(['__proto__.x'])), undefined);
  });
});
