import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import {
  COLLECTOR_CONFIG_ENV,
  COLLECTOR_CONFIG_FILE,
  COLLECTOR_CONFIG_FILE_ENV,
  collectorRuntimeConfigOf,
  readCollectorRuntimeConfig,
} from '../../lambda/collector/runtime-config';
import { parseConfig } from '../../lambda/core/config/load';
import { secretResourceArns } from '../../lib/forwarder';
import { CIRRUS_SECRET, COLLECTOR_CONFIG, GITHUB_SECRET, STELLAR_SECRET } from './collector-config';
import { configWith, synthesize } from './synth';

type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
};

describe('collectors in the stack', () => {
  const { template, stack } = synthesize(COLLECTOR_CONFIG);
  const resolve = (value: unknown) => JSON.stringify(stack.resolve(value));
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp('^sluice collector ') },
  });
  const byName = (name: string) => {
    const found = Object.entries(functions).find(([, fn]) =>
      (fn.Properties.Description as string).startsWith(`sluice collector ${name}:`),
    );
    assert.ok(found, `no function for collector ${name}`);
    const [id, fn] = found;
    const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const statements = Object.values(policies).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    return { id, fn, statements };
  };
  const [tableId, table] = Object.entries(template.findResources('AWS::DynamoDB::Table'))[0];

  it('keeps checkpoints in one on-demand table, encrypted, with point-in-time recovery, kept on deletion', () => {
    assert.equal(Object.keys(template.findResources('AWS::DynamoDB::Table')).length, 1);
    assert.deepEqual(table.Properties.KeySchema, [{ AttributeName: 'collector', KeyType: 'HASH' }]);
    assert.equal(table.Properties.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    assert.equal(table.Properties.SSESpecification.SSEEnabled, true);
    assert.equal(table.DeletionPolicy, 'Retain');
    template.hasOutput('CollectorTable', { Value: { Ref: tableId } });
  });

  it('runs one arm64 function per collector, with its own budget and its configuration without secrets', () => {
    assert.equal(Object.keys(functions).length, 3);
    const { fn } = byName('stellar');
    assert.deepEqual(fn.Properties.Architectures, ['arm64']);
    assert.match(fn.Properties.Runtime, /^nodejs(2[2-9]|[3-9]\d)\.x$/);
    assert.equal(fn.Properties.Timeout, 120);
    assert.equal(byName('cirrus-siem').fn.Properties.Timeout, 300);
    const env = fn.Properties.Environment.Variables;
    const runtime = JSON.parse(env.SLUICE_COLLECTOR_CONFIG);
    assert.equal(runtime.prefix, 'vendors/pulled');
    assert.equal(runtime.collector.loginSecretArn, STELLAR_SECRET);
    assert.deepEqual(env.SLUICE_CHECKPOINT_TABLE, { Ref: tableId });
    assert.ok(env.SLUICE_BUCKET);
  });

  it('does not retry a failed run at once: the next scheduled run is the retry', () => {
    const { id } = byName('cirrus-siem');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id },
      MaximumRetryAttempts: 0,
    });
  });

  it('invokes each function on its EventBridge Scheduler rate, every 5 minutes by default', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (schedule) => schedule.Properties,
    );
    const rateOf = (name: string) =>
      schedules.find((schedule) => resolve(schedule.Target.Arn).includes(byName(name).id))
        ?.ScheduleExpression;
    assert.equal(rateOf('cirrus-siem'), 'rate(5 minutes)');
    assert.equal(rateOf('stellar'), 'rate(1 hour)');
    assert.equal(rateOf('github-audit'), 'rate(1 minute)');
    for (const schedule of schedules) {
      assert.deepEqual(schedule.FlexibleTimeWindow, { Mode: 'OFF' });
      assert.equal(schedule.Target.RetryPolicy.MaximumRetryAttempts, 0);
    }
  });

  it('lets the scheduler invoke exactly the collector function, nothing else', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule')).find((candidate) =>
      resolve(candidate.Properties.Target.Arn).includes(byName('stellar').id),
    )!;
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0];
    const role = template.findResources('AWS::IAM::Role')[roleId];
    assert.equal(
      role.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service,
      'scheduler.amazonaws.com',
    );
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const statements = Object.values(policies).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    assert.deepEqual(statements, [
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [byName('stellar').id, 'Arn'] },
      },
    ]);
  });

  it('puts objects only under its own prefix and log type, and reads no object', () => {
    const { statements } = byName('github-audit');
    const writes = statements.filter((statement) =>
      [statement.Action].flat().some((a) => a.startsWith('s3:')),
    );
    assert.equal(writes.length, 1);
    assert.equal(writes[0].Action, 's3:PutObject');
    assert.match(resolve(writes[0].Resource), /\/vendors\/pulled\/github\/\*"/);
  });

  it('updates only its own checkpoint item, with conditional updates', () => {
    const { statements } = byName('cirrus-siem');
    const checkpoint = statements.find((statement) => statement.Sid === 'OwnCheckpoint')!;
    assert.deepEqual([checkpoint.Action].flat(), ['dynamodb:UpdateItem']);
    assert.deepEqual(checkpoint.Resource, { 'Fn::GetAtt': [tableId, 'Arn'] });
    assert.deepEqual(checkpoint.Condition, {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['cirrus-siem'] },
    });
    const dynamo = statements.filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('dynamodb:')),
    );
    assert.equal(dynamo.length, 1, 'no other table access');
  });

  it('reads only its own secrets, and encrypts through the bucket key', () => {
    for (const [name, secret] of [
      ['cirrus-siem', CIRRUS_SECRET],
      ['stellar', STELLAR_SECRET],
      ['github-audit', GITHUB_SECRET],
    ]) {
      const { statements } = byName(name);
      const reads = statements.filter((statement) =>
        [statement.Action].flat().includes('secretsmanager:GetSecretValue'),
      );
      assert.deepEqual(
        reads.flatMap((statement) => [statement.Resource].flat()),
        secretResourceArns(secret),
        name,
      );
      const kms = statements.filter((statement) =>
        [statement.Action].flat().some((action) => action.startsWith('kms:')),
      );
      assert.deepEqual(
        kms.map((statement) => statement.Action),
        ['kms:GenerateDataKey'],
        name,
      );
    }
  });

  it('alarms per collector on failed runs (crashes included) and on lag, on one topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties,
    );
    const lag = alarms.filter((alarm) => alarm.MetricName === 'CollectorNewestEventAge');
    assert.equal(lag.length, 3);
    const stellarLag = lag.find((alarm) =>
      alarm.Dimensions.some((dimension: { Value: string }) => dimension.Value === 'stellar'),
    );
    assert.equal(stellarLag.Threshold, 1440 * 60);
    assert.equal(stellarLag.Period, 3600, 'one period per scheduled run');
    const failing = alarms.filter((alarm) =>
      JSON.stringify(alarm.Metrics ?? []).includes('CollectorRunsFailed'),
    );
    assert.equal(failing.length, 3);
    for (const alarm of failing) {
      const metrics = JSON.stringify(alarm.Metrics);
      assert.match(metrics, /"MetricName":"Errors"/, 'a crash counts as a failure');
      assert.equal(alarm.Threshold, 1);
    }
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const alarm of [...lag, ...failing]) assert.deepEqual(alarm.AlarmActions, [{ Ref: topicId }]);
  });

  it('draws collected events, newest-event age and events stamped ahead of the clock on the dashboard', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = resolve(dashboard.Properties.DashboardBody);
    assert.match(body, /CollectorRecordsWritten/);
    assert.match(body, /CollectorNewestEventAge/);
    assert.match(body, /CollectorFutureEventSkew/);
  });
});

describe('a collector whose configuration is too large for the Lambda environment', () => {
  // 60 headers of 80 characters: about 6 KB, above the 3.5 KB kept for the environment (4 KB in all).
  const headers = Object.fromEntries(
    Array.from({ length: 60 }, (_, index) => [`X-Acme-Filter-${index}`, `team-${index}-`.padEnd(80, 'x')]),
  );
  const config = configWith({
    sources: [{ name: 'vendors', prefix: 'vendors/pulled', timestampField: 'time' }],
    collectors: [
      {
        type: 'http-json',
        name: 'many-headers',
        source: 'vendors',
        logType: 'audit',
        url: 'https://api.example.com/audit',
        query: { since: '{since}' },
        headers,
        auth: { type: 'header', secretArn: GITHUB_SECRET },
        timestampField: 'time',
        pagination: { type: 'link-header' },
      },
    ],
  });
  const { template, outdir } = synthesize(config);
  const [, fn] = Object.entries(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('^sluice collector many-headers:') },
    }),
  )[0];
  const bundle = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
  const expected = collectorRuntimeConfigOf(parseConfig(config), 'many-headers');

  it('synthesizes: the configuration goes into the bundle beside the handler, not the environment', () => {
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    assert.equal(env[COLLECTOR_CONFIG_ENV], undefined);
    assert.ok(JSON.stringify(expected).length > 3_500);
    const bundled = JSON.parse(readFileSync(join(bundle, COLLECTOR_CONFIG_FILE), 'utf8'));
    assert.deepEqual(bundled, JSON.parse(JSON.stringify(expected)));
  });

  it('is what the collector reads there', () => {
    const read = readCollectorRuntimeConfig({
      [COLLECTOR_CONFIG_FILE_ENV]: join(bundle, COLLECTOR_CONFIG_FILE),
    });
    assert.equal(read.collector.name, 'many-headers');
    assert.deepEqual(read.collector.type === 'http-json' && read.collector.headers, headers);
  });
});

describe('a stack without collectors', () => {
  const { template } = synthesize(configWith());

  it('has no checkpoint table, schedule or collector output', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    assert.equal(Object.keys(template.findOutputs('CollectorTable')).length, 0);
  });
});
