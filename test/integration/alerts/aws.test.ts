/**
 * Alert routing through AWS on moto's server: the SNS topic (a queue subscribed to it reads the
 * alerts back, one filtered by level) and channel secrets read from Secrets Manager.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SecretsManagerSecrets } from '../../../lambda/adapters/secrets-manager';
import { SnsAlertPublisher } from '../../../lambda/adapters/sns-alert-publisher';
import type { AlertDocument } from '../../../lambda/core/detections/alerts/document';
import type { AlertChannel } from '../../../lambda/core/detections/routing/channel';
import { HttpClient } from '../../../lambda/core/http/client';
import { alertRoutes } from '../../../lambda/core/detections/routing/config';
import { createAlertChannels } from '../../../lambda/core/detections/routing/create-channels';
import { RoutingTable } from '../../../lambda/core/detections/routing/table';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import {
  startSlackWebhookReceiver,
  type SlackWebhookReceiver,
} from '../../support/receivers/slack-webhook-receiver';
import { alertDocument } from '../../unit/detections/routing/fixtures';

const deadline = () => Date.now() + 120_000;

interface SnsEnvelope {
  readonly Type: string;
  readonly Subject: string;
  readonly Message: string;
  readonly MessageAttributes: Record<string, { Type: string; Value: string }>;
}

describe('alert routing on AWS (moto)', () => {
  let moto: MotoServer;
  let sns: SNSClient;
  let sqs: SQSClient;
  let secretsClient: SecretsManagerClient;
  let slack: SlackWebhookReceiver;
  let topicArn: string;
  let allQueue: string;
  let criticalQueue: string;

  async function subscribedQueue(name: string, filterPolicy?: Record<string, unknown>): Promise<string> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: Attributes!.QueueArn,
        Attributes: filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : undefined,
      }),
    );
    return QueueUrl!;
  }

  /** The SNS notifications a queue holds, waiting for at least `count` (generously). */
  async function notifications(queueUrl: string, count: number): Promise<SnsEnvelope[]> {
    const got: SnsEnvelope[] = [];
    const giveUpAt = Date.now() + 120_000;
    while (got.length < count && Date.now() < giveUpAt) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages ?? []) got.push(JSON.parse(message.Body!) as SnsEnvelope);
    }
    return got;
  }

  function snsChannel(topic = topicArn): AlertChannel {
    const table = new RoutingTable(
      alertRoutes.parse([{ type: 'sns', name: 'topic', minLevel: 'informational' }]),
    );
    const channels = createAlertChannels(table.routes, {
      secret: () => {
        throw new Error('an SNS route reads no secret');
      },
      transport: () => new HttpClient({ maxSockets: 1 }),
      sns: { publisher: new SnsAlertPublisher(sns), topicArn: topic },
    });
    return channels.get('topic')!;
  }

  /** The channel of a Slack route whose webhook URL is the secret `secretArn`, read from Secrets Manager. */
  function slackChannel(secretArn: string, secrets = new SecretsManagerSecrets(secretsClient)): AlertChannel {
    const table = new RoutingTable(alertRoutes.parse([{ type: 'slack', name: 'soc', secretArn }]));
    return createAlertChannels(table.routes, {
      secret: (arn) => secrets.source(arn),
      transport: () => new HttpClient({ maxSockets: 1 }),
    }).get('soc')!;
  }

  before(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    sns = new SNSClient({ ...config, maxAttempts: 1 });
    sqs = new SQSClient(config);
    secretsClient = new SecretsManagerClient(config);
    slack = await startSlackWebhookReceiver();
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'sluice-alerts' }))).TopicArn!;
    allQueue = await subscribedQueue('all-alerts');
    criticalQueue = await subscribedQueue('critical-alerts', { level: ['critical'] });
  });
  after(async () => {
    await slack.close();
    await moto.stop();
  });

  it('publishes the subject and the alert as JSON, with the level as an attribute subscriptions filter on', async () => {
    const high = alertDocument({ level: 'high' });
    const critical = alertDocument({
      level: 'critical',
      alertId: 'critical-alert-id-000000',
      dedupKey: 'sdm_drop_prod||2024-02-01T13:00:00.000Z',
      rule: { ...alertDocument().rule, key: 'sdm_drop_prod', title: 'DROP on a production database' },
    });
    const channel = snsChannel();
    for (const alert of [high, critical]) {
      assert.deepEqual(await channel.send(alert, deadline()), { delivered: true, attempts: 1 });
    }

    const all = await notifications(allQueue, 2);
    assert.deepEqual(
      all.map((envelope) => envelope.Subject),
      [
        '[sluice] HIGH: Many failed logins from one address',
        '[sluice] CRITICAL: DROP on a production database',
      ],
    );
    const parsed = all.map((envelope) => JSON.parse(envelope.Message) as AlertDocument);
    assert.deepEqual(parsed, [high, critical]);
    assert.deepEqual(all[0].MessageAttributes.level, { Type: 'String', Value: 'high' });
    assert.deepEqual(all[1].MessageAttributes.levelRank, { Type: 'Number', Value: '4' });

    const filtered = await notifications(criticalQueue, 1);
    assert.deepEqual(
      filtered.map((envelope) => envelope.Subject),
      ['[sluice] CRITICAL: DROP on a production database'],
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: criticalQueue, WaitTimeSeconds: 1 }),
    );
    assert.equal(Messages, undefined, 'the high alert never reached the critical-only subscription');
  });

  it('reports a topic that does not exist as a misconfiguration, without retrying', async () => {
    const missing = topicArn.replace(/sluice-alerts$/, 'no-such-topic');
    const result = await snsChannel(missing).send(alertDocument(), deadline());
    assert.equal(result.delivered, false);
    assert.deepEqual(result.delivered === false && [result.code, result.attempts, result.retryLater], [
      'ALERT_CHANNEL_MISCONFIGURED',
      1,
      true,
    ]);
  });

  it("reads the Slack webhook URL from Secrets Manager, and a rotated one after Slack's 404", async () => {
    const revoked = `${slack.url}/services/T00000000/B00000000/revoked`;
    const { ARN } = await secretsClient.send(
      new CreateSecretCommand({ Name: 'sluice/slack', SecretString: revoked }),
    );
    const secrets = new SecretsManagerSecrets(secretsClient);
    const channel = slackChannel(ARN!, secrets);
    // The first read caches the revoked URL; the webhook is then replaced and the secret rotated.
    assert.equal(await secrets.source(ARN!).get(), revoked);
    await secretsClient.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: slack.webhookUrl }));

    const result = await channel.send(alertDocument(), deadline());
    channel.close?.();
    assert.deepEqual(result, { delivered: true, attempts: 2 });
    assert.deepEqual(slack.counters.byStatus, { 404: 1, 200: 1 });
    assert.equal(slack.messages[0].text, 'HIGH: Many failed logins from one address');
  });

  it('never puts a secret that is not a URL into the failure it reports', async () => {
    const value = 'xoxb-not-a-webhook-url-0123456789';
    const { ARN } = await secretsClient.send(
      new CreateSecretCommand({ Name: 'sluice/slack-bad', SecretString: value }),
    );
    const channel = slackChannel(ARN!);
    const result = await channel.send(alertDocument(), deadline());
    channel.close?.();
    assert.equal(result.delivered === false && result.code, 'ALERT_SECRET_INVALID');
    assert.ok(!JSON.stringify(result).includes(value));
  });
});
