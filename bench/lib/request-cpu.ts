import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DETECTION_TABLE_KEYS } from '../../lambda/adapters/detection-table';

/**
 * The CPU one DynamoDB request costs the process that sends it, whatever it carries: a GetItem of
 * an item that does not exist, `count` times one after another (after a few to warm up), through
 * the client given. What the detections stage's requests cost beyond this is their payload.
 */
export async function requestCpuMicros(
  client: DynamoDBClient,
  table: string,
  count: number,
): Promise<number> {
  const { partitionKey, sortKey } = DETECTION_TABLE_KEYS;
  const get = () =>
    client.send(
      new GetItemCommand({
        TableName: table,
        Key: { [partitionKey]: { S: 'bench#no-such-item' }, [sortKey]: { S: 'none' } },
        ConsistentRead: true,
      }),
    );
  for (let i = 0; i < Math.min(50, count); i += 1) await get();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += 1) await get();
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / count;
}
