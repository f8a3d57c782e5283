import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DETECTION_TABLE_KEYS } from '../../lambda/adapters/detection-table';

/**
 * The detection state: correlation windows (`pk = w#<partition>`) and open alerts
 * (`pk = a#<dedupKey>`), each item expiring on its own (`expiresAt`, epoch seconds). On demand,
 * encrypted, with point-in-time recovery (a lost table re-opens every open alert and forgets every
 * window in progress), and retained on stack deletion like the rest of sluice's state.
 */
export class DetectionTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: DETECTION_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DETECTION_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: DETECTION_TABLE_KEYS.ttl,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
