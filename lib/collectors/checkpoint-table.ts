import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { CHECKPOINT_KEY } from '../../lambda/adapters/dynamodb-checkpoint-store';

/**
 * The collectors' checkpoints and leases: one item per collector, keyed by its name. DynamoDB rather
 * than an S3 object: a lease needs a conditional write that also reads back what it replaced, and
 * each function can be limited to its own item (`dynamodb:LeadingKeys`). On demand, with point-in-time
 * recovery (a checkpoint lost means events sent again or a gap to replay), retained on stack deletion.
 */
export class CheckpointTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: CHECKPOINT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
