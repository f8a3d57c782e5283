/**
 * A deployment with detections on moto, as `cdk deploy` shapes it (cli/dev/local-stack.ts creates it:
 * bucket, object queue and DLQ, the vendor's and the alert objects' notifications, the detection
 * table, the alert topic, the stack's outputs), the forwarder Lambda's handler fed from the object
 * queue, and local receivers that answer as Splunk HEC, Slack, PagerDuty and a webhook do. A queue
 * subscribed to the alert topic shows what SNS published.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  CreateQueueCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AwsClients, awsSettings } from '../../../cli/aws/clients';
import type { Deployment } from '../../../cli/aws/deployment';
import { queueDepth } from '../../../cli/aws/queues';
import { createLocalStack } from '../../../cli/dev/local-stack';
import { detectionRuleFilesOf } from '../../../lambda/core/config/detection-rules';
import { parseConfig } from '../../../lambda/core/config/load';
import type { AlertRecord } from '../../../lambda/core/detections/routing/alert-record';
import { createHandler } from '../../../lambda/forwarder/handler';
import { RUNTIME_CONFIG_ENV, runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import { drain } from '../../support/event-source';
import { startMoto, type MotoServer } from '../../support/moto';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import {
  startAlertWebhookReceiver,
  type AlertWebhookReceiver,
} from '../../support/receivers/alert-webhook-receiver';
import {
  startPagerDutyEventsReceiver,
  type PagerDutyEventsReceiver,
} from '../../support/receivers/pagerduty-events-receiver';
import {
  startSlackWebhookReceiver,
  type SlackWebhookReceiver,
} from '../../support/receivers/slack-webhook-receiver';
import { createSecret, motoEnv, workspace } from '../cli/helpers';

export const BUCKET = 'acme-audit-logs';
export const STACK = 'SluiceDetectionsE2E';
export const ALERTS_PREFIX = 'sluice/sluice-alerts/';
const HEC_TOKEN = 'e2e-hec-token-0123456789';
const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface SnsEnvelope {
  readonly Subject: string;
  readonly Message: string;
}

export interface DetectionsE2E {
  readonly moto: MotoServer;
  readonly aws: AwsClients;
  readonly deployment: Deployment;
  /** The CLI's environment against this moto. */
  readonly env: NodeJS.ProcessEnv;
  /** The configuration file (for CLI commands) and its folder. */
  readonly dir: string;
  readonly configPath: string;
  readonly hec: HecReceiver;
  readonly slack: SlackWebhookReceiver;
  readonly pagerDuty: PagerDutyEventsReceiver;
  readonly webhook: AlertWebhookReceiver;
  /** The deployed forwarder's handler (one execution environment, kept across invocations). */
  readonly handler: Handler;
  /**
   * Later invocations run in a new execution environment, as Lambda may choose: it knows nothing of
   * the last one's (a channel's Retry-After, cached secrets, sockets).
   */
  newEnvironment(): void;
  /** Every message body the handler was given, in order. */
  readonly bodies: string[];
  putObject(key: string, body: string): Promise<void>;
  /** Runs the forwarder over the object queue until it stays empty, as the event source mapping does. */
  drain(): ReturnType<typeof drain>;
  /** Keys of the alert objects in the bucket, sorted. */
  alertKeys(): Promise<string[]>;
  /** The SNS notifications that reached the subscribed queue since the last call (removed from it). */
  snsMessages(): Promise<SnsEnvelope[]>;
  /** Removes and returns every message of the object queue, without running the forwarder. */
  takeMessages(): Promise<Message[]>;
  deadLetters(): Promise<number>;
  stop(): Promise<void>;
}

/** The configuration: one HEC destination (alerts in their own index) and a route per channel and level. */
function configOf(urls: {
  hec: string;
  hecSecret: string;
  slackSecret: string;
  pagerDutySecret: string;
  pagerDutyUrl: string;
  webhookSecret: string;
}) {
  return {
    stackName: STACK,
    sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
    destinations: [
      {
        type: 'splunk-hec',
        name: 'splunk',
        url: urls.hec,
        tokenSecretArn: urls.hecSecret,
        index: 'security',
        indexByLogType: { 'sluice-alerts': 'alerts' },
      },
    ],
    detections: {
      packs: ['strongdm'],
      routes: [
        // medium and above (the default)
        { type: 'slack', name: 'soc', secretArn: urls.slackSecret },
        // high and above (the default)
        { type: 'pagerduty', name: 'oncall', secretArn: urls.pagerDutySecret, url: urls.pagerDutyUrl },
        { type: 'webhook', name: 'audit', secretArn: urls.webhookSecret, levels: ['low'] },
        { type: 'sns', name: 'topic', minLevel: 'low' },
      ],
    },
  };
}

export async function startDetectionsE2E(): Promise<DetectionsE2E> {
  const moto = await startMoto();
  const env = motoEnv(moto.endpoint);
  const aws = new AwsClients(awsSettings(env));
  const [hec, slack, pagerDuty, webhook] = await Promise.all([
    startHecReceiver({ token: HEC_TOKEN }),
    startSlackWebhookReceiver(),
    startPagerDutyEventsReceiver({ routingKey: ROUTING_KEY }),
    startAlertWebhookReceiver(),
  ]);
  const configValue = configOf({
    hec: hec.url,
    hecSecret: await createSecret(moto.endpoint, 'sluice/hec', HEC_TOKEN),
    slackSecret: await createSecret(moto.endpoint, 'sluice/slack', slack.webhookUrl),
    pagerDutySecret: await createSecret(moto.endpoint, 'sluice/pagerduty', ROUTING_KEY),
    pagerDutyUrl: pagerDuty.eventsUrl,
    webhookSecret: await createSecret(moto.endpoint, 'sluice/webhook', `${webhook.url}/alerts`),
  });
  const { dir, config: configPath } = workspace(configValue);
  const config = parseConfig(configValue);
  const deployment = await createLocalStack(aws, config, { bucket: BUCKET, region: 'us-east-1' });

  // The rules as `cdk synth` bundles them beside the handler.
  const rulesFile = join(dir, 'detection-rules.json');
  writeFileSync(rulesFile, JSON.stringify(detectionRuleFilesOf(config, dir)));

  const sns = aws.other('sns', (clientConfig) => new SNSClient(clientConfig));
  const { QueueUrl: snsQueueUrl } = await aws.sqs.send(
    new CreateQueueCommand({ QueueName: 'alert-topic-sub' }),
  );
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: snsQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: deployment.alertTopicArn,
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn,
      Attributes: { RawMessageDelivery: 'false' },
    }),
  );

  const bodies: string[] = [];
  const environment = () =>
    createHandler({
      ...env,
      SLUICE_S3_FORCE_PATH_STYLE: 'true',
      [RUNTIME_CONFIG_ENV]: JSON.stringify(runtimeConfigOf(config)),
      SLUICE_BUCKET: deployment.bucket,
      SLUICE_OBJECT_QUEUE_URL: deployment.objects.queueUrl,
      SLUICE_DETECTION_RULES_FILE: rulesFile,
      SLUICE_DETECTIONS_TABLE: deployment.detectionsTable,
      SLUICE_ALERT_TOPIC_ARN: deployment.alertTopicArn,
    });
  let lambda = environment();
  const handler: Handler = (event, context) => {
    bodies.push(...event.Records.map((record) => record.body));
    return lambda(event, context);
  };

  return {
    moto,
    aws,
    deployment,
    env,
    dir,
    configPath,
    hec,
    slack,
    pagerDuty,
    webhook,
    handler,
    newEnvironment: () => {
      lambda = environment();
    },
    bodies,
    putObject: async (key, body) => {
      await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    },
    // Polls until the queue is empty twice in a row: an alert object's notification is in the queue
    // by the time the invocation that wrote it returns (moto notifies as it stores).
    drain: () =>
      drain(aws.sqs, deployment.objects.queueUrl, handler, { maxPolls: 200, remainingMs: 120_000 }),
    alertKeys: async () => {
      const listed = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: ALERTS_PREFIX }));
      return (listed.Contents ?? []).map((object) => object.Key!).sort();
    },
    snsMessages: async () => {
      const got: SnsEnvelope[] = [];
      for (let empty = 0; empty < 2;) {
        const { Messages } = await aws.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: snsQueueUrl, MaxNumberOfMessages: 10 }),
        );
        if (!Messages?.length) empty += 1;
        for (const message of Messages ?? []) {
          got.push(JSON.parse(message.Body!) as SnsEnvelope);
          await aws.sqs.send(
            new DeleteMessageCommand({ QueueUrl: snsQueueUrl, ReceiptHandle: message.ReceiptHandle! }),
          );
        }
      }
      return got;
    },
    takeMessages: async () => {
      const taken: Message[] = [];
      for (let empty = 0; empty < 2;) {
        const { Messages } = await aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: deployment.objects.queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 300,
          }),
        );
        if (!Messages?.length) empty += 1;
        for (const message of Messages ?? []) {
          taken.push(message);
          await aws.sqs.send(
            new DeleteMessageCommand({
              QueueUrl: deployment.objects.queueUrl,
              ReceiptHandle: message.ReceiptHandle!,
            }),
          );
        }
      }
      return taken;
    },
    deadLetters: async () => {
      const depth = await queueDepth(aws.sqs, deployment.objects.deadLetterQueueUrl!);
      return depth.visible + depth.inFlight;
    },
    stop: async () => {
      await Promise.all([hec.close(), slack.close(), pagerDuty.close(), webhook.close()]);
      aws.destroy();
      await moto.stop();
    },
  };
}

/** The alert records HEC received (sourcetype `sluice:sluice-alerts`). */
export function hecAlerts(hec: HecReceiver): (AlertRecord & { readonly index?: string })[] {
  return hec.events
    .filter((event) => event.sourcetype === 'sluice:sluice-alerts')
    .map((event) => ({ ...(event.event as AlertRecord), index: event.index }));
}

/** RFC 3339 with nanoseconds, as StrongDM writes it. */
export function nanos(at: Date): string {
  return at.toISOString().replace(/Z$/, '123456Z');
}

/** `<prefix>/<logType>/YYYY/MM/DD/HH/MM/<name>` for a time, as the vendor writes keys. */
export function vendorKey(logType: string, at: Date, name: string): string {
  const iso = at.toISOString();
  const [date, time] = [iso.slice(0, 10).split('-'), iso.slice(11, 16).split(':')];
  return `sdm/logs/${logType}/${date.join('/')}/${time.join('/')}/${name}`;
}

const PROD = { env: 'prod', team: 'payments' };

/** A StrongDM queries record. */
export function queryRecord(uuid: string, at: Date, fields: Record<string, unknown> = {}) {
  return {
    formatVersion: 'v1.0.0',
    logType: 'queries',
    actorAccountID: 'a-0abcdabcdab00000',
    actorEmail: 'alice.glick@example.com',
    actorFirstName: 'Alice',
    actorLastName: 'Glick',
    durationMs: '20',
    hash: '0da22222ba9b212ecfed33a17147c466ae0929ca',
    query: 'select name from users',
    queryCategory: 'datasource',
    resourceID: 'rs-0cegcegcegceg00',
    resourceName: 'orders-postgres-prod',
    resourceTags: PROD,
    resourceType: 'postgres',
    sourceIp: '10.1.2.3',
    timestamp: nanos(at),
    uuid,
    ...fields,
  };
}

/** An SSH session on a prod resource (sdm_prod_interactive_session, level low). */
export function prodSession(uuid: string, at: Date) {
  return queryRecord(uuid, at, {
    query: '',
    queryCategory: 'server',
    resourceName: 'bastion-eu-west-1',
    resourceType: 'ssh',
    durationMs: '185000',
  });
}

/** A StrongDM activities record. */
export function activityRecord(id: string, at: Date, activity: string) {
  return {
    formatVersion: 'v1.0.0',
    id,
    logType: 'activities',
    activity,
    actorAccountID: 'a-0abcdabcdab00000',
    actorEmail: 'alice.glick@example.com',
    actorFirstName: 'Alice',
    actorLastName: 'Glick',
    description: `Alice Glick (alice.glick@example.com): ${activity}.`,
    ipAddress: '198.51.100.7',
    userAgent: 'strongdm-cli/1.2.3',
    timestamp: nanos(at),
  };
}

export const ndjson = (records: readonly object[]) =>
  records.map((record) => JSON.stringify(record)).join('\n') + '\n';
