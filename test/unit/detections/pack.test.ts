import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseRuleTestFile, runRuleTestCase } from '../../../lambda/core/detections/rule-tests';
import { compileRuleSet } from '../../../lambda/core/detections/sigma/rule-set';

const PACK_DIR = resolve(__dirname, '../../../detections/strongdm');
const files = readdirSync(PACK_DIR).sort();
const ruleFiles = files.filter((name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'));
const testFiles = files.filter((name) => name.endsWith('.tests.yml'));
const read = (name: string) => readFileSync(join(PACK_DIR, name), 'utf8');
const ruleSet = compileRuleSet(
  ruleFiles.map((name) => ({ path: `detections/strongdm/${name}`, text: read(name) })),
);

describe('the StrongDM rule pack', () => {
  it('has a test file beside every rule file', () => {
    assert.ok(ruleFiles.length >= 5);
    assert.deepEqual(
      testFiles,
      ruleFiles.map((name) => name.replace(/\.yml$/, '.tests.yml')),
    );
  });

  it('tests every alerting rule with cases that fire and cases that do not', () => {
    const alerting = [
      ...ruleSet.detections.filter((rule) => ruleSet.standalone.has(rule.key)),
      ...ruleSet.correlations.map((bound) => bound.rule),
    ];
    const parsed = testFiles.map((name) => parseRuleTestFile(name, read(name)));
    for (const rule of alerting) {
      const cases = parsed
        .filter((file) => [rule.key, rule.id, rule.name].includes(file.rule))
        .flatMap((file) => file.cases);
      assert.ok(
        cases.some((testCase) => (testCase.alerts ?? 0) > 0),
        `${rule.title}: no case fires`,
      );
      assert.ok(
        cases.some((testCase) => testCase.alerts === 0),
        `${rule.title}: no case stays quiet`,
      );
    }
  });

  it('reads only fields StrongDM writes in the log type each rule runs on (seed 003)', () => {
    const fields: Record<string, readonly string[]> = {
      activities: [
        'formatVersion',
        'id',
        'logType',
        'activity',
        'actorAccountID',
        'actorEmail',
        'actorFirstName',
        'actorLastName',
        'actorExternalID',
        'description',
        'ipAddress',
        'userAgent',
        'entities',
        'timestamp',
      ],
      queries: [
        'formatVersion',
        'logType',
        'actorAccountID',
        'actorFirstName',
        'actorLastName',
        'actorEmail',
        'actorExternalID',
        'durationMs',
        'hash',
        'query',
        'queryCategory',
        'resourceID',
        'resourceName',
        'resourceTags',
        'resourceType',
        'sourceIp',
        'timestamp',
        'uuid',
      ],
      replays: ['formatVersion', 'logType', 'chunkID', 'events', 'hash', 'queryUUID', 'timestamp'],
    };
    const known = (service: string | undefined) => fields[service ?? ''] ?? [];
    for (const rule of ruleSet.detections) {
      assert.equal(rule.logsource.product, 'strongdm', rule.title);
      for (const field of rule.fields) {
        assert.ok(known(rule.logsource.service).includes(field.split('.')[0]), `${rule.title}: ${field}`);
      }
    }
    for (const { rule, bases } of ruleSet.correlations) {
      const read = [...rule.groupBy, ...(rule.field ? [rule.field] : [])].map((path) => path.name);
      for (const base of bases) {
        for (const field of read)
          assert.ok(known(base.logsource.service).includes(field), `${rule.title}: ${field}`);
      }
    }
  });

  for (const name of testFiles) {
    const file = parseRuleTestFile(`detections/strongdm/${name}`, read(name));
    describe(name, () => {
      for (const testCase of file.cases) {
        it(testCase.name, async () => {
          const result = await runRuleTestCase(ruleSet, file, testCase);
          assert.deepEqual(result.failures, []);
        });
      }
    });
  }
});
