import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { parseCheckpoint } from '../core/collectors/checkpoint';
import { CollectorCodes, CollectorError } from '../core/collectors/codes';
import type { Checkpoint, CheckpointStore, Lease, RunOutcome } from '../core/collectors/types';
import { causeOf } from './secrets-manager';

/** The table's partition key: one item per collector. */
export const CHECKPOINT_KEY = 'collector';
/** Error messages are kept short in the item: enough for `sluice status`, no more. */
const MAX_MESSAGE_CHARS = 1_000;

/** What `sluice status` shows of a collector. */
export interface CollectorState {
  readonly checkpoint?: Checkpoint;
  /** When the checkpoint was last stored (RFC 3339): `setCheckpoint` replaces only the one it read. */
  readonly checkpointAt?: string;
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: number;
  readonly lastRunStartedAt?: string;
  readonly lastRunEndedAt?: string;
  readonly lastRunStatus?: RunOutcome['status'];
  readonly lastRunRecords?: number;
  readonly lastErrorCode?: string;
  readonly lastErrorMessage?: string;
  /** The last failure was `COLLECTOR_TIES_EXCEED_PAGE` at this second (see `RunOutcome.tiesAt`). */
  readonly lastErrorTiesAt?: string;
  /** With `lastErrorTiesAt`: the events of that second the API gave in one page (`RunOutcome.tiesEvents`). */
  readonly lastErrorTiesEvents?: number;
  readonly lastSuccessAt?: string;
  readonly newestEventAt?: string;
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string }).name === 'ConditionalCheckFailedException'
  );
}

function unavailable(collector: string, doing: string, error: unknown): CollectorError {
  return new CollectorError(
    CollectorCodes.CHECKPOINT_UNAVAILABLE,
    `cannot ${doing} the checkpoint of collector '${collector}': ${causeOf(error)}`,
    { collector },
    { cause: error },
  );
}

function checkpointOf(
  collector: string,
  item: Record<string, AttributeValue> | undefined,
): Checkpoint | undefined {
  const text = item?.checkpoint?.S;
  if (text === undefined) return undefined;
  const parsed = parseCheckpoint(text);
  if (!parsed.ok) {
    throw new CollectorError(
      CollectorCodes.CHECKPOINT_UNAVAILABLE,
      `collector '${collector}': ${parsed.reason}. Fix: repair or delete the item (deleting restarts the collector ${'`firstRunDays`'} back)`,
      { collector },
    );
  }
  return parsed.checkpoint;
}

/**
 * Checkpoints in a DynamoDB table, one item per collector, with a lease taken by a conditional
 * write: a run takes it only if nobody holds it or the holder's lease expired, and moves the
 * checkpoint only while it still holds it (a run that outlived its lease cannot overwrite the
 * progress of the run that took over). Each collector's function may be limited to its own item
 * (`dynamodb:LeadingKeys`).
 */
export class DynamoDbCheckpointStore implements CheckpointStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(collector: string, leaseMs: number): Promise<Lease | undefined> {
    const owner = randomUUID();
    const now = this.now();
    let item: Record<string, AttributeValue> | undefined;
    try {
      const answer = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(collector),
          UpdateExpression: 'SET leaseOwner = :owner, leaseExpiresAt = :expires, lastRunStartedAt = :started',
          ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseExpiresAt < :now',
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':expires': { N: String(now + leaseMs) },
            ':started': { S: new Date(now).toISOString() },
            ':now': { N: String(now) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = answer.Attributes;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw unavailable(collector, 'lease', error);
    }
    let checkpoint: Checkpoint | undefined;
    try {
      checkpoint = checkpointOf(collector, item);
    } catch (error) {
      await this.release(collector, owner, {
        status: 'failed',
        recordsWritten: 0,
        objectsWritten: 0,
        code: (error as CollectorError).code,
        message: (error as CollectorError).message,
      });
      throw error;
    }
    return {
      checkpoint,
      commit: (next) => this.commit(collector, owner, next),
      release: (outcome) => this.release(collector, owner, outcome),
    };
  }

  /** The collector's item as `sluice status` shows it; undefined before its first run. */
  async read(collector: string): Promise<CollectorState | undefined> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      item = (
        await this.dynamodb.send(
          new GetItemCommand({ TableName: this.table, Key: this.key(collector), ConsistentRead: true }),
        )
      ).Item;
    } catch (error) {
      throw unavailable(collector, 'read', error);
    }
    if (!item) return undefined;
    const text = (name: string) => item[name]?.S;
    const number = (name: string) => (item[name]?.N !== undefined ? Number(item[name].N) : undefined);
    return {
      checkpoint: checkpointOf(collector, item),
      checkpointAt: text('checkpointAt'),
      leaseOwner: text('leaseOwner'),
      leaseExpiresAt: number('leaseExpiresAt'),
      lastRunStartedAt: text('lastRunStartedAt'),
      lastRunEndedAt: text('lastRunEndedAt'),
      lastRunStatus: text('lastRunStatus') as RunOutcome['status'] | undefined,
      lastRunRecords: number('lastRunRecords'),
      lastErrorCode: text('lastErrorCode'),
      lastErrorMessage: text('lastErrorMessage'),
      lastErrorTiesAt: text('lastErrorTiesAt'),
      lastErrorTiesEvents: number('lastErrorTiesEvents'),
      lastSuccessAt: text('lastSuccessAt'),
      newestEventAt: text('newestEventAt'),
    };
  }

  /**
   * Replaces the checkpoint on an operator's order (`sluice collect checkpoint`), only while no run
   * holds the lease and no run stored a checkpoint since `expectedAt` (the `checkpointAt` read):
   * otherwise a run would overwrite it, or it would undo a run's progress. Else COLLECTOR_LEASE_HELD.
   */
  async setCheckpoint(collector: string, checkpoint: Checkpoint, expectedAt: string): Promise<void> {
    const now = this.now();
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(collector),
          UpdateExpression: 'SET checkpoint = :checkpoint, checkpointAt = :at',
          ConditionExpression:
            'checkpointAt = :expected AND (attribute_not_exists(leaseOwner) OR leaseExpiresAt < :now)',
          ExpressionAttributeValues: {
            ':checkpoint': { S: JSON.stringify(checkpoint) },
            ':at': { S: new Date(now).toISOString() },
            ':expected': { S: expectedAt },
            ':now': { N: String(now) },
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new CollectorError(
          CollectorCodes.LEASE_HELD,
          `a run of collector '${collector}' holds its lease or moved its checkpoint since it was read: nothing was changed. Fix: run the command again once the run has ended (sluice status)`,
          { collector },
        );
      }
      throw unavailable(collector, 'write', error);
    }
  }

  private key(collector: string): Record<string, AttributeValue> {
    return { [CHECKPOINT_KEY]: { S: collector } };
  }

  private async commit(collector: string, owner: string, checkpoint: Checkpoint): Promise<void> {
    const values: Record<string, AttributeValue> = {
      ':owner': { S: owner },
      ':checkpoint': { S: JSON.stringify(checkpoint) },
      ':at': { S: new Date(this.now()).toISOString() },
    };
    let update = 'SET checkpoint = :checkpoint, checkpointAt = :at';
    if (checkpoint.newestEventAt) {
      update += ', newestEventAt = :newest';
      values[':newest'] = { S: checkpoint.newestEventAt };
    }
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(collector),
          UpdateExpression: update,
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new CollectorError(
          CollectorCodes.LEASE_LOST,
          `collector '${collector}' lost its lease (it expired and another run took it): this run stops without moving the checkpoint`,
          { collector },
        );
      }
      throw unavailable(collector, 'write', error);
    }
  }

  private async release(collector: string, owner: string, outcome: RunOutcome): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const values: Record<string, AttributeValue> = {
      ':owner': { S: owner },
      ':at': { S: at },
      ':status': { S: outcome.status },
      ':records': { N: String(outcome.recordsWritten) },
    };
    const set = ['lastRunEndedAt = :at', 'lastRunStatus = :status', 'lastRunRecords = :records'];
    const remove = ['leaseOwner', 'leaseExpiresAt'];
    if (outcome.status === 'failed') {
      set.push('lastErrorCode = :code', 'lastErrorMessage = :message');
      values[':code'] = { S: outcome.code ?? 'UNEXPECTED' };
      values[':message'] = { S: (outcome.message ?? '').slice(0, MAX_MESSAGE_CHARS) };
      if (outcome.tiesAt !== undefined) {
        set.push('lastErrorTiesAt = :ties');
        values[':ties'] = { S: outcome.tiesAt };
      } else {
        remove.push('lastErrorTiesAt');
      }
      if (outcome.tiesAt !== undefined && outcome.tiesEvents !== undefined) {
        set.push('lastErrorTiesEvents = :tiesEvents');
        values[':tiesEvents'] = { N: String(outcome.tiesEvents) };
      } else {
        remove.push('lastErrorTiesEvents');
      }
    } else {
      // A run that did not fail clears the last error: the alarm and `status` show the present.
      remove.push('lastErrorCode', 'lastErrorMessage', 'lastErrorTiesAt', 'lastErrorTiesEvents');
      set.push('lastSuccessAt = :at');
    }
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(collector),
          UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // A lease taken over belongs to the other run now: its outcome is the one to keep.
      if (isConditionFailure(error)) return;
      throw unavailable(collector, 'release', error);
    }
  }
}
