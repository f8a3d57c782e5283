import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { seededRandom } from '../../../../bench/data/random';
import { recordMarker } from '../../../../bench/data/strongdm';
import { DETECTION_TABLE_ENV } from '../../../../lambda/adapters/detection-table';
import { parseConfig } from '../../../../lambda/core/config/load';
import type { SluiceConfigInput } from '../../../../lambda/core/config/schema';
import type { AlertRecord } from '../../../../lambda/core/detections/routing/alert-record';
import type { RuleFile } from '../../../../lambda/core/detections/sigma/rule-set';
import { DETECTION_RULES_FILE, DETECTION_RULES_FILE_ENV } from '../../../../lambda/forwarder/detection-env';
import { runtimeConfigOf, type ForwarderRuntimeConfig } from '../../../../lambda/forwarder/runtime-config';
import { createDetectionTable } from '../../../support/detection-table';
import { motoClientConfig } from '../../../support/moto';
import { BUCKET, ES_API_KEY, HEC_TOKEN, startPipeline, type Pipeline } from '../../../support/pipeline';
import {
  startBulkReceiver,
  startHecReceiver,
  type BulkReceiver,
  type BulkReceiverOptions,
  type HecReceiver,
} from '../../../support/receivers';
import {
  startAlertWebhookReceiver,
  type AlertWebhookReceiver,
} from '../../../support/receivers/alert-webhook-receiver';
import {
  startPagerDutyEventsReceiver,
  type PagerDutyEventsReceiver,
} from '../../../support/receivers/pagerduty-events-receiver';
import {
  startSlackWebhookReceiver,
  type SlackWebhookReceiver,
} from '../../../support/receivers/slack-webhook-receiver';
import { startAlertRouteProxy, type AlertRouteProxy, type AlertRouteProxyOptions } from './alert-route-proxy';
import {
  startDynamoDbFaultProxy,
  type DynamoDbFaultProxy,
  type DynamoDbFaultProxyOptions,
} from './dynamodb-fault-proxy';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy';
import type { DestinationTuning } from './scenario';
import type { Handler } from './workers';

const TABLE = 'sluice-detections';
const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
/** Where the stage writes alert objects (the default alerts prefix). */
export const ALERTS_PREFIX = 'sluice/sluice-alerts/';

type ProxyFaults = Omit<FaultProxyOptions, 'target' | 'kind' | 'seed' | 'marker'>;
type RouteFaults = Omit<AlertRouteProxyOptions, 'target' | 'seed' | 'identify'>;

export interface DetectionScenarioOptions {
  readonly seed: number;
  readonly maxReceiveCount: number;
  readonly rules: readonly RuleFile[];
  /** `detections.dedupPeriod`. */
  readonly dedupPeriod: string;
  readonly bulk?: Omit<BulkReceiverOptions, 'auth' | 'random' | 'dataStreams'>;
  readonly hecFaults: ProxyFaults;
  readonly esFaults: ProxyFaults;
  readonly dynamoDbFaults: Omit<DynamoDbFaultProxyOptions, 'target' | 'seed'>;
  readonly slackFaults: RouteFaults;
  readonly pagerDutyFaults: RouteFaults;
  readonly webhookFaults: RouteFaults;
}

/**
 * The deployed shape with detections, on moto: the bucket's notifications for the vendor prefix and
 * the alerts prefix (`sluice/`) reach the object queue; the detection table; the StrongDM pack bundled
 * as the stack bundles it; Splunk HEC and Elasticsearch as the SIEM and Slack, PagerDuty and a webhook
 * as alert routes, each behind a fault proxy, and DynamoDB behind one for the forwarder's client only.
 */
export interface DetectionScenario {
  readonly pipeline: Pipeline;
  readonly hec: HecReceiver;
  readonly bulk: BulkReceiver;
  readonly slack: SlackWebhookReceiver;
  readonly pagerduty: PagerDutyEventsReceiver;
  readonly webhook: AlertWebhookReceiver;
  readonly hecProxy: FaultProxy;
  readonly esProxy: FaultProxy;
  readonly dynamoDbProxy: DynamoDbFaultProxy;
  readonly slackProxy: AlertRouteProxy;
  readonly pagerDutyProxy: AlertRouteProxy;
  readonly webhookProxy: AlertRouteProxy;
  /** The forwarder's runtime configuration (sources: strongdm, then the alerts source). */
  readonly runtime: ForwarderRuntimeConfig;
  /** `count` forwarders, each with its own runtime, like separate Lambda execution environments. */
  handlers(count: number, tuning?: DestinationTuning): Handler[];
  /** Every alert object the stage wrote, by event id (its name). */
  writtenAlerts(): Promise<Map<string, AlertRecord>>;
  stop(): Promise<void>;
}

/** A record's identity in the SIEM proxies' books: an alert event's id, a vendor record's marker. */
function markerOf(record: Record<string, unknown>): string {
  return typeof record.eventId === 'string' ? record.eventId : recordMarker(record);
}

/** Slack messages name the alert in their context block (`alert <alertId> · rule …`). */
export function slackAlertId(body: string): string {
  const message = JSON.parse(body) as { blocks?: { elements?: { text?: string }[] }[] };
  for (const block of message.blocks ?? []) {
    for (const element of block.elements ?? []) {
      const id = /^alert (\S+) ·/.exec(element.text ?? '')?.[1];
      if (id) return id;
    }
  }
  return '(no alert id)';
}

/**
 * A PagerDuty event names its alert event by what the alert document says: status, dedup key and
 * running count (`<status>|<dedupKey>|<occurrences>`), as the event's `custom_details` carry them.
 */
export function pagerDutyEventOf(details: Readonly<Record<string, unknown>> | undefined): string {
  if (!details) return '(no details)';
  return `${String(details.status)}|${String(details.dedup_key)}|${String(details.occurrences)}`;
}

/** The same name for a written alert event. */
export function pagerDutyEventOfAlert(alert: AlertRecord): string {
  return `${alert.status}|${alert.dedupKey}|${alert.occurrences}`;
}

function pagerDutyIdentity(body: string): string {
  return pagerDutyEventOf(
    (JSON.parse(body) as { payload?: { custom_details?: Record<string, unknown> } }).payload?.custom_details,
  );
}

export function webhookEventId(body: string): string {
  return String((JSON.parse(body) as { eventId?: unknown }).eventId);
}

export async function startDetectionScenario(options: DetectionScenarioOptions): Promise<DetectionScenario> {
  const { seed } = options;
  const pipeline = await startPipeline({
    maxReceiveCount: options.maxReceiveCount,
    prefixes: ['sdm/logs', 'sluice'],
  });
  const tableClient = new DynamoDBClient(motoClientConfig(pipeline.moto.endpoint));
  await createDetectionTable(tableClient, TABLE);
  tableClient.destroy();

  const hec = await startHecReceiver({ token: HEC_TOKEN, random: seededRandom(seed + 1).next });
  const bulk = await startBulkReceiver({
    auth: { apiKey: ES_API_KEY },
    dataStreams: true,
    ...options.bulk,
    random: seededRandom(seed + 2).next,
  });
  const slack = await startSlackWebhookReceiver();
  const pagerduty = await startPagerDutyEventsReceiver({ routingKey: ROUTING_KEY });
  const webhook = await startAlertWebhookReceiver();

  const hecProxy = await startFaultProxy({
    target: hec.url,
    kind: 'hec',
    seed: seed + 3,
    marker: markerOf,
    ...options.hecFaults,
  });
  const esProxy = await startFaultProxy({
    target: bulk.url,
    kind: 'bulk',
    seed: seed + 4,
    marker: markerOf,
    ...options.esFaults,
  });
  const dynamoDbProxy = await startDynamoDbFaultProxy({
    target: pipeline.moto.endpoint,
    seed: seed + 5,
    ...options.dynamoDbFaults,
  });
  const slackProxy = await startAlertRouteProxy({
    target: slack.url,
    seed: seed + 6,
    identify: slackAlertId,
    ...options.slackFaults,
  });
  const pagerDutyProxy = await startAlertRouteProxy({
    target: pagerduty.eventsUrl.replace(/\/v2\/enqueue$/, ''),
    seed: seed + 7,
    identify: pagerDutyIdentity,
    ...options.pagerDutyFaults,
  });
  const webhookProxy = await startAlertRouteProxy({
    target: webhook.url,
    seed: seed + 8,
    identify: webhookEventId,
    ...options.webhookFaults,
  });

  const secret = async (name: string, value: string) =>
    (await pipeline.secrets.send(new CreateSecretCommand({ Name: `sluice/${name}`, SecretString: value })))
      .ARN!;
  const slackSecret = await secret('slack', `${slackProxy.url}${new URL(slack.webhookUrl).pathname}`);
  const pagerDutySecret = await secret('pagerduty', ROUTING_KEY);
  const webhookSecret = await secret('webhook', `${webhookProxy.url}/sluice/alerts`);

  const rulesDir = mkdtempSync(join(tmpdir(), 'sluice-fault-rules-'));
  const rulesFile = join(rulesDir, DETECTION_RULES_FILE);
  writeFileSync(rulesFile, JSON.stringify(options.rules));

  const config = (tuning: DestinationTuning = {}): SluiceConfigInput => ({
    sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
    destinations: [
      {
        type: 'splunk-hec',
        name: 'splunk',
        url: hecProxy.url,
        tokenSecretArn: pipeline.secretArns.hec,
        index: 'security',
        indexByLogType: { 'sluice-alerts': 'alerts' },
        ...tuning,
      },
      {
        type: 'elasticsearch',
        name: 'elastic',
        url: esProxy.url,
        auth: { type: 'api-key', secretArn: pipeline.secretArns.es },
        ...tuning,
      },
    ],
    detections: {
      packs: ['strongdm'],
      dedupPeriod: options.dedupPeriod,
      routes: [
        // Defaults: Slack takes openings of medium and above; PagerDuty openings and updates of high
        // and above; the webhook openings and updates of (here) every level.
        { type: 'slack', name: 'slack', secretArn: slackSecret },
        {
          type: 'pagerduty',
          name: 'pagerduty',
          secretArn: pagerDutySecret,
          url: `${pagerDutyProxy.url}/v2/enqueue`,
        },
        { type: 'webhook', name: 'webhook', secretArn: webhookSecret, minLevel: 'low' },
      ],
    },
  });
  const env = {
    [DETECTION_TABLE_ENV]: TABLE,
    [DETECTION_RULES_FILE_ENV]: rulesFile,
    // The forwarder's DynamoDB client only: S3, SQS and Secrets Manager still talk to moto directly.
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbProxy.url,
  };

  return {
    pipeline,
    hec,
    bulk,
    slack,
    pagerduty,
    webhook,
    hecProxy,
    esProxy,
    dynamoDbProxy,
    slackProxy,
    pagerDutyProxy,
    webhookProxy,
    runtime: runtimeConfigOf(parseConfig(config())),
    handlers: (count, tuning) =>
      Array.from({ length: count }, () => pipeline.handlerFor(config(tuning), env)),
    writtenAlerts: async () => {
      const written = new Map<string, AlertRecord>();
      let token: string | undefined;
      do {
        const listed = await pipeline.s3.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: ALERTS_PREFIX, ContinuationToken: token }),
        );
        for (const object of listed.Contents ?? []) {
          const response = await pipeline.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: object.Key! }));
          const alert = JSON.parse(await response.Body!.transformToString()) as AlertRecord;
          // The object is named by its event id (the SIEM's `_id`).
          if (!object.Key!.endsWith(`/${alert.eventId}.json`))
            throw new Error(`${object.Key} holds alert event ${alert.eventId}`);
          written.set(alert.eventId, alert);
        }
        token = listed.NextContinuationToken;
      } while (token);
      return written;
    },
    stop: async () => {
      await Promise.all(
        [hecProxy, esProxy, dynamoDbProxy, slackProxy, pagerDutyProxy, webhookProxy].map((proxy) =>
          proxy.close(),
        ),
      );
      await Promise.all([hec, bulk, slack, pagerduty, webhook].map((receiver) => receiver.close()));
      await pipeline.stop();
      rmSync(rulesDir, { recursive: true, force: true });
    },
  };
}
