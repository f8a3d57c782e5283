import {
  GetItemCommand,
  type AttributeValue,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  type GetItemCommandInput,
  type GetItemCommandOutput,
  type QueryCommandInput,
  type QueryCommandOutput,
  type UpdateItemCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

/**
 * What the detections stage's DynamoDB requests would be billed, as AWS documents the units
 * ("Capacity unit consumption for read and write operations", DynamoDB developer guide): a write
 * unit per KB of each item written, an `UpdateItem` counting the larger of the item before and
 * after it; a strongly consistent read unit per 4 KB of the items a `GetItem` or a `Query` page
 * reads (their whole items, whatever the projection), half that eventually consistent. moto
 * answers a constant `ConsumedCapacity`, so the units are computed here from the items themselves.
 */

/** On-demand prices, us-east-1, USD per million units (since the price cut of November 2024). */
export const ON_DEMAND_USD_PER_MILLION = { write: 0.625, read: 0.125 } as const;

const WRITE_UNIT_BYTES = 1_024;
const READ_UNIT_BYTES = 4_096;

/** Bytes of a number as DynamoDB stores it: one per two significant digits, plus one. */
function numberBytes(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8'), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, text) => sum + numberBytes(text), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, bytes) => sum + bytes.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.M !== undefined) return 3 + itemBytes(value.M) + Object.keys(value.M).length;
  return 0;
}

/** An item's size as DynamoDB bills it: each attribute's name (UTF-8) and value. */
export function itemBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  return bytes;
}

export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
export const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * (consistent ? 1 : 0.5);

/** Units by operation. */
export interface CapacityTally {
  readonly write: Record<string, number>;
  readonly read: Record<string, number>;
}

function add(into: Record<string, number>, operation: string, units: number): void {
  into[operation] = (into[operation] ?? 0) + units;
}

/**
 * Meters `client`'s requests into the tally returned. `reader` (another client of the same table,
 * not metered) reads an updated item before and after each `UpdateItem`: its size after is not in
 * the answer. A `Query` is sent without its projection, so its answer holds the whole items it
 * reads (callers read the attributes they asked for, and ignore the others). Updates of one item
 * racing each other in the process may be metered at the size of the other's result.
 */
export function meterCapacity(client: DynamoDBClient, reader: DynamoDBClient): CapacityTally {
  const tally: CapacityTally = { write: {}, read: {} };
  const sizeOf = async (TableName: string | undefined, Key: Record<string, AttributeValue> | undefined) => {
    const answer = await reader.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
    return answer.Item ? itemBytes(answer.Item) : 0;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      if (operation === 'UpdateItem') {
        const input = args.input as UpdateItemCommandInput;
        const before = await sizeOf(input.TableName, input.Key);
        try {
          return await next(args);
        } finally {
          // A refused condition still costs the item's size (at least one unit).
          add(tally.write, operation, writeUnits(Math.max(before, await sizeOf(input.TableName, input.Key))));
        }
      }
      if (operation === 'Query') {
        const input = args.input as QueryCommandInput;
        const whole = { ...args, input: { ...input, ProjectionExpression: undefined } };
        const result = await next(whole);
        const items = (result.output as QueryCommandOutput).Items ?? [];
        const bytes = items.reduce((sum, item) => sum + itemBytes(item), 0);
        add(tally.read, operation, readUnits(bytes, input.ConsistentRead === true));
        return result;
      }
      const result = await next(args);
      if (operation === 'BatchWriteItem') {
        const input = args.input as BatchWriteItemCommandInput;
        const left = (result.output as BatchWriteItemCommandOutput).UnprocessedItems ?? {};
        // Items DynamoDB left unprocessed were not written (they come back with the retry).
        const written = (requests: readonly WriteRequest[] | undefined) =>
          (requests ?? []).reduce(
            (sum, request) =>
              sum + (request.PutRequest?.Item ? writeUnits(itemBytes(request.PutRequest.Item)) : 0),
            0,
          );
        for (const [table, requests] of Object.entries(input.RequestItems ?? {}))
          add(tally.write, operation, written(requests) - written(left[table]));
      } else if (operation === 'GetItem') {
        const input = args.input as GetItemCommandInput;
        const item = (result.output as GetItemCommandOutput).Item;
        add(tally.read, operation, readUnits(item ? itemBytes(item) : 0, input.ConsistentRead === true));
      }
      return result;
    },
    { step: 'initialize', name: 'benchCapacityMeter' },
  );
  return tally;
}

export function totalUnits(units: Readonly<Record<string, number>>): number {
  return Object.values(units).reduce((sum, value) => sum + value, 0);
}
