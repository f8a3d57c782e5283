import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DETECTION_TABLE_KEYS } from '../../lambda/adapters/detection-table';
import type { AwsClients } from '../aws/clients';

/**
 * The detection state table as the stack creates it (lib/detections/detection-table.ts), on an
 * endpoint like moto (`sluice dev`): `pk`/`sk` strings, on demand, TTL on `expiresAt`.
 */
export async function createDetectionTable(aws: AwsClients, name: string): Promise<string> {
  await createDetectionTableWith(
    aws.other('dynamodb', (config) => new DynamoDBClient(config)),
    name,
  );
  return name;
}

/** createDetectionTable with a client of one's own (the tests' and the bench's, on moto). */
export async function createDetectionTableWith(dynamodb: DynamoDBClient, name: string): Promise<void> {
  const { partitionKey, sortKey, ttl } = DETECTION_TABLE_KEYS;
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    // An endpoint the operator runs (AWS_ENDPOINT_URL) may hold the table from an earlier run.
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    return;
  }
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: ttl, Enabled: true },
    }),
  );
}

/** The topic `sns` alert routes publish to (CreateTopic returns the existing one of that name). */
export async function createAlertTopic(aws: AwsClients, name: string): Promise<string> {
  const sns = aws.other('sns', (config) => new SNSClient(config));
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  return TopicArn!;
}
