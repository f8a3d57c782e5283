import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';

/** DynamoDB's limit of requests per BatchWriteItem. */
export const BATCH_WRITE_ITEMS = 25;
const MAX_WRITE_ATTEMPTS = 8;
const FIRST_RETRY_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One BatchWriteItem of at most 25 requests, retried with backoff while DynamoDB leaves items
 * unprocessed (throttling). `failure` turns the SDK's error, or the items still left after 8
 * attempts, into the error the caller throws (naming what it was writing).
 */
export async function writeBatch(
  client: DynamoDBClient,
  tableName: string,
  requests: readonly WriteRequest[],
  failure: (error: unknown) => Error,
): Promise<void> {
  let pending = [...requests];
  for (let attempt = 1; ; attempt += 1) {
    let left: WriteRequest[];
    try {
      const answer = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      left = answer.UnprocessedItems?.[tableName] ?? [];
    } catch (error) {
      throw failure(error);
    }
    if (left.length === 0) return;
    if (attempt >= MAX_WRITE_ATTEMPTS) {
      throw failure(
        Object.assign(new Error(`${left.length} items left unprocessed after ${attempt} attempts`), {
          name: 'UnprocessedItems',
        }),
      );
    }
    await sleep(FIRST_RETRY_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    pending = left;
  }
}
