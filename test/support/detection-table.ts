import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DETECTION_TABLE_KEYS } from '../../lambda/adapters/detection-table';

/** The detection state table as the stack creates it (pk, sk, TTL on expiresAt), on moto. */
export { createDetectionTableWith as createDetectionTable } from '../../cli/dev/local-detections';

/** Every item of one partition key, as stored (tests look at the layout). */
export async function itemsOf(
  dynamodb: DynamoDBClient,
  table: string,
  pk: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const answer = await dynamodb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': DETECTION_TABLE_KEYS.partitionKey },
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(answer.Items ?? []));
    startKey = answer.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** DynamoDB's item size, as it bills and limits it. */
export { itemBytes } from '../../bench/lib/dynamodb-capacity';

/** Counts the requests a client sends, by command name. */
export function countRequests(dynamodb: DynamoDBClient): {
  counts: Map<string, number>;
  total(): number;
  reset(): void;
} {
  const counts = new Map<string, number>();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return {
    counts,
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    reset: () => counts.clear(),
  };
}
