import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile, parseConfig } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';

const strongdm = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    assert.ok(error instanceof SluiceError);
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

describe('configuration defaults', () => {
  const config = parseConfig({ sources: [{ ...strongdm, prefix: '/sdm/logs/' }] });

  it('expands the strongdm preset into its writer role and record id fields', () => {
    assert.deepEqual(config.sources[0].writers, ['arn:aws:iam::910226215634:role/StrongDMLogStream']);
    assert.deepEqual(config.sources[0].idFieldByLogType, { activities: 'id', queries: 'uuid' });
    assert.equal(config.sources[0].format, 'auto');
    assert.equal(config.sources[0].timestampField, 'timestamp');
  });

  it('normalizes prefixes without edge slashes', () => {
    assert.equal(config.sources[0].prefix, 'sdm/logs');
  });

  it('keeps logs 395 days in SSE-S3, versioned, without Object Lock', () => {
    assert.equal(config.bucket.retentionDays, 395);
    assert.equal(config.bucket.encryption, 's3-managed');
    assert.equal(config.bucket.versioned, true);
    assert.equal(config.bucket.objectLock, undefined);
  });

  it('fills destination defaults', () => {
    const withHec = parseConfig({
      sources: [strongdm],
      destinations: [
        {
          type: 'splunk-hec',
          name: 'splunk',
          url: 'https://splunk.example.com:8088',
          tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hec-AbCdEf',
        },
      ],
    });
    const [hec] = withHec.destinations;
    assert.equal(hec.type, 'splunk-hec');
    assert.equal(hec.type === 'splunk-hec' && hec.sourcetype, '{source}:{logType}');
    assert.equal(hec.gzip, true);
    assert.equal(hec.maxBatchBytes, 1_000_000);
  });
});

describe('invalid configuration names the field and the fix', () => {
  it('a bad principal ARN', () => {
    assertRejected(
      { sources: [{ name: 'app', prefix: 'app', principals: ['arn:aws:iam::123:role/x'] }] },
      'sources[0].principals[0]',
      /not an IAM principal ARN\. Fix: use arn:aws:iam::<12-digit account>:role\/<name>/,
    );
  });

  it('an unknown preset', () => {
    assertRejected(
      { sources: [{ name: 'x', prefix: 'x', preset: 'strongdn' }] },
      'sources[0].preset',
      /not a known preset\. Fix: use one of strongdm/,
    );
  });

  it('a source without any writer', () => {
    assertRejected(
      { sources: [{ name: 'x', prefix: 'x' }] },
      'sources[0].principals',
      /no writer for this source\. Fix: set "preset"/,
    );
  });

  it('overlapping source prefixes', () => {
    assertRejected(
      { sources: [strongdm, { name: 'more', prefix: 'sdm/logs/activities', preset: 'strongdm' }] },
      'sources[1].prefix',
      /overlaps sources\[0\]\.prefix 'sdm\/logs'\. Fix:/,
    );
  });

  it('prefixes that only share characters do not overlap', () => {
    assert.doesNotThrow(() =>
      parseConfig({ sources: [strongdm, { name: 'more', prefix: 'sdm/logs2', preset: 'strongdm' }] }),
    );
  });

  it('a quarantine prefix inside a source prefix', () => {
    assertRejected(
      { sources: [strongdm], quarantinePrefix: 'sdm/logs/bad' },
      'quarantinePrefix',
      /overlaps sources\[0\]\.prefix/,
    );
  });

  it('a prefix that could escape the layout', () => {
    assertRejected({ sources: [{ ...strongdm, prefix: 'sdm/../x' }] }, 'sources[0].prefix', /"\.\."/);
  });

  it('duplicate source names', () => {
    assertRejected(
      { sources: [strongdm, { ...strongdm, prefix: 'other' }] },
      'sources[1].name',
      /duplicates sources\[0\]\.name/,
    );
  });

  it('Object Lock without versioning', () => {
    assertRejected(
      { sources: [strongdm], bucket: { versioned: false, objectLock: { mode: 'governance', days: 30 } } },
      'bucket.objectLock',
      /needs versioning\. Fix: set bucket\.versioned to true/,
    );
  });

  it('retention shorter than the lock', () => {
    assertRejected(
      { sources: [strongdm], bucket: { retentionDays: 100, objectLock: { mode: 'compliance', days: 365 } } },
      'bucket.retentionDays',
      /shorter than bucket\.objectLock\.days 365.*Fix: set retentionDays >= objectLock\.days/,
    );
  });

  it('a transition after expiry', () => {
    assertRejected(
      { sources: [strongdm], bucket: { retentionDays: 60, transitionDays: 90 } },
      'bucket.transitionDays',
      /must be below bucket\.retentionDays/,
    );
  });

  it('STANDARD_IA before S3 allows it', () => {
    assertRejected(
      { sources: [strongdm], bucket: { transitionDays: 7 } },
      'bucket.transitionDays',
      /30-day minimum for STANDARD_IA/,
    );
  });

  it('a destination over plain http to a remote host', () => {
    assertRejected(
      {
        sources: [strongdm],
        destinations: [{ type: 'https', name: 'collector', url: 'http://collector.example.com/ingest' }],
      },
      'destinations[0].url',
      /must use https:\/\/.*Fix: use the TLS endpoint/,
    );
  });

  it('plain http: the refusal lists exactly the loopback hosts that are accepted', () => {
    const collector = (url: string) => ({
      sources: [strongdm],
      destinations: [{ type: 'https', name: 'collector', url }],
    });
    const [problem] = problemsOf(collector('http://10.0.0.8:8080/ingest'));
    const listed = /plain http is accepted only on loopback: (.*)\)\./.exec(problem)?.[1];
    assert.ok(listed, problem);
    const hosts = listed.split(/, | or /);
    assert.deepEqual(hosts, ['localhost', '127.0.0.1', '[::1]']);
    for (const host of hosts)
      assert.doesNotThrow(() => parseConfig(collector(`http://${host}:8080/ingest`)), host);
    for (const host of ['127.0.0.2', 'localhost.example.com', '[::2]'])
      assert.equal(problemsOf(collector(`http://${host}:8080/ingest`)).length, 1, host);
  });

  it('a token in the configuration instead of a secret ARN', () => {
    assertRejected(
      {
        sources: [strongdm],
        destinations: [
          {
            type: 'splunk-hec',
            name: 'splunk',
            url: 'https://splunk.example.com',
            tokenSecretArn: 'abcd-1234',
          },
        ],
      },
      'destinations[0].tokenSecretArn',
      /Secrets Manager secret ARN/,
    );
  });

  it('an unknown field (a typo must not be silently ignored), named itself, with what was meant', () => {
    assertRejected(
      { sources: [{ ...strongdm, prefx: 'x' }] },
      'sources[0].prefx',
      /unknown field "prefx"\. Fix: did you mean "prefix"\?/,
    );
  });

  it('an unknown field that is no typo of a known one, with the fields it could be', () => {
    assertRejected(
      { sources: [strongdm], forwarder: { speed: 3 } },
      'forwarder.speed',
      /unknown field "speed"\. Fix: remove it \(fields here: .*batchSize.*\)/,
    );
  });

  it('a value outside its list, with the list and what was meant', () => {
    assertRejected(
      { sources: [{ ...strongdm, format: 'ndjsn' }] },
      'sources[0].format',
      /must be one of .*"ndjson".*, not "ndjsn"\. Fix: did you mean "ndjson"\?/,
    );
  });

  it('a batch size above 10 without a batching window', () => {
    assertRejected(
      { sources: [strongdm], forwarder: { batchSize: 100 } },
      'forwarder.maxBatchingWindowSeconds',
      /at least 1/,
    );
  });

  it('reserved concurrency without a lower event-source maximum concurrency', () => {
    assertRejected(
      { sources: [strongdm], forwarder: { reservedConcurrency: 5 } },
      'forwarder.maxConcurrency',
      /at most forwarder\.reservedConcurrency \(5\).*reach the DLQ unprocessed/,
    );
  });

  it('a SigV4 service that does not sign for the resource ARN (deploys, then every request is refused)', () => {
    const opensearch = (auth: Record<string, unknown>) => ({
      sources: [strongdm],
      destinations: [{ type: 'elasticsearch', name: 'os', url: 'https://os.example.com', auth }],
    });
    // `service` defaults to `es`: a Serverless collection needs `aoss`, said at synth.
    assertRejected(
      opensearch({
        type: 'sigv4',
        region: 'eu-west-1',
        resourceArn: 'arn:aws:aoss:eu-west-1:123456789012:collection/abc123',
      }),
      'destinations[0].auth.service',
      /"es" does not sign for an OpenSearch Serverless collection.*Fix: set "service": "aoss"/,
    );
    assertRejected(
      opensearch({
        type: 'sigv4',
        service: 'aoss',
        region: 'eu-west-1',
        resourceArn: 'arn:aws:es:eu-west-1:123456789012:domain/security',
      }),
      'destinations[0].auth.service',
      /Fix: set "service": "es"/,
    );
    assertRejected(
      opensearch({
        type: 'sigv4',
        region: 'eu-west-1',
        resourceArn: 'arn:aws:es:eu-west-1:123456789012:collection/abc123',
      }),
      'destinations[0].auth.resourceArn',
      /arn:aws:es:<region>:<account>:domain\/<name>/,
    );
    assertRejected(
      opensearch({
        type: 'sigv4',
        region: 'us-east-1',
        resourceArn: 'arn:aws:es:eu-west-1:123456789012:domain/security',
      }),
      'destinations[0].auth.region',
      /'us-east-1' is not the region of resourceArn \(eu-west-1\).*Fix: set "region": "eu-west-1"/,
    );
  });

  it('an ingest batch size above 10 without a batching window, named in the configuration', () => {
    assertRejected(
      { sources: [{ name: 'apps', prefix: 'apps', ingest: { maxBatchingWindowSeconds: 0 } }] },
      'sources[0].ingest.maxBatchingWindowSeconds',
      /at least 1 when batchSize \(1000\) is above 10.*Fix:/,
    );
  });

  it('names the stack would spell alike in ids (a bare CDK crash at synth, or refused by IAM at deployment)', () => {
    const hec = {
      type: 'splunk-hec',
      url: 'https://splunk.example.com:8088',
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/hec-AbCdEf',
    };
    assertRejected(
      {
        sources: [strongdm],
        destinations: [
          { ...hec, name: 'splunk-1' },
          { ...hec, name: 'splunk1' },
        ],
      },
      'destinations[1].name',
      /'splunk1' and destinations\[0\]\.name 'splunk-1' are spelled alike.*Fix:/,
    );
    const portal = (name: string) => ({
      name,
      prefix: `apps/${name}`,
      principals: ['arn:aws:iam::123456789012:role/portal-logs'],
    });
    assertRejected(
      { sources: [portal('portal-1'), portal('portal1')] },
      'sources[1].name',
      /'portal1' and sources\[0\]\.name 'portal-1' are spelled alike \('Portal1'\)/,
    );
    const collector = (name: string) => ({
      type: 'http-json',
      name,
      source: 'pulled',
      logType: name.replace('-', '_'),
      url: 'https://api.example.com/events',
      auth: { type: 'none' },
      timestampField: 'time',
      idField: 'id',
      pagination: { type: 'link-header' },
    });
    assertRejected(
      {
        sources: [{ name: 'pulled', prefix: 'pulled', timestampField: 'time' }],
        collectors: [collector('api-1'), collector('api1')],
      },
      'collectors[1].name',
      /'api1' and collectors\[0\]\.name 'api-1' are spelled alike/,
    );
    // Spelled apart: accepted.
    parseConfig({ sources: [portal('a-b'), portal('ab')] });
  });

  it('a reserved concurrency of 1, below the smallest event-source maximum concurrency (2)', () => {
    // Otherwise the refusal above asks for maxConcurrency <= 1, which maxConcurrency's own minimum refuses.
    assertRejected(
      { sources: [strongdm], forwarder: { reservedConcurrency: 1, maxConcurrency: 2 } },
      'forwarder.reservedConcurrency',
      /at least 2.*Fix:/,
    );
  });

  it('a backlog alarm age the object queue never reaches (SQS deletes its notifications after 4 days)', () => {
    assertRejected(
      { sources: [strongdm], monitoring: { maxMessageAgeMinutes: 6 * 24 * 60 } },
      'monitoring.maxMessageAgeMinutes',
      /at most 2880.*4 days.*Fix:/,
    );
    parseConfig({ sources: [strongdm], monitoring: { maxMessageAgeMinutes: 2880 } });
  });

  it('a file destination in a deployed stack', () => {
    assertRejected(
      { sources: [strongdm], destinations: [{ type: 'file', name: 'local', path: 'out.ndjson' }] },
      'destinations[0].type',
      /must be "splunk-hec", "elasticsearch", "https" or "sentinel".*"file" destinations work only with the sluice CLI/,
    );
  });

  it('a missing required field, named itself, with the fix (not zod\'s "Invalid input")', () => {
    const splunk = { type: 'splunk-hec', name: 'splunk', url: 'https://splunk.example.com' };
    assertRejected(
      { sources: [strongdm], destinations: [splunk] },
      'destinations[0].tokenSecretArn',
      /^destinations\[0\]\.tokenSecretArn: is required\. Fix: add "tokenSecretArn" \(a string\)$/,
    );
    assertRejected({ destinations: [] }, 'sources', /is required\. Fix: add "sources" \(a list/);
  });

  it('a value of the wrong type, with the fix and never the string given (it may be a secret)', () => {
    const destination = {
      type: 'splunk-hec',
      name: 'splunk',
      url: 'https://splunk.example.com',
      tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/hec-AbCdEf',
    };
    assertRejected(
      { sources: [strongdm], destinations: [{ ...destination, maxConcurrency: '4' }] },
      'destinations[0].maxConcurrency',
      /must be a number, not a string\. Fix: write 4 without quotes/,
    );
    const problems = problemsOf({ sources: [strongdm], destinations: [{ ...destination, gzip: 'hunter2' }] });
    assert.match(
      problems.join('\n'),
      /destinations\[0\]\.gzip: must be true or false, not a string\. Fix: write it as true or false/,
    );
    assert.doesNotMatch(problems.join('\n'), /hunter2|Invalid input/);
  });

  it('a file that is not JSON: the line and column, with the fix', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sluice-config-')), 'sluice.config.json');
    writeFileSync(path, '{\n  "sources": [],\n}\n');
    assert.throws(
      () => loadConfigFile(path),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'CONFIG_INVALID' &&
        /is not valid JSON: .*\(line 3, column 1\)\. Fix: correct the JSON at line 3, column 1 \(no trailing commas/.test(
          error.message,
        ),
    );
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      sources: [{ name: 'BAD NAME', prefix: 'no spaces', preset: 'nope' }],
      bucket: { retentionDays: 0 },
    });
    assert.ok(problems.length >= 4, problems.join('\n'));
  });
});
