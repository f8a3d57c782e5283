import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configWith, synthesize } from './synth';

const GITHUB_ROLE = 'arn:aws:iam::111122223333:role/github-audit-log-streaming';
const TRAIL = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail';
const CLOUDFLARE_USER = 'arn:aws:iam::391854517948:user/cloudflare-logpush';
const HIVE_WRITER = 'arn:aws:iam::111122223333:role/hive-writer';

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: { AWS?: string | string[]; Service?: string };
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** `Fn::Join` of the bucket ARN and a suffix, as the text after the bucket name. */
function suffixOf(resource: unknown): string {
  const parts = (resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const last = parts[parts.length - 1];
  return typeof last === 'string' ? last.replace(/^.*acme-audit-logs/, '') : '';
}

describe('the log bucket for vendor presets (cdk-nag runs on every synth)', () => {
  const { template } = synthesize(
    configWith({
      bucket: { name: 'acme-audit-logs' },
      sources: [
        { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
        { name: 'github', prefix: '', preset: 'github-enterprise', principals: [GITHUB_ROLE] },
        {
          name: 'cf-http',
          prefix: 'cloudflare/http',
          preset: 'cloudflare-logpush',
          logType: 'http_requests',
        },
        { name: 'cloudtrail', prefix: 'cloudtrail', preset: 'cloudtrail', trailArns: [TRAIL] },
        {
          name: 'hive',
          prefix: '',
          keyLayout: 'dt={yyyy}-{MM}-{dd}/{*}',
          logType: 'events',
          principals: [HIVE_WRITER],
        },
      ],
    }),
  );
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
  const statements: Statement[] = policies.flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
  const bySid = (sid: string) => {
    const statement = statements.find((candidate) => candidate.Sid === sid);
    assert.ok(statement, `statement ${sid}`);
    return statement;
  };

  it('lets CloudTrail check the bucket ACL and put objects under <prefix>/AWSLogs/ for the listed trails only', () => {
    const check = bySid('SluiceServiceAclCheckCloudtrail');
    assert.deepEqual(
      { principal: check.Principal, action: check.Action, condition: check.Condition },
      {
        principal: { Service: 'cloudtrail.amazonaws.com' },
        action: 's3:GetBucketAcl',
        condition: { StringEquals: { 'aws:SourceArn': [TRAIL] } },
      },
    );
    const write = bySid('SluiceServiceWriterCloudtrail');
    assert.deepEqual(
      { principal: write.Principal, action: write.Action, condition: write.Condition },
      {
        principal: { Service: 'cloudtrail.amazonaws.com' },
        action: 's3:PutObject',
        condition: {
          StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': [TRAIL] },
        },
      },
    );
    assert.equal(suffixOf(write.Resource), '/cloudtrail/AWSLogs/*');
  });

  it("lets Cloudflare's user write under its prefix, and GitHub's role only keys that start with a digit", () => {
    const cloudflare = bySid('SluiceWriterCfHttp');
    assert.deepEqual(cloudflare.Principal, { AWS: CLOUDFLARE_USER });
    assert.equal(suffixOf(cloudflare.Resource), '/cloudflare/http/*');
    const github = bySid('SluiceWriterGithub');
    assert.deepEqual(github.Principal, { AWS: GITHUB_ROLE });
    assert.deepEqual((github.Resource as unknown[]).map(suffixOf), [
      '/0*',
      '/1*',
      '/2*',
      '/3*',
      '/4*',
      '/5*',
      '/6*',
      '/7*',
      '/8*',
      '/9*',
    ]);
  });

  it('notifies the object queue for every key prefix, URL-encoded as S3 compares them (dt= is dt%3D), the ten digits of the bucket-root source included', () => {
    const notifications = Object.values(template.findResources('Custom::S3BucketNotifications'))[0];
    const prefixes = notifications.Properties.NotificationConfiguration.QueueConfigurations.map(
      (configuration: { Filter: { Key: { FilterRules: { Value: string }[] } } }) =>
        configuration.Filter.Key.FilterRules[0].Value,
    );
    assert.deepEqual(prefixes.sort(), [
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      'cloudflare/http/',
      'cloudtrail/',
      'dt%3D',
      'sdm/logs/',
    ]);
  });

  it('lets the forwarder read exactly those keys, as written (IAM does not URL-encode)', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const read = policies
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .find((statement) => statement.Sid === 'ReadSourceObjects');
    assert.ok(read);
    assert.deepEqual((read.Resource as unknown[]).map(suffixOf).sort(), [
      '/0*',
      '/1*',
      '/2*',
      '/3*',
      '/4*',
      '/5*',
      '/6*',
      '/7*',
      '/8*',
      '/9*',
      '/cloudflare/http/*',
      '/cloudtrail/*',
      '/dt=*',
      '/sdm/logs/*',
    ]);
  });

  it('outputs each writer policy, the CloudTrail statements included', () => {
    const value = JSON.stringify(template.findOutputs('WriterPolicyCloudtrail').WriterPolicyCloudtrail.Value);
    assert.match(value, /cloudtrail\.amazonaws\.com/);
    assert.match(value, /aws:SourceArn/);
    assert.match(value, /AWSLogs/);
  });
});
