import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { itemBytes, meterCapacity, readUnits, writeUnits } from '../../../bench/lib/dynamodb-capacity';
import { createDetectionTable } from '../../support/detection-table';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';

/** The bench's DynamoDB capacity meter: units as AWS documents them, whatever moto answers. */

const TABLE = 'capacity';
const text = (bytes: number) => 'x'.repeat(bytes);
const key = (sk: string) => ({ pk: { S: 'p' }, sk: { S: sk } });

describe('DynamoDB item sizes and units, as AWS documents them', () => {
  it('counts attribute names and values: strings in UTF-8, numbers by significant digits, sets by element', () => {
    assert.equal(itemBytes({ name: { S: 'é€' } }), 4 + 5);
    assert.equal(itemBytes({ n: { N: '12345' } }), 1 + 4);
    assert.equal(itemBytes({ n: { N: '-1000.00' } }), 1 + 2);
    assert.equal(itemBytes({ m: { SS: ['ab', 'cde'] } }), 1 + 5);
    assert.equal(itemBytes({ flag: { BOOL: true } }), 4 + 1);
  });

  it('bills a write unit per started KB and a strongly consistent read unit per started 4 KB, one at least', () => {
    assert.deepEqual([0, 1, 1_024, 1_025, 3_000].map(writeUnits), [1, 1, 1, 2, 3]);
    assert.deepEqual(
      [0, 4_096, 4_097].map((bytes) => readUnits(bytes, true)),
      [1, 1, 2],
    );
    assert.equal(readUnits(4_097, false), 1);
  });
});

describe('meterCapacity on moto', () => {
  let moto: MotoServer;
  let client: DynamoDBClient;
  let reader: DynamoDBClient;

  before(async () => {
    moto = await startMoto();
    client = new DynamoDBClient(motoClientConfig(moto.endpoint));
    reader = new DynamoDBClient(motoClientConfig(moto.endpoint));
    await createDetectionTable(reader, TABLE);
  });

  after(async () => {
    client.destroy();
    reader.destroy();
    await moto.stop();
  });

  it('meters each item of a BatchWriteItem apart, an UpdateItem at the larger of before and after, a Query at its whole items', async () => {
    const tally = meterCapacity(client, reader);
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: { ...key('a'), d: { S: text(1_500) } } } },
            { PutRequest: { Item: { ...key('b'), d: { S: text(300) } } } },
            { PutRequest: { Item: { ...key('c'), d: { S: text(9_000) } } } },
          ],
        },
      }),
    );
    assert.equal(tally.write.BatchWriteItem, 2 + 1 + 9);

    // 300 bytes grow to 2,300: billed after; then shrink back to a few: billed before.
    await client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: key('b'),
        UpdateExpression: 'SET d = :d',
        ExpressionAttributeValues: { ':d': { S: text(2_300) } },
      }),
    );
    await client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: key('b'),
        UpdateExpression: 'SET d = :d',
        ExpressionAttributeValues: { ':d': { S: 'x' } },
      }),
    );
    assert.equal(tally.write.UpdateItem, 3 + 3);

    // A refused condition still costs the item's size.
    await assert.rejects(
      client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key('a'),
          UpdateExpression: 'SET d = :d',
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeValues: { ':d': { S: 'x' } },
        }),
      ),
    );
    assert.equal(tally.write.UpdateItem, 3 + 3 + 2);

    // a (1.5 KB) + b (a few bytes) + c (9 KB) = 10.5 KB read, projected or not: 3 units.
    const answer = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': { S: 'p' } },
        ProjectionExpression: '#pk',
        ConsistentRead: true,
      }),
    );
    assert.equal(answer.Items?.length, 3);
    assert.equal(tally.read.Query, 3);

    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('none'), ConsistentRead: true }));
    assert.equal(tally.read.GetItem, 1);
    // Not metered: what the meter itself reads, and other clients' requests.
    await reader.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('d'), d: { S: text(5_000) } } }));
    assert.deepEqual(Object.keys(tally.write).sort(), ['BatchWriteItem', 'UpdateItem']);
  });
});
