import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DetectionTableConfig } from '../../lambda/core/config/detections';
import type { AlertRouteConfig } from '../../lambda/core/detections/routing/config';
import { AlertTopic } from './alert-topic';
import { DetectionTable } from './detection-table';

export interface DetectionsProps {
  /** `detections.routes` of the validated configuration (at most one `sns` route). Default: none. */
  readonly routes?: readonly AlertRouteConfig[];
  /** `detections.table` of the validated configuration: how the state table is billed. Default: on demand. */
  readonly table?: DetectionTableConfig;
}

/** The Secrets Manager ARNs the routes read: the Slack, PagerDuty and webhook secrets. */
export function routeSecretArns(routes: readonly AlertRouteConfig[]): string[] {
  return [...new Set(routes.flatMap((route) => (route.type === 'sns' ? [] : [route.secretArn])))];
}

/**
 * What detections keep outside the forwarder: the detection state table and, with an `sns` route,
 * the alert topic with its e-mail subscriptions. The forwarder is granted their use
 * (`ForwarderProps.detections`); nothing else is.
 */
export class Detections extends Construct {
  readonly table: dynamodb.Table;
  /** Present when a route has type `sns`. */
  readonly alertTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: DetectionsProps = {}) {
    super(scope, id);
    this.table = new DetectionTable(this, 'State', { capacity: props.table }).table;
    const snsRoutes = (props.routes ?? []).filter((route) => route.type === 'sns');
    if (snsRoutes.length > 0) {
      this.alertTopic = new AlertTopic(this, 'Alerts', {
        emails: snsRoutes.flatMap((route) => route.emails ?? []),
      }).topic;
    }
  }
}
