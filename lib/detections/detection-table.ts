import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DETECTION_TABLE_KEYS } from '../../lambda/adapters/detection-table';
import type { DetectionTableConfig } from '../../lambda/core/config/detections';
import { SluiceError } from '../../lambda/core/errors';

export interface DetectionTableProps {
  /**
   * `detections.table` of the validated configuration: on demand, or provisioned with both unit
   * ranges (the configuration's checks guarantee them). Default: on demand.
   */
  readonly capacity?: DetectionTableConfig;
}

/**
 * The detection state: correlation windows (`pk = w#<partition>`) and open alerts
 * (`pk = a#<dedupKey>`), each item expiring on its own (`expiresAt`, epoch seconds). On demand
 * unless configured provisioned (then auto scaled on utilization), encrypted, with point-in-time
 * recovery (a lost table re-opens every open alert and forgets every window in progress), and
 * retained on stack deletion like the rest of sluice's state.
 */
export class DetectionTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DetectionTableProps = {}) {
    super(scope, id);
    const provisioned = provisionedUnits(props.capacity);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: DETECTION_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DETECTION_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: DETECTION_TABLE_KEYS.ttl,
      ...(provisioned
        ? {
            billingMode: dynamodb.BillingMode.PROVISIONED,
            writeCapacity: provisioned.write.min,
            readCapacity: provisioned.read.min,
          }
        : { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (provisioned) {
      const { write, read, targetUtilizationPercent } = provisioned;
      this.table
        .autoScaleWriteCapacity({ minCapacity: write.min, maxCapacity: write.max })
        .scaleOnUtilization({ targetUtilizationPercent });
      this.table
        .autoScaleReadCapacity({ minCapacity: read.min, maxCapacity: read.max })
        .scaleOnUtilization({ targetUtilizationPercent });
    }
  }
}

/** A provisioned table's unit ranges and target, or undefined on demand. */
function provisionedUnits(capacity: DetectionTableConfig | undefined) {
  if (capacity?.capacity !== 'provisioned') return undefined;
  const { writeUnits: write, readUnits: read, targetUtilizationPercent } = capacity;
  if (!write || !read) {
    throw new SluiceError(
      'CONFIG_INVALID',
      'detections.table: capacity "provisioned" needs writeUnits and readUnits. Fix: give both, { "min": …, "max": … }',
    );
  }
  return { write, read, targetUtilizationPercent };
}
