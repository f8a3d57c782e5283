import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DETECTION_TABLE_ENV } from '../../lambda/adapters/detection-table';
import { ALERT_TOPIC_ENV } from '../../lambda/forwarder/detection-env';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { ALERTS_LOG_TYPE } from '../../lambda/core/detections/stage/names';
import type { RuleFile } from '../../lambda/core/detections/sigma/rule-set';
import { secretResourceArns } from '../secret-arns';

/** Environment variables the forwarder reads when detections run (set by the stack). */
export const DETECTIONS_ENV = {
  table: DETECTION_TABLE_ENV,
  alertTopicArn: ALERT_TOPIC_ENV,
} as const;

/** What the forwarder's detections stage and alert routes use. */
export interface ForwarderDetections {
  /** The detection state (windows and alerts), `DetectionTable`. */
  readonly table: dynamodb.ITable;
  /** The alerts source's prefix: alert objects are written under `<alertsPrefix>/sluice-alerts/`. */
  readonly alertsPrefix: string;
  /** The rule files, compiled at synth: bundled beside the handler as `detection-rules.json`. */
  readonly rules: readonly RuleFile[];
  /** The topic of the `sns` routes. Default: none (no `sns` route). */
  readonly alertTopic?: sns.ITopic;
  /** The secrets of the Slack, PagerDuty and webhook routes (names or full ARNs). Default: none. */
  readonly routeSecretArns?: readonly string[];
}

/** The object ARNs alert objects are written to: `<alertsPrefix>/sluice-alerts/*` of the bucket. */
export function alertObjectArn(bucketArn: string, alertsPrefix: string): string {
  return `${bucketArn}/${alertsPrefix}/${ALERTS_LOG_TYPE}/*`;
}

/**
 * Lets the forwarder's role do what detections need and nothing more: query, batch-write and update
 * items of the detection table (no Scan, no DeleteItem: items expire by TTL), create alert objects under
 * `<alertsPrefix>/sluice-alerts/` (PutObject only: If-None-Match needs no read; an opening found
 * written is read back with the GetObject the forwarder has on the alerts source, as on every
 * source), publish to the alert topic, and read the routes' secrets. Returns the environment
 * variables that name them.
 */
export function grantDetections(
  role: iam.IRole,
  bucketArn: string,
  detections: ForwarderDetections,
): Record<string, string> {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DetectionState',
      // What the stores send (lambda/adapters/dynamodb-*-store.ts): window and member items are
      // written in batches and read by range; alert heads are updated.
      actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
      resources: [detections.table.tableArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteAlertObjects',
      actions: ['s3:PutObject'],
      resources: [alertObjectArn(bucketArn, detections.alertsPrefix)],
    }),
  );
  const environment: Record<string, string> = { [DETECTIONS_ENV.table]: detections.table.tableName };
  if (detections.alertTopic) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [detections.alertTopic.topicArn],
      }),
    );
    environment[DETECTIONS_ENV.alertTopicArn] = detections.alertTopic.topicArn;
  }
  const secrets = [...new Set(detections.routeSecretArns ?? [])];
  if (secrets.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAlertRouteSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: secrets.flatMap(secretResourceArns),
      }),
    );
  }
  return environment;
}
