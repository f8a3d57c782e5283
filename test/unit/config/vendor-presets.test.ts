import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';

const GITHUB_ROLE = 'arn:aws:iam::111122223333:role/github-audit-log-streaming';
const TRAIL = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/cirrus-AbCdEf';

const github = { name: 'github', prefix: '', preset: 'github-enterprise', principals: [GITHUB_ROLE] };
const cloudflare = {
  name: 'cf-http',
  prefix: 'cloudflare/http',
  preset: 'cloudflare-logpush',
  logType: 'http_requests',
};
const cloudtrail = { name: 'cloudtrail', prefix: 'cloudtrail', preset: 'cloudtrail', trailArns: [TRAIL] };

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

describe('vendor presets in the configuration', () => {
  it('github-enterprise: the bucket root, minute folders, NDJSON, @timestamp and _document_id', () => {
    const [source] = parseConfig({ sources: [github] }).sources;
    assert.deepEqual(
      {
        prefix: source.prefix,
        keyLayout: source.keyLayout,
        logType: source.logType,
        format: source.format,
        timestampField: source.timestampField,
        ids: source.idFieldByLogType,
        writers: source.writers,
        keyPrefixes: source.keyPrefixes,
      },
      {
        prefix: '',
        keyLayout: '{yyyy}/{MM}/{dd}/{HH}/{mm}/{*}',
        logType: 'audit',
        format: 'ndjson',
        timestampField: '@timestamp',
        ids: { audit: '_document_id' },
        writers: [GITHUB_ROLE],
        keyPrefixes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      },
    );
  });

  it('github-enterprise needs the role or user the stream writes with', () => {
    assertRejected(
      { sources: [{ ...github, principals: undefined }] },
      'sources[0].principals',
      /no writer.*the IAM role \(OIDC\) or user \(access keys\) your GitHub audit log stream writes with/,
    );
  });

  it("cloudflare-logpush: Cloudflare's user, date folders, and the dataset's time and id fields", () => {
    const [source] = parseConfig({ sources: [cloudflare] }).sources;
    assert.deepEqual(source.writers, ['arn:aws:iam::391854517948:user/cloudflare-logpush']);
    assert.equal(source.keyLayout, '{yyyy}{MM}{dd}/{*}');
    assert.equal(source.logType, 'http_requests');
    assert.equal(source.timestampField, 'Datetime');
    assert.equal(source.timestampFieldByLogType.http_requests, 'EdgeStartTimestamp');
    assert.equal(source.idFieldByLogType.http_requests, 'RayID');
    const [own] = parseConfig({ sources: [{ ...cloudflare, timestampField: 'EdgeEndTimestamp' }] }).sources;
    assert.deepEqual(
      own.timestampFieldByLogType,
      {},
      'a timestampField of your own applies to every log type',
    );
  });

  it('cloudflare-logpush needs the dataset as its log type, unless the layout names it', () => {
    assertRejected(
      { sources: [{ ...cloudflare, logType: undefined }] },
      'sources[0].logType',
      /is required.*names no log type.*the Logpush job's dataset, e\.g\. "http_requests"/,
    );
    const [source] = parseConfig({
      sources: [{ ...cloudflare, logType: undefined, keyLayout: '{logType}/{yyyy}{MM}{dd}/{*}' }],
    }).sources;
    assert.equal(source.logType, undefined);
    assertRejected(
      { sources: [{ ...cloudflare, keyLayout: '{logType}/{yyyy}{MM}{dd}/{*}' }] },
      'sources[0].logType',
      /is for layouts without \{logType\}/,
    );
  });

  it('cloudtrail: the CloudTrail service for the listed trails, Records arrays, eventTime and eventID', () => {
    const [source] = parseConfig({ sources: [cloudtrail] }).sources;
    assert.deepEqual(source.serviceWriter, { service: 'cloudtrail.amazonaws.com', sourceArns: [TRAIL] });
    assert.deepEqual(source.writers, []);
    assert.equal(source.format, 'records-array');
    assert.equal(source.logType, 'cloudtrail');
    assert.equal(source.timestampField, 'eventTime');
    assert.deepEqual(source.idFieldByLogType, { cloudtrail: 'eventID' });
    assert.ok(source.controlObjects.some((control) => control.what === 'a CloudTrail digest file'));
  });

  it('cloudtrail needs its trails, and only cloudtrail takes trails', () => {
    assertRejected(
      { sources: [{ ...cloudtrail, trailArns: undefined }] },
      'sources[0].trailArns',
      /is required with the "cloudtrail" preset/,
    );
    assertRejected(
      { sources: [{ ...cloudflare, trailArns: [TRAIL] }] },
      'sources[0].trailArns',
      /only for the "cloudtrail" preset/,
    );
    assertRejected(
      { sources: [{ ...cloudtrail, trailArns: ['arn:aws:iam::111122223333:role/trail'] }] },
      'sources[0].trailArns[0]',
      /is not a CloudTrail trail ARN/,
    );
  });

  it('cloudtrail with a KMS-encrypted bucket is refused: the CloudTrail service would need a key grant', () => {
    assertRejected(
      { bucket: { encryption: 'kms' }, sources: [cloudtrail] },
      'sources[0].preset',
      /cannot write to a bucket with encryption "kms".*Fix: use bucket\.encryption "s3-managed"/,
    );
  });

  it('a keyLayout of your own replaces the preset one, and must be a valid pattern', () => {
    const org = 'AWSLogs/{*}/{*}/CloudTrail/{*}/{yyyy}/{MM}/{dd}/{*}';
    const [source] = parseConfig({
      sources: [{ ...cloudtrail, keyLayout: org, logType: 'cloudtrail' }],
    }).sources;
    assert.equal(source.keyLayout, org);
    assertRejected(
      { sources: [{ ...cloudtrail, keyLayout: '{yyyy}/{month}/{*}' }] },
      'sources[0].keyLayout',
      /unknown token \{month\}/,
    );
  });

  it('an empty prefix only with a layout that says what its keys start with', () => {
    assertRejected(
      { sources: [{ name: 'apps', prefix: '', principals: [GITHUB_ROLE] }] },
      'sources[0].prefix',
      /is empty.*starts with a variable/,
    );
    const [root] = parseConfig({ sources: [{ ...cloudtrail, prefix: '' }] }).sources;
    assert.deepEqual(root.keyPrefixes, ['AWSLogs/']);
  });

  it("a source at the bucket root may not overlap another source's keys", () => {
    assertRejected(
      {
        sources: [github, { name: 'twofa', prefix: '2fa/logs', principals: [GITHUB_ROLE] }],
      },
      'sources[1].prefix',
      /'2fa\/logs' overlaps sources\[0\]\.prefix ''.*bucket root owns the keys starting with 0, 1/,
    );
    const config = parseConfig({
      sources: [github, { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }, cloudtrail],
    });
    assert.equal(config.sources.length, 3, 'digits, sdm/logs/ and cloudtrail/ are apart');
  });

  it('ingest and collectors write the default layout, so their sources must read it', () => {
    assertRejected(
      { sources: [{ name: 'apps', prefix: 'apps', ingest: {}, keyLayout: '{logType}/{*}' }] },
      'sources[0].ingest',
      /writes NDJSON objects in the layout/,
    );
    assertRejected(
      {
        sources: [cloudtrail],
        collectors: [
          {
            type: 'cirrus-siem',
            name: 'c',
            source: 'cloudtrail',
            logType: 'siem',
            credentialsSecretArn: SECRET,
          },
        ],
      },
      'collectors[0].source',
      /a collector writes NDJSON objects in the layout/,
    );
  });
});
