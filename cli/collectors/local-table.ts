import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CHECKPOINT_KEY } from '../../lambda/adapters/dynamodb-checkpoint-store';
import type { AwsClients } from '../aws/clients';

/** The collectors' checkpoint table as the stack creates it, on an endpoint like moto (`sluice dev`). */
export async function createCheckpointTable(aws: AwsClients, name: string): Promise<string> {
  const dynamodb = aws.other('dynamodb', (config) => new DynamoDBClient(config));
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: CHECKPOINT_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: CHECKPOINT_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
  return name;
}
