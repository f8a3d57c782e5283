import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../../lambda/core/config/load';
import type { SluiceConfigInput } from '../../lambda/core/config/schema';
import { SluiceError } from '../../lambda/core/errors';
import { buildApp } from '../../lib/app';
import { secretResourceArns } from '../../lib/forwarder';
import { Sluice } from '../../lib/sluice';
import { configWith, synthesize } from './synth';

const SLACK_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/slack-AbCdEf';
/** A partial ARN (the name only): matched with any six-character suffix. */
const PAGERDUTY_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/pagerduty';
const WEBHOOK_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/soar-Zz9Yy8';

const HEAD = 'title: a rule\nlogsource:\n  product: strongdm\n  service: queries\ndetection:\n';
const GOOD_RULE = `${HEAD}  selection:\n    query|contains: drop\n  condition: selection\nlevel: high\n`;
/** `query|contians`: an unknown modifier, at line 7, column 5. */
const BAD_RULE = `${HEAD}  selection:\n    query|contians: drop\n  condition: selection\n`;

const folders: string[] = [];
after(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A folder holding `rules/<name>` with `text`: a user's own rules beside the configuration. */
function rulesFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-rules-test-'));
  folders.push(dir);
  mkdirSync(join(dir, 'rules'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'rules', name), text);
  return dir;
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const actionsOf = (statement: Statement) => [statement.Action].flat();

/** The forwarder function, its environment and its role's statements. */
function forwarderOf(template: Template) {
  const [functionId, fn] = Object.entries(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('sluice forwarder') },
    }),
  )[0];
  const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  const statements = Object.values(policies).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
  return { functionId, fn, roleId, env: fn.Properties.Environment.Variables, statements };
}

/** Every identity policy statement in the template, with the roles it is attached to. */
function allStatements(template: Template) {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({
      statement,
      roles: JSON.stringify(policy.Properties.Roles),
    })),
  );
}

function notificationPrefixes(template: Template): string[] {
  const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications'));
  return notifications.Properties.NotificationConfiguration.QueueConfigurations.map(
    (queue: { Filter: { Key: { FilterRules: { Value: string }[] } } }) =>
      queue.Filter.Key.FilterRules[0].Value,
  );
}

/** The forwarder's staged bundle in the cloud assembly: the folder its code asset points at. */
function forwarderBundle(outdir: string, template: Template): string {
  const { fn } = forwarderOf(template);
  const key: string = fn.Properties.Code.S3Key;
  const folder = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
  assert.ok(
    existsSync(join(folder, 'index.js')),
    `no bundle at ${folder}: ${readdirSync(outdir).join(', ')}`,
  );
  return folder;
}

const WITH_ROUTES: SluiceConfigInput = configWith({
  bucket: { encryption: 'kms' },
  detections: {
    routes: [
      { type: 'sns', emails: ['secops@example.com', 'oncall@example.com', 'secops@example.com'] },
      { type: 'slack', secretArn: SLACK_SECRET },
      { type: 'pagerduty', secretArn: PAGERDUTY_SECRET },
      { type: 'webhook', name: 'soar', secretArn: WEBHOOK_SECRET },
    ],
  },
});

describe('a stack with detections and a route of every type', () => {
  const { template, outdir } = synthesize(WITH_ROUTES);
  const forwarder = forwarderOf(template);
  const [tableId, table] = Object.entries(template.findResources('AWS::DynamoDB::Table'))[0];
  const topics = template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'sluice alerts' } });
  const [topicId, topic] = Object.entries(topics)[0];

  it('keeps detection state in one on-demand table: pk/sk strings, TTL on expiresAt, encrypted, PITR, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    assert.deepEqual(table.Properties.KeySchema, [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    assert.deepEqual(table.Properties.AttributeDefinitions, [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ]);
    assert.deepEqual(table.Properties.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
    assert.equal(table.Properties.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    assert.equal(table.Properties.SSESpecification.SSEEnabled, true);
    assert.equal(table.DeletionPolicy, 'Retain');
    assert.equal(table.UpdateReplacePolicy, 'Retain');
  });

  it('names the table and the alert topic in the forwarder environment', () => {
    assert.deepEqual(forwarder.env.SLUICE_DETECTIONS_TABLE, { Ref: tableId });
    assert.deepEqual(forwarder.env.SLUICE_ALERT_TOPIC_ARN, { Ref: topicId });
    const runtime = JSON.parse(forwarder.env.SLUICE_FORWARDER_CONFIG);
    assert.equal(runtime.detections.alertsPrefix, 'sluice');
  });

  it('lets the forwarder, and nobody else, query, batch-write and update items of the table', () => {
    const uses = allStatements(template).filter(({ statement }) =>
      JSON.stringify(statement.Resource).includes(tableId),
    );
    assert.equal(uses.length, 1, JSON.stringify(uses));
    const [{ statement, roles }] = uses;
    assert.equal(roles, JSON.stringify([{ Ref: forwarder.roleId }]));
    assert.deepEqual(actionsOf(statement).sort(), [
      'dynamodb:BatchWriteItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    assert.deepEqual(statement.Resource, { 'Fn::GetAtt': [tableId, 'Arn'] }, 'the table, not its indexes');
    const dynamo = forwarder.statements.filter((candidate) =>
      actionsOf(candidate).some((action) => action.startsWith('dynamodb:')),
    );
    assert.equal(dynamo.length, 1);
  });

  it('creates alert objects only under <alertsPrefix>/sluice-alerts/, with PutObject alone', () => {
    const writes = forwarder.statements.filter((statement) => actionsOf(statement).includes('s3:PutObject'));
    const resources = writes.map((statement) => JSON.stringify(statement.Resource));
    assert.equal(writes.length, 2, resources.join('\n'));
    assert.match(resources[0], /\/sluice\/quarantine\/\*"/);
    const alerts = writes[1];
    assert.deepEqual(actionsOf(alerts), ['s3:PutObject']);
    assert.match(JSON.stringify(alerts.Resource), /"\/sluice\/sluice-alerts\/\*"\]/);
    assert.ok(
      !forwarder.statements.some((statement) =>
        actionsOf(statement).some((action) => /^s3:(\*|Delete|List|PutObjectAcl)/.test(action)),
      ),
    );
  });

  it('reads alert objects as records of the alerts source', () => {
    const reads = forwarder.statements.find((statement) => statement.Sid === 'ReadSourceObjects')!;
    assert.match(JSON.stringify(reads.Resource), /"\/sluice\/\*"/);
  });

  it('notifies the object queue of new alert objects, once, beside every source', () => {
    assert.deepEqual(notificationPrefixes(template), ['sdm/logs/', 'sluice/sluice-alerts/']);
  });

  it('publishes only to the alert topic, which requires TLS, is encrypted and is published to by the forwarder alone', () => {
    const publishes = allStatements(template).filter(({ statement }) =>
      actionsOf(statement).includes('sns:Publish'),
    );
    assert.equal(publishes.length, 1, JSON.stringify(publishes));
    assert.equal(publishes[0].roles, JSON.stringify([{ Ref: forwarder.roleId }]));
    assert.deepEqual(actionsOf(publishes[0].statement), ['sns:Publish']);
    assert.deepEqual(publishes[0].statement.Resource, { Ref: topicId });
    assert.match(JSON.stringify(topic.Properties.KmsMasterKeyId), /alias\/aws\/sns/);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes every e-mail address of the sns route once', () => {
    const subscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: { Ref: topicId } } }),
    ).map((subscription) => [subscription.Properties.Protocol, subscription.Properties.Endpoint]);
    assert.deepEqual(subscriptions.sort(), [
      ['email', 'oncall@example.com'],
      ['email', 'secops@example.com'],
    ]);
  });

  it('outputs the alert topic ARN for the CLI and the subscribers', () => {
    template.hasOutput('AlertTopicArn', { Value: { Ref: topicId } });
  });

  it('outputs the table name for the CLI (`sluice run` keeps its state there)', () => {
    template.hasOutput('DetectionsTable', { Value: { Ref: tableId } });
  });

  it("reads the routes' secrets (partial ARNs matched by their suffix) in a statement of their own", () => {
    const routes = forwarder.statements.find((statement) => statement.Sid === 'ReadAlertRouteSecrets')!;
    assert.deepEqual(actionsOf(routes), ['secretsmanager:GetSecretValue']);
    assert.deepEqual(
      [routes.Resource].flat().sort(),
      [SLACK_SECRET, PAGERDUTY_SECRET, WEBHOOK_SECRET].flatMap(secretResourceArns).sort(),
    );
    const destinations = forwarder.statements.find(
      (statement) => statement.Sid === 'ReadDestinationSecrets',
    )!;
    assert.ok(!JSON.stringify(destinations.Resource).includes('slack'), 'destination secrets unchanged');
  });

  it('alarms when a route refuses an alert for good, and draws the stage and the routes', () => {
    const quarantined = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((alarm) => alarm.Properties)
      .filter((alarm) => alarm.MetricName === 'RecordsQuarantined')
      .map((alarm) => alarm.Dimensions.find((d: { Name: string }) => d.Name === 'destination').Value)
      .sort();
    assert.deepEqual(quarantined, [
      'route:pagerduty-3',
      'route:slack-2',
      'route:sns-1',
      'route:soar',
      'splunk',
    ]);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    assert.match(body, /\\"destination\\",\\"detections\\"/);
    assert.match(body, /route:soar/);
    // The state table's consumed units: what DynamoDB bills on demand.
    assert.match(body, /ConsumedWriteCapacityUnits/);
    assert.match(body, /ConsumedReadCapacityUnits/);
  });

  it('bundles the compiled rules beside the handler as detection-rules.json', () => {
    const rules = JSON.parse(
      readFileSync(join(forwarderBundle(outdir, template), 'detection-rules.json'), 'utf8'),
    );
    const shipped = readdirSync('detections/strongdm').filter(
      (file) => file.endsWith('.yml') && !file.endsWith('.tests.yml'),
    );
    assert.deepEqual(
      rules.map((rule: { path: string }) => rule.path),
      shipped.map((file) => `detections/strongdm/${file}`),
    );
    const first = rules[0] as { path: string; text: string };
    assert.equal(first.text, readFileSync(first.path, 'utf8'));
  });
});

describe('a stack with detections and no sns route', () => {
  const { template } = synthesize(
    configWith({ detections: { routes: [{ type: 'slack', secretArn: SLACK_SECRET }] } }),
  );
  const forwarder = forwarderOf(template);

  it('has the state table but no alert topic, topic variable, publish grant or topic output', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1); // the alarm topic
    assert.equal(forwarder.env.SLUICE_ALERT_TOPIC_ARN, undefined);
    assert.ok(forwarder.env.SLUICE_DETECTIONS_TABLE);
    assert.ok(!forwarder.statements.some((statement) => actionsOf(statement).includes('sns:Publish')));
    assert.deepEqual(Object.keys(template.findOutputs('AlertTopicArn')), []);
  });
});

describe('a stack with a provisioned detection table', () => {
  const { template } = synthesize(
    configWith({
      detections: {
        table: {
          capacity: 'provisioned',
          writeUnits: { min: 20, max: 400 },
          readUnits: { min: 5, max: 50 },
          targetUtilizationPercent: 60,
        },
      },
    }),
  );

  it('provisions the minimum units, auto scaled up to the maximum on utilization, under cdk-nag', () => {
    const [, table] = Object.entries(template.findResources('AWS::DynamoDB::Table'))[0];
    // CloudFormation's default billing mode is provisioned: the template states the throughput only.
    assert.equal(table.Properties.BillingMode ?? 'PROVISIONED', 'PROVISIONED');
    assert.deepEqual(table.Properties.ProvisionedThroughput, {
      ReadCapacityUnits: 5,
      WriteCapacityUnits: 20,
    });
    const targets = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalableTarget'))
      .map(({ Properties }) => [Properties.ScalableDimension, Properties.MinCapacity, Properties.MaxCapacity])
      .sort();
    assert.deepEqual(targets, [
      ['dynamodb:table:ReadCapacityUnits', 5, 50],
      ['dynamodb:table:WriteCapacityUnits', 20, 400],
    ]);
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).map(
      ({ Properties }) => Properties.TargetTrackingScalingPolicyConfiguration,
    );
    assert.equal(policies.length, 2);
    for (const policy of policies) assert.equal(policy.TargetValue, 60);
    assert.deepEqual(
      policies.map((policy) => policy.PredefinedMetricSpecification.PredefinedMetricType).sort(),
      ['DynamoDBReadCapacityUtilization', 'DynamoDBWriteCapacityUtilization'],
    );
  });
});

describe('a stack with detections under its own alerts prefix', () => {
  const { template } = synthesize(
    configWith({ detections: { packs: [], rules: [], alerts: { prefix: 'security/alerts' } } }),
  );

  it('notifies and writes under that prefix', () => {
    assert.deepEqual(notificationPrefixes(template), ['sdm/logs/', 'security/alerts/sluice-alerts/']);
    const { statements } = forwarderOf(template);
    const alerts = statements.find((statement) => statement.Sid === 'WriteAlertObjects')!;
    assert.match(JSON.stringify(alerts.Resource), /"\/security\/alerts\/sluice-alerts\/\*"\]/);
    assert.equal(
      statements.find((statement) => statement.Sid === 'ReadAlertRouteSecrets'),
      undefined,
      'no route, no secret',
    );
  });
});

describe('a stack without detections', () => {
  const { template, outdir } = synthesize(configWith());
  const forwarder = forwarderOf(template);

  it('has no detection table, alert topic, detection variable, grant, notification or output', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.resourceCountIs('AWS::SNS::Topic', 1); // the alarm topic
    assert.equal(forwarder.env.SLUICE_DETECTIONS_TABLE, undefined);
    assert.equal(forwarder.env.SLUICE_ALERT_TOPIC_ARN, undefined);
    assert.deepEqual(forwarder.statements.map((statement) => statement.Sid).filter(Boolean), [
      'ReadSourceObjects',
      'WriteQuarantine',
      'ReadDestinationSecrets',
    ]);
    assert.ok(
      !forwarder.statements.some((statement) =>
        actionsOf(statement).some((action) => /^(dynamodb|sns):/.test(action)),
      ),
    );
    assert.deepEqual(notificationPrefixes(template), ['sdm/logs/']);
    assert.deepEqual(Object.keys(template.findOutputs('AlertTopicArn')), []);
    assert.deepEqual(Object.keys(template.findOutputs('DetectionsTable')), []);
    const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
    assert.doesNotMatch(alarms, /route:/);
  });

  it('bundles no rules', () => {
    assert.equal(existsSync(join(forwarderBundle(outdir, template), 'detection-rules.json')), false);
  });
});

describe('rules in the bundle', () => {
  const forwarderAsset = (rule: string, dir = rulesFolder({})) => {
    writeFileSync(join(dir, 'rules', 'mine.yml'), rule);
    const { template, outdir } = synthesize(
      configWith({ detections: { packs: [], rules: [join(dir, 'rules')] } }),
    );
    const bundle = forwarderBundle(outdir, template);
    return {
      key: forwarderOf(template).fn.Properties.Code.S3Key as string,
      rules: JSON.parse(readFileSync(join(bundle, 'detection-rules.json'), 'utf8')),
    };
  };

  it('are your own rules, read from the path the configuration names', () => {
    const { rules } = forwarderAsset(GOOD_RULE);
    assert.equal(rules.length, 1);
    assert.match(rules[0].path, /rules\/mine\.yml$/);
    assert.equal(rules[0].text, GOOD_RULE);
  });

  it('make a new forwarder asset when a rule changes', () => {
    const dir = rulesFolder({});
    const before = forwarderAsset(GOOD_RULE, dir);
    const again = forwarderAsset(GOOD_RULE, dir);
    const after = forwarderAsset(GOOD_RULE.replace('drop', 'truncate'), dir);
    assert.equal(again.key, before.key, 'the same rules, the same asset');
    assert.notEqual(after.key, before.key);
  });

  it('are still compiled when a test skips bundling', () => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'sluice-synth-')),
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    const good = rulesFolder({ 'mine.yml': GOOD_RULE });
    const config = (dir: string) =>
      parseConfig(configWith({ detections: { packs: [], rules: [join(dir, 'rules')] } }));
    const { stack } = buildApp(config(good), app);
    assert.doesNotThrow(() => app.synth());
    Template.fromStack(stack).resourceCountIs('AWS::DynamoDB::Table', 1);
    const bad = rulesFolder({ 'bad.yml': BAD_RULE });
    assert.throws(
      () => buildApp(config(bad), new App({ context: { 'aws:cdk:bundling-stacks': [] } })),
      /bad\.yml:7:5: query\|contians: unknown modifier "contians"/,
    );
  });
});

describe('the Sluice construct with detections, in your own stack', () => {
  it('synthesizes under cdk-nag with the table, the topic and its output', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'sluice-library-')) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Platform');
    const sluice = new Sluice(stack, 'LogStream', { config: WITH_ROUTES });
    assert.doesNotThrow(() => app.synth());
    assert.ok(sluice.detections?.alertTopic);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasOutput('AlertTopicArn', {});
    assert.ok(forwarderOf(template).env.SLUICE_DETECTIONS_TABLE);
  });
});

describe('a rule that does not compile', () => {
  it('fails the construct with RULE_INVALID and file:line:column: reason', () => {
    const dir = rulesFolder({ 'good.yml': GOOD_RULE, 'bad.yml': BAD_RULE });
    const stack = new Stack(new App(), 'Probe');
    assert.throws(
      () =>
        new Sluice(stack, 'LogStream', {
          config: configWith({ detections: { packs: [], rules: ['rules/'] } }),
          configDir: dir,
        }),
      (error: unknown) => {
        assert.ok(error instanceof SluiceError);
        assert.equal(error.code, 'RULE_INVALID');
        assert.match(error.message, /^rules\/bad\.yml:7:5: query\|contians: unknown modifier "contians"/m);
        assert.doesNotMatch(error.message, /good\.yml/);
        return true;
      },
    );
  });

  it('fails `cdk synth` with the file, line, column and reason, and no stack trace', () => {
    const dir = rulesFolder({ 'bad.yml': BAD_RULE });
    const path = join(dir, 'sluice.config.json');
    writeFileSync(path, JSON.stringify(configWith({ detections: { packs: [], rules: ['rules/'] } })));
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/sluice-app.ts'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ 'sluice:config': path }),
        CDK_OUTDIR: join(dir, 'out'),
      },
    });
    assert.equal(result.status, 1, result.stderr);
    // Rules are relative to the configuration file's folder, whatever the working directory.
    assert.match(result.stderr, /^rules\/bad\.yml:7:5: query\|contians: unknown modifier "contians"/m);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace for a rule error');
    assert.equal(existsSync(join(dir, 'out', 'Sluice.template.json')), false);
  });
});
