import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forTests } from '../../../lambda/core/detections/sigma/cidr';
import { RuleIndex } from '../../../lambda/core/detections/rule-index';
import { SluiceError } from '../../../lambda/core/errors';
import { parseRuleTestFile, runRuleTestCase } from '../../../lambda/core/detections/rule-tests';
import { buildRuleSet, compilePlainRule } from '../../../lambda/core/detections/sigma/rule-set';

function ruleWith(title: string, logsource: Record<string, string>) {
  return compilePlainRule(`${title}.yml`, { title, logsource, detection: { s: { f: 'x' }, condition: 's' } });
}

describe('logsource binding', () => {
  const ruleSet = buildRuleSet([
    ruleWith('preset and log type', { product: 'strongdm', service: 'queries' }),
    ruleWith('preset only', { product: 'strongdm' }),
    ruleWith('source name', { product: 'portal', service: 'login' }),
    ruleWith('service only', { service: 'login' }),
    ruleWith('category only', { category: 'process_creation' }),
    ruleWith('other product', { product: 'windows', category: 'process_creation' }),
  ]);
  const index = new RuleIndex(ruleSet, [{ name: 'sdm', preset: 'strongdm' }, { name: 'portal' }]);
  const titles = (source: string, logType: string) =>
    index
      .rulesFor(source, logType)
      .rules.map((rule) => rule.title)
      .sort();

  it('maps product to a source by preset or name, and service to the log type', () => {
    assert.deepEqual(titles('sdm', 'queries'), ['preset and log type', 'preset only']);
    assert.deepEqual(titles('sdm', 'activities'), ['preset only']);
    assert.deepEqual(titles('portal', 'login'), ['service only', 'source name']);
    assert.deepEqual(titles('portal', 'logout'), []);
    assert.deepEqual(titles('unconfigured', 'queries'), []);
  });

  it('reports rules that can run on no configured source', () => {
    assert.deepEqual(
      index
        .unbound()
        .map((rule) => rule.title)
        .sort(),
      ['category only', 'other product'],
    );
  });
});

describe('CIDR address parsing', () => {
  it('reads IPv4 strictly', () => {
    assert.equal(forTests.parseIPv4('192.0.2.1', 0, 9), 0xc0000201);
    for (const bad of ['01.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', ' 1.2.3.4']) {
      assert.equal(forTests.parseIPv4(bad, 0, bad.length), -1, bad);
    }
  });

  it('reads IPv6 in its compressed and IPv4-tailed forms', () => {
    assert.deepEqual(forTests.parseIPv6('2001:db8::1'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(forTests.parseIPv6('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(forTests.parseIPv6('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    assert.deepEqual(forTests.parseIPv6('1:2:3:4:5:6:7::'), [1, 2, 3, 4, 5, 6, 7, 0]);
    for (const bad of [':::', '1:2', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '12345::', ':1.2.3.4', '1::2::3']) {
      assert.equal(forTests.parseIPv6(bad), undefined, bad);
    }
  });
});

describe('rule test files', () => {
  const ruleSet = buildRuleSet([
    compilePlainRule('r.yml', {
      title: 'r',
      id: 'r',
      logsource: { product: 'app' },
      detection: { s: { kind: 'bad' }, condition: 's' },
    }),
  ]);
  const file = parseRuleTestFile(
    'r.tests.yml',
    [
      'rule: r',
      'source: { name: app }',
      'cases:',
      '  - name: claims a match that is not one',
      '    match: true',
      '    alerts: 1',
      '    records:',
      '      - { kind: good, logType: x, timestamp: "2024-02-01T00:00:00Z" }',
    ].join('\n'),
  );

  it('report what differs from the expectation', async () => {
    const result = await runRuleTestCase(ruleSet, file, file.cases[0]);
    assert.deepEqual(result.failures, ['record 1 does not match', '0 alert(s) opened, expected 1']);
  });

  it('refuse a misspelt key at its file:line:column, listing the known keys, rather than skip the check', () => {
    assert.throws(
      () =>
        parseRuleTestFile(
          'r.tests.yml',
          'rule: r\nsource: {name: app}\ncases:\n  - name: n\n    match: true\n    alert: 1\n    records: [{a: 1}]\n',
        ),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'RULE_TEST_INVALID' &&
        error.message ===
          'r.tests.yml:6:5: case "n": unknown key "alert" (known: name, rule, match, alerts, count, group, repeat, records)',
    );
    assert.throws(
      () => parseRuleTestFile('r.tests.yml', 'rule: r\nsorce: {name: app}\ncases: []\n'),
      /r\.tests\.yml:2:1: unknown key "sorce" \(known: rule, source, timestampField, cases\)$/,
    );
  });

  it('accept YAML merge keys in a case (a variant of another case)', () => {
    const file = parseRuleTestFile(
      'r.tests.yml',
      'rule: r\nsource: {name: app}\ncases:\n  - &first\n    name: a\n    match: true\n    records: [{a: 1}]\n  - <<: *first\n    name: b\n',
    );
    assert.deepEqual(
      file.cases.map((testCase) => [testCase.name, testCase.match]),
      [
        ['a', true],
        ['b', true],
      ],
    );
  });

  it('refuse a case that expects nothing', () => {
    assert.throws(
      () =>
        parseRuleTestFile(
          'x.yml',
          'rule: r\nsource: {name: app}\ncases:\n  - name: n\n    records: [{a: 1}]\n',
        ),
      // At the case's line: a file of many cases says which one.
      /x\.yml:4:5: case "n" expects nothing: give match or alerts$/,
    );
    assert.throws(
      () =>
        parseRuleTestFile(
          'x.yml',
          'rule: r\nsource: {name: app}\ncases:\n  - name: m\n    match: true\n    records: [{a: 1}]\n  - name: n\n    match: true\n',
        ),
      /x\.yml:7:5: case "n" needs records$/,
    );
  });
});
