import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CHECKPOINT_KEY } from '../../lambda/adapters/dynamodb-checkpoint-store';

/** The collectors' checkpoint table as the stack creates it (lib/collectors/checkpoint-table.ts), on moto. */
export async function createCheckpointTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: CHECKPOINT_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: CHECKPOINT_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
