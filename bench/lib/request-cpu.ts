import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DETECTION_TABLE_KEYS } from '../../lambda/adapters/detection-table';

/** Requests sent before measuring: the SDK's code paths reach their steady state after a few hundred. */
const WARM_UP = 500;
/**
 * Requests in flight at once, as the stage sends them (a wave's reads, then its writes, each round in
 * parallel). One after another to a server that takes milliseconds (moto) costs about twice the CPU
 * per request: the process idles between them and comes back to cold caches.
 */
const IN_FLIGHT = 8;

/**
 * The CPU one DynamoDB request costs the process that sends it, whatever it carries: a GetItem of
 * an item that does not exist, `count` times (after WARM_UP more, IN_FLIGHT at a time), through the
 * client given. What the detections stage's requests cost beyond this is their payload.
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
  const send = async (requests: number) => {
    let left = requests;
    const lane = async () => {
      while (left > 0) {
        left -= 1;
        await get();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  };
  await send(WARM_UP);
  const before = process.cpuUsage();
  await send(count);
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / count;
}
