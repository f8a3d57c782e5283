import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parseRuleTestFile, type RuleTestFile } from '../../../lambda/core/detections/rule-tests';
import { compileRuleSet } from '../../../lambda/core/detections/sigma/rule-set';
import type { CompiledRule } from '../../../lambda/core/detections/sigma/types';
import type { DetectTestReport } from '../../../cli/detect/test-records';
import type { ValidateReport } from '../../../cli/detect/validate';
import { sluice, workspace } from './helpers';

const PACK = resolve(__dirname, '../../../detections');
const PACK_DIR = join(PACK, 'strongdm');
const ENV = { PATH: process.env.PATH };

const packFiles = readdirSync(PACK_DIR).sort();
const ruleSet = compileRuleSet(
  packFiles
    .filter((name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'))
    .map((name) => ({ path: name, text: readFileSync(join(PACK_DIR, name), 'utf8') })),
);
const testFiles: RuleTestFile[] = packFiles
  .filter((name) => name.endsWith('.tests.yml'))
  .map((name) => parseRuleTestFile(name, readFileSync(join(PACK_DIR, name), 'utf8')));

/** How `detect test` names a rule: its name, else its key. */
function labelOf(ref: string): string {
  const all: CompiledRule[] = [...ruleSet.detections, ...ruleSet.correlations.map((bound) => bound.rule)];
  const rule = all.find((candidate) => [candidate.key, candidate.id, candidate.name].includes(ref));
  assert.ok(rule, `the pack has a rule ${ref}`);
  return rule.name ?? rule.key;
}

/** NDJSON of `records`, with the byte offset of each line. */
function ndjson(records: readonly unknown[]): { text: string; offsets: number[] } {
  const offsets: number[] = [];
  let text = '';
  for (const record of records) {
    offsets.push(Buffer.byteLength(text));
    text += `${JSON.stringify(record)}\n`;
  }
  return { text, offsets };
}

describe('sluice detect validate', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-detect-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], cwd = dir) => sluice(['detect', ...args], { env: ENV, cwd });

  it('accepts the shipped pack, found from the package wherever the command runs', async () => {
    const result = await run(['validate', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<ValidateReport>();
    assert.deepEqual(report.problems, []);
    assert.equal(report.detections + report.correlations, 7);
    assert.deepEqual(
      report.files.map((file) => file.replace(/^.*\/detections\//, 'detections/')),
      packFiles
        .filter((name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'))
        .map((name) => `detections/strongdm/${name}`),
      'every rule file of the pack, no test file',
    );
    assert.equal(report.sources, undefined, 'no configuration: binding is not checked');
    const text = await run(['validate']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^7 rule\(s\) in 5 file\(s\) compile: 5 detection, 2 correlation\n$/);
  });

  it('prints file:line:column: reason for every problem, not only the first, and exits 1', async () => {
    const rules = join(dir, 'broken');
    mkdirSync(rules, { recursive: true });
    writeFileSync(
      join(rules, 'two-bad.yml'),
      [
        'title: unknown modifier',
        'name: bad_one',
        'logsource: { product: strongdm, service: queries }',
        'detection:',
        '  sel:',
        '    query|contians: drop',
        '  condition: sel',
        '---',
        'title: unknown selection',
        'logsource: { product: strongdm, service: queries }',
        'detection:',
        '  sel: { query: x }',
        '  condition: sel and not filter',
        '',
      ].join('\n'),
    );
    writeFileSync(join(rules, 'syntax.yml'), 'title: [unclosed\n');
    // Its reference is to a rule that did not compile: no second problem for it.
    writeFileSync(
      join(rules, 'burst.yml'),
      'title: burst\ncorrelation: { type: event_count, rules: [bad_one], group-by: [a], timespan: 1m, condition: { gte: 2 } }\n',
    );
    const result = await run(['validate', 'broken']);
    assert.equal(result.code, 1, result.stderr);
    const [syntax, ...lines] = result.stdout.trimEnd().split('\n');
    assert.match(syntax, /^broken\/syntax\.yml:2:1: YAML: \S/);
    assert.deepEqual(lines, [
      'broken/two-bad.yml:6:5: query|contians: unknown modifier "contians": did you mean "contains"? (supported: contains, startswith, endswith, all, cased, re, i, m, s, cidr, exists, gt, gte, lt, lte)',
      'broken/two-bad.yml:13:26: condition: unknown selection "filter" (defined: sel)',
      '3 problem(s) in 2 of 3 rule file(s)',
    ]);
    const json = await run(['validate', '--json', 'broken/two-bad.yml']);
    assert.equal(json.code, 1);
    assert.deepEqual(
      json.json<ValidateReport>().problems.map(({ file, line, column }) => [file, line, column]),
      [
        ['broken/two-bad.yml', 6, 5],
        ['broken/two-bad.yml', 13, 26],
      ],
    );
    // detect test refuses to run a rule set that does not compile, with the same lines.
    writeFileSync(join(dir, 'one.ndjson'), '{"logType":"queries","query":"x"}\n');
    const test = await run(['test', 'broken', 'one.ndjson']);
    assert.equal(test.code, 1);
    assert.match(test.stderr, /^broken\/syntax\.yml:2:1: YAML: /m);
    assert.match(test.stderr, /^broken\/two-bad\.yml:13:26: condition: unknown selection "filter"/m);
    assert.equal(test.stdout, '');
    // With --json, stdout holds the report detect validate --json prints, not nothing.
    const testJson = await run(['test', 'broken', 'one.ndjson', '--json']);
    assert.equal(testJson.code, 1);
    const validated = await run(['validate', 'broken', '--json']);
    assert.deepEqual(testJson.json<ValidateReport>(), validated.json<ValidateReport>());
    assert.equal(testJson.json<ValidateReport>().problems.length, 3);
  });

  it('warns about rules no configured source runs', async () => {
    const { dir: apps, config } = workspace({
      sources: [{ name: 'apps', prefix: 'apps/logs', principals: ['arn:aws:iam::123456789012:role/writer'] }],
    });
    try {
      const result = await run(['validate', '--config', config], apps);
      assert.equal(result.code, 0, 'unbound rules are a warning');
      const warnings = result.stderr.trimEnd().split('\n');
      assert.equal(warnings.length, 5, result.stderr);
      for (const warning of warnings) {
        assert.match(
          warning,
          /^warning: .*detections\/strongdm\/\w+\.yml:\d+:\d+: rule "\w+" runs nowhere: logsource product "strongdm" is no configured source's preset or name \(apps\)$/,
        );
      }
      assert.match(result.stdout, /; 5 run on no configured source\n$/);
    } finally {
      rmSync(apps, { recursive: true, force: true });
    }
  });
});

describe('sluice detect test', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-detect-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => sluice(['detect', 'test', ...args], { env: ENV, cwd: dir });

  it('says which of the pack’s test records match which rule, as their test files expect', async () => {
    const expectations: { file: string; offset: number; rule: string; match: boolean; case: string }[] = [];
    const paths: string[] = [];
    for (const testFile of testFiles) {
      const cases = testFile.cases.filter((testCase) => testCase.match !== undefined);
      if (cases.length === 0) continue;
      const name = testFile.path.replace(/\.tests\.yml$/, '.ndjson');
      const { text, offsets } = ndjson(cases.flatMap((testCase) => testCase.records));
      writeFileSync(join(dir, name), text);
      paths.push(name);
      let at = 0;
      for (const testCase of cases) {
        for (let i = 0; i < testCase.records.length; i += 1, at += 1) {
          expectations.push({
            file: name,
            offset: offsets[at],
            rule: labelOf(testCase.rule ?? testFile.rule),
            match: testCase.match!,
            case: testCase.name,
          });
        }
      }
    }
    assert.ok(expectations.length >= 30, `${expectations.length} records: the pack's test files were read`);
    const result = await run([PACK, ...paths, '--source', 'strongdm', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<DetectTestReport>();
    assert.equal(report.records, expectations.length);
    for (const expected of expectations) {
      const found = report.matches.find(
        (match) => match.file === expected.file && match.offset === expected.offset,
      );
      assert.equal(
        found?.rules.includes(expected.rule) ?? false,
        expected.match,
        `${expected.file} byte ${expected.offset} (${expected.case}) ${expected.match ? 'matches' : 'does not match'} ${expected.rule}`,
      );
    }
  });

  it('reads pretty-printed JSON and gzip as the forwarder does, and reports the alerts that would fire', async () => {
    const destructive = testFiles.find((file) => file.path === 'sdm_destructive_sql_prod.tests.yml')!;
    const prod = destructive.cases[0];
    assert.equal(prod.match, true);
    writeFileSync(
      join(dir, 'prod.json'),
      prod.records.map((record) => JSON.stringify(record, null, 2)).join('\n'),
    );
    writeFileSync(join(dir, 'prod.ndjson.gz'), gzipSync(ndjson(prod.records).text));
    const result = await run([PACK_DIR, 'prod.json', 'prod.ndjson.gz', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<DetectTestReport>();
    assert.equal(report.source, 'strongdm', "without a configuration, the rules' product");
    assert.deepEqual(
      report.files.map((file) => [file.file, file.records, file.unreadable]),
      [
        ['prod.json', prod.records.length, 0],
        ['prod.ndjson.gz', prod.records.length, 0],
      ],
    );
    const ids = (file: string) =>
      report.matches
        .filter((match) => match.file === file && match.rules.includes('sdm_destructive_sql_prod'))
        .map((match) => match.id);
    const expectedIds = prod.records.map((record) => record.uuid);
    assert.deepEqual(ids('prod.json'), expectedIds);
    assert.deepEqual(ids('prod.ndjson.gz'), expectedIds);
    // One alert per rule and hour: the same records read twice (same ids) count once.
    const alerts = report.alerts.filter((alert) => alert.rule === 'sdm_destructive_sql_prod');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].occurrences, new Set(expectedIds).size);
    assert.equal(alerts[0].level, 'high');
    assert.equal(alerts[0].document.rule.title, 'Destructive SQL on a production resource');
  });

  it('reads an Elasticsearch _bulk file as its documents, with the ids the forwarder gave them', async () => {
    const prod = testFiles.find((file) => file.path === 'sdm_destructive_sql_prod.tests.yml')!.cases[0];
    // One record without an id of its own: the forwarder names it by where it read it.
    const records = [...prod.records, { ...prod.records[0], uuid: undefined, query: 'truncate table t' }];
    const { dir: bulkDir, config } = workspace({
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [{ type: 'file', name: 'es', path: 'out/bulk.ndjson', format: 'elasticsearch-bulk' }],
    });
    try {
      writeFileSync(join(bulkDir, 'prod.ndjson'), ndjson(records).text);
      // What the user has: the file sluice's own file sink wrote, as `sluice dev` writes it.
      const forwarded = await sluice(['forward', 'prod.ndjson', '--config', config], {
        env: ENV,
        cwd: bulkDir,
      });
      assert.equal(forwarded.code, 0, forwarded.stderr);
      const bulk = readFileSync(join(bulkDir, 'out', 'bulk.ndjson'), 'utf8');
      assert.equal(bulk.trimEnd().split('\n').length, 2 * records.length, 'an action line per document');

      const detect = (file: string) =>
        sluice(['detect', 'test', PACK_DIR, file, '--config', config, '--json'], { env: ENV, cwd: bulkDir });
      const original = (await detect('prod.ndjson')).json<DetectTestReport>();
      const result = await detect('out/bulk.ndjson');
      assert.equal(result.code, 0, result.stderr);
      const report = result.json<DetectTestReport>();
      assert.deepEqual(report.files, [
        { file: 'out/bulk.ndjson', format: 'elasticsearch-bulk', records: records.length, unreadable: 0 },
      ]);
      const idsOf = (matches: DetectTestReport['matches']) =>
        matches.filter((match) => match.rules.includes('sdm_destructive_sql_prod')).map((match) => match.id);
      assert.equal(idsOf(report.matches).length, records.length);
      assert.deepEqual(idsOf(report.matches), idsOf(original.matches), 'the ids the forwarder sent as _id');
      assert.deepEqual(
        report.alerts.map((alert) => [alert.rule, alert.occurrences]),
        original.alerts.map((alert) => [alert.rule, alert.occurrences]),
      );
      const text = await sluice(['detect', 'test', PACK_DIR, 'out/bulk.ndjson', '--config', config], {
        env: ENV,
        cwd: bulkDir,
      });
      assert.match(
        text.stdout,
        new RegExp(
          `^read ${records.length} record\\(s\\) from 1 file\\(s\\) \\([^;]+; 1 as Elasticsearch _bulk, its documents only\\)`,
          'm',
        ),
      );

      // A file cut after an action line is refused at that line, not read as a record short.
      writeFileSync(join(bulkDir, 'cut.ndjson'), bulk.split('\n').slice(0, 3).join('\n'));
      const cut = await sluice(['detect', 'test', PACK_DIR, 'cut.ndjson', '--config', config], {
        env: ENV,
        cwd: bulkDir,
      });
      assert.equal(cut.code, 1);
      assert.match(
        cut.stderr,
        /^error \[BULK_FILE_INVALID\]: cut\.ndjson:3: the file ends after a "create" action line, without its document\. Fix: /m,
      );
    } finally {
      rmSync(bulkDir, { recursive: true, force: true });
    }
  });

  it('reads a Splunk HEC file as its events (log type from the sourcetype), and search hits as their _source', async () => {
    const prod = testFiles.find((file) => file.path === 'sdm_destructive_sql_prod.tests.yml')!.cases[0];
    // Records that name no log type: only the sourcetype says they are queries, which the rule needs.
    const records = prod.records.map(({ logType: _logType, ...record }) => record);
    const { dir: hecDir, config } = workspace({
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [{ type: 'file', name: 'splunk', path: 'out/splunk-hec.ndjson', format: 'splunk-hec' }],
    });
    const detect = (...args: string[]) =>
      sluice(['detect', 'test', PACK_DIR, ...args, '--config', config], { env: ENV, cwd: hecDir });
    try {
      writeFileSync(join(hecDir, 'prod.ndjson'), ndjson(records).text);
      // What `npm start` leaves in .sluice-dev/: the file sink's HEC events.
      const forwarded = await sluice(
        ['forward', 'prod.ndjson', '--log-type', 'queries', '--config', config],
        { env: ENV, cwd: hecDir },
      );
      assert.equal(forwarded.code, 0, forwarded.stderr);
      const hec = readFileSync(join(hecDir, 'out', 'splunk-hec.ndjson'), 'utf8');
      assert.match(
        hec,
        /^\{"time":[\d.]+,"source":"s3:\/\/local\/[^"]+","sourcetype":"strongdm:queries","event":\{/,
      );

      const original = (
        await detect('prod.ndjson', '--log-type', 'queries', '--json')
      ).json<DetectTestReport>();
      const destructive = (report: DetectTestReport) =>
        report.matches.filter((match) => match.rules.includes('sdm_destructive_sql_prod'));
      assert.equal(destructive(original).length, records.length);

      const result = await detect('out/splunk-hec.ndjson', '--json');
      assert.equal(result.code, 0, result.stderr);
      const report = result.json<DetectTestReport>();
      assert.deepEqual(report.files, [
        { file: 'out/splunk-hec.ndjson', format: 'splunk-hec', records: records.length, unreadable: 0 },
      ]);
      assert.deepEqual(
        destructive(report).map((match) => [match.id, match.logType]),
        destructive(original).map((match) => [match.id, match.logType]),
        "the events, as queries (their sourcetype's log type), with their own ids",
      );
      assert.deepEqual(
        report.alerts.map((alert) => [alert.rule, alert.occurrences]),
        original.alerts.map((alert) => [alert.rule, alert.occurrences]),
      );
      const text = await detect('out/splunk-hec.ndjson');
      assert.match(
        text.stdout,
        new RegExp(
          `^read ${records.length} record\\(s\\) from 1 file\\(s\\) \\([^;]+; 1 as Splunk HEC events, their event only\\)`,
          'm',
        ),
      );

      // An elasticdump export (search hits) of the same records, _id the forwarder's record id.
      const hits = destructive(original).map((match, index) =>
        JSON.stringify({
          _index: '.ds-logs-strongdm.queries-default-2024.02.01-000001',
          _type: '_doc',
          _id: `es-${match.id}`,
          _score: 1,
          _source: records[index],
        }),
      );
      writeFileSync(join(hecDir, 'dump.ndjson'), `${hits.join('\n')}\n`);
      const dumped = await detect('dump.ndjson', '--log-type', 'queries', '--json');
      assert.equal(dumped.code, 0, dumped.stderr);
      const dumpReport = dumped.json<DetectTestReport>();
      assert.equal(dumpReport.files[0].format, 'elasticsearch-hits');
      assert.deepEqual(
        destructive(dumpReport).map((match) => match.id),
        destructive(original).map((match) => `es-${match.id}`),
      );

      // HEC events of another source are named, with the fix.
      writeFileSync(join(hecDir, 'okta.ndjson'), hec.replaceAll('"strongdm:queries"', '"okta:system"'));
      const other = await detect('okta.ndjson');
      assert.equal(other.code, 0, other.stderr);
      assert.match(
        other.stderr,
        /^warning: okta\.ndjson: HEC events of sourcetype okta:system are not of source strongdm, .*Fix: test them in a run of their own with --source okta$/m,
      );

      // A line that is no HEC event in a HEC file is refused at its line.
      writeFileSync(join(hecDir, 'mixed.ndjson'), `${hec}${JSON.stringify(records[0])}\n`);
      const mixed = await detect('mixed.ndjson');
      assert.equal(mixed.code, 1);
      assert.match(
        mixed.stderr,
        new RegExp(
          `^error \\[HEC_FILE_INVALID\\]: mixed\\.ndjson:${records.length + 1}: not a Splunk HEC event where one belongs .*Fix: `,
          'm',
        ),
      );
    } finally {
      rmSync(hecDir, { recursive: true, force: true });
    }
  });

  it('reports a correlation firing across files', async () => {
    const burst = testFiles.find((file) => file.path === 'sdm_query_burst.tests.yml')!;
    const hundred = burst.cases.find((testCase) => testCase.count === 100)!;
    // The burst cut in two files: the count is over both.
    writeFileSync(join(dir, 'burst-1.ndjson'), ndjson(hundred.records.slice(0, 60)).text);
    writeFileSync(join(dir, 'burst-2.ndjson'), ndjson(hundred.records.slice(60)).text);
    const result = await run([PACK_DIR, 'burst-1.ndjson', 'burst-2.ndjson', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const alerts = result.json<DetectTestReport>().alerts.filter((alert) => alert.rule === 'sdm_query_burst');
    assert.deepEqual(
      alerts.map((alert) => [alert.count, alert.occurrences, alert.group]),
      [[100, 100, { actorAccountID: 'a-0abcdabcdab00000' }]],
    );
    const text = await run([PACK_DIR, 'burst-1.ndjson', 'burst-2.ndjson']);
    assert.match(text.stdout, /^1 alert\(s\) would fire:$/m);
    assert.match(text.stdout, /^medium +sdm_query_burst +actorAccountID=a-0abcdabcdab00000 +100 +100 /m);
  });

  it('runs rule test files, and exits 1 when a case fails', async () => {
    const passing = await run([PACK_DIR, PACK_DIR]);
    assert.equal(passing.code, 0, passing.stdout);
    const cases = testFiles.reduce((sum, file) => sum + file.cases.length, 0);
    assert.match(passing.stdout, new RegExp(`^rule test cases: ${cases} passed, 0 failed$`, 'm'));
    // A folder is walked for record and test files only: the pack's README.md is no record file.
    const walked = await run([PACK_DIR, PACK, '--json']);
    assert.equal(walked.code, 0, walked.stderr);
    const report = walked.json<DetectTestReport>();
    assert.deepEqual(report.files, []);
    assert.equal(report.cases.length, cases);

    writeFileSync(
      join(dir, 'wrong.tests.yml'),
      [
        'rule: sdm_destructive_sql_prod',
        'source: { name: strongdm, preset: strongdm }',
        'cases:',
        '  - name: a select is no destructive statement',
        '    match: true',
        '    records:',
        "      - { logType: queries, uuid: s-1, query: 'select 1', resourceTags: { env: prod }, timestamp: '2024-02-01T13:00:00Z' }",
        '',
      ].join('\n'),
    );
    const failing = await run([PACK_DIR, 'wrong.tests.yml']);
    assert.equal(failing.code, 1);
    assert.match(
      failing.stdout,
      /^ {2}FAIL wrong\.tests\.yml:4:5: a select is no destructive statement: record 1 does not match$/m,
    );
  });
});
