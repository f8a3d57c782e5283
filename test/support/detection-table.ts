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

/** DynamoDB's item size: attribute names and values in UTF-8 (numbers counted as text, a bound). */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name, 'utf8');
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S, 'utf8');
    else if (value.N !== undefined) bytes += value.N.length;
    else if (value.SS) for (const element of value.SS) bytes += Buffer.byteLength(element, 'utf8');
    else if (value.BOOL !== undefined) bytes += 1;
  }
  return bytes;
}

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
