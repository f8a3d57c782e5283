import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { Contribution, WindowStore } from '../core/detections/windows/store';
import { errorMessage, SluiceError } from '../core/errors';
import { DETECTION_TABLE_KEYS, partitionKeyOf, stateUnavailable, ttlSecondsOf } from './detection-table';
import { RoundWriter } from './write-round';

/**
 * Event time one item covers at most: a batch of one group writes one item per slot it spans.
 * DynamoDB bills each item written by the KB, rounded up, and a quiet group's minute is about one KB
 * deflated: slots of a minute (until 2026-12-02) paid a third again in rounding. Five minutes cost a
 * quarter fewer write units on the quiet workload, for a little more read back. A range starts at a
 * slot's start, so the minute-long items of earlier versions are read as well; an earlier version
 * reading these (a rollback) would miss the minutes of an item before its range's first minute.
 */
export const WINDOW_SLOT_MS = 300_000;
/**
 * Bytes of contribution data per item. DynamoDB refuses items over 400 KB (keys and attribute names
 * included, the partition key being up to ~1.3 KB here): a slot's contributions beyond this go to
 * another item.
 */
export const WINDOW_ITEM_BYTES = 300_000;
/** An item's JSON at most: the budget and the envelope. Inflating stops there (an item is never larger). */
const MAX_ITEM_JSON_BYTES = WINDOW_ITEM_BYTES + 1_024;
/**
 * Records kept whole per add (a batch's contributions to one group), for the alert's samples (it
 * shows 5, its own batch's first): the latest of the add, which the next batches' windows reach
 * back to first. The others keep only their reference. Five per item instead made the records half
 * of what a sparse group's items hold (a wave of a quiet group is an item per slot it spans).
 */
export const WINDOW_SAMPLES_PER_ADD = 5;
/** A record larger than this (as JSON) is not kept as a sample (the port allows dropping large ones). */
export const WINDOW_MAX_SAMPLE_BYTES = 8_192;
/**
 * value_count values longer than this are kept as a digest. Two different records with the same
 * such value, one stored and one in the batch at hand, would then count as two values: accepted for
 * values this long (a counted field is an address, a user, a resource), to keep every item writable.
 */
export const WINDOW_MAX_VALUE_CHARS = 16_384;

const FORMAT_VERSION = 1;
/**
 * zlib's fastest level: an item's JSON shrinks to about a third (ids, offsets and the samples'
 * repeated field names), and DynamoDB bills writes per KB, reads per 4 KB (see "What DynamoDB
 * bills" in docs/detections.md); the higher levels gain a few percent for half again the CPU.
 */
const COMPRESSION_LEVEL = 1;
/** Largest epoch millisecond a Date can hold: slots are clamped to [0, this] so sort keys keep 16 digits. */
const MAX_TIME_MS = 8_640_000_000_000_000;
const SLOT_KEY_DIGITS = 16;

/**
 * An item's data: JSON, times relative to the slot, locations listed once; stored deflated (raw
 * deflate) in the binary attribute `z`. Items written before 2026-12-02 hold the JSON as text in `d`.
 */
interface EncodedItem {
  readonly v: number;
  /** Slot start, epoch ms. */
  readonly t: number;
  /** [bucket, key] of the objects the contributions are in. */
  readonly l: readonly (readonly [string, string])[];
  /** [id, event time - t, location index, offset, value?], by event time then id. */
  readonly c: readonly (readonly [string, number, number, number, string?])[];
  /** [position in c, the record]: the first few contributions' records. */
  readonly s: readonly (readonly [number, Record<string, unknown>])[];
}

function slotStartOf(timeMs: number): number {
  const start = Math.floor(timeMs / WINDOW_SLOT_MS) * WINDOW_SLOT_MS;
  return Math.min(Math.max(0, start), MAX_TIME_MS);
}

function slotKeyOf(slotStartMs: number): string {
  return String(slotStartMs).padStart(SLOT_KEY_DIGITS, '0');
}

function byTimeThenId(a: Contribution, b: Contribution): number {
  return a.ref.eventTimeMs - b.ref.eventTimeMs || (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : 0);
}

/** Drops repeats of a (event time, id) pair from contributions sorted by event time then id; the first copy is kept. */
function uniqueOfSorted(sorted: readonly Contribution[]): Contribution[] {
  const unique: Contribution[] = [];
  for (const contribution of sorted) {
    const last = unique[unique.length - 1];
    if (last && last.ref.id === contribution.ref.id && last.ref.eventTimeMs === contribution.ref.eventTimeMs)
      continue;
    unique.push(contribution);
  }
  return unique;
}

function storedValueOf(value: string): string {
  if (value.length <= WINDOW_MAX_VALUE_CHARS) return value;
  return `${value.slice(0, 256)}\u2026 sha256:${createHash('sha256').update(value, 'utf8').digest('base64url')}`;
}

/** UTF-8 takes at most 3 bytes per UTF-16 code unit: a size counted in code units bounds the bytes. */
const MAX_BYTES_PER_CHAR = 3;

/**
 * One item being filled with the contributions of one slot, its size counted as the JSON is built.
 * Most items stay far below the limit: their size is bounded by the text's length (no UTF-8 count
 * per entry), and counted exactly only from the entry that could reach it.
 */
class ItemBuilder {
  private readonly locations: string[] = [];
  private readonly locationIndex = new Map<string, number>();
  /** The location of the last contribution: a batch's contributions come object by object. */
  private lastBucket: string | undefined;
  private lastKey: string | undefined;
  private lastLocation = 0;
  private readonly entries: string[] = [];
  private readonly samples: string[] = [];
  /** `eventTime#id\n` per entry: what the sort key's digest is of. */
  private readonly digestInput: string[] = [];
  /** Code units of the data so far (the envelope counted as 64). */
  private chars = 64;
  /** Exact UTF-8 bytes of the data so far, once an entry could reach the limit. */
  private bytes: number | undefined;

  constructor(private readonly slotStartMs: number) {}

  get size(): number {
    return this.entries.length;
  }

  /**
   * Adds the contribution, with its record when `withSample`, unless it would make the item too
   * large (an empty item takes anything).
   */
  tryAdd(contribution: Contribution, withSample: boolean): boolean {
    const { id, bucket, key, offset, eventTimeMs } = contribution.ref;
    let location = this.locationOf(bucket, key);
    const locationText = location === undefined ? JSON.stringify([bucket, key]) : '';
    const index = location ?? this.locations.length;
    // The JSON of [id, event time - slot start, location, offset, value?] (numbers are finite).
    const value =
      contribution.value === undefined ? '' : `,${JSON.stringify(storedValueOf(contribution.value))}`;
    const entry = `[${JSON.stringify(id)},${eventTimeMs - this.slotStartMs},${index},${offset}${value}]`;
    let sample = '';
    if (withSample && contribution.sample !== undefined) {
      const text = JSON.stringify(contribution.sample);
      if (Buffer.byteLength(text, 'utf8') <= WINDOW_MAX_SAMPLE_BYTES)
        sample = `[${this.entries.length},${text}]`;
    }
    const addedChars =
      entry.length + 1 + (locationText ? locationText.length + 1 : 0) + (sample ? sample.length + 1 : 0);
    if (this.bytes === undefined && (this.chars + addedChars) * MAX_BYTES_PER_CHAR > WINDOW_ITEM_BYTES)
      this.bytes = this.exactBytes();
    if (this.bytes !== undefined) {
      const added =
        Buffer.byteLength(entry, 'utf8') +
        (locationText ? Buffer.byteLength(locationText, 'utf8') + 1 : 0) +
        (sample ? Buffer.byteLength(sample, 'utf8') + 1 : 0) +
        1;
      if (this.entries.length > 0 && this.bytes + added > WINDOW_ITEM_BYTES) return false;
      this.bytes += added;
    }
    if (location === undefined) {
      location = index;
      this.locationIndex.set(`${bucket}\u0000${key}`, location);
      this.locations.push(locationText);
    }
    this.lastBucket = bucket;
    this.lastKey = key;
    this.lastLocation = location;
    this.entries.push(entry);
    if (sample) this.samples.push(sample);
    this.digestInput.push(`${eventTimeMs}#${id}\n`);
    this.chars += addedChars;
    return true;
  }

  private locationOf(bucket: string, key: string): number | undefined {
    if (bucket === this.lastBucket && key === this.lastKey) return this.lastLocation;
    return this.locationIndex.get(`${bucket}\u0000${key}`);
  }

  /** The data's UTF-8 bytes so far, counted as tryAdd counts them (each piece and its separator). */
  private exactBytes(): number {
    let bytes = 64;
    for (const text of this.locations) bytes += Buffer.byteLength(text, 'utf8') + 1;
    for (const text of this.entries) bytes += Buffer.byteLength(text, 'utf8') + 1;
    for (const text of this.samples) bytes += Buffer.byteLength(text, 'utf8') + 1;
    return bytes;
  }

  /** The sort key (slot, then a digest of the item's records: a replay of the same batch overwrites it) and data. */
  build(): { sk: string; data: string } {
    const data = `{"v":${FORMAT_VERSION},"t":${this.slotStartMs},"l":[${this.locations.join(',')}],"c":[${this.entries.join(',')}],"s":[${this.samples.join(',')}]}`;
    if (Buffer.byteLength(data, 'utf8') > MAX_ITEM_JSON_BYTES) {
      throw new SluiceError(
        'DETECTION_CONTRIBUTION_TOO_LARGE',
        `a record's window entry (its id, location and counted value) is larger than ${WINDOW_ITEM_BYTES} bytes and cannot be stored`,
        { bytes: Buffer.byteLength(data, 'utf8') },
      );
    }
    const digest = createHash('sha256').update(this.digestInput.join(''), 'utf8').digest('base64url');
    return { sk: `${slotKeyOf(this.slotStartMs)}#${digest.slice(0, 22)}`, data };
  }
}

/** The items of a batch: per slot, as few as the size budget allows. */
function encodeItems(sorted: readonly Contribution[]): { sk: string; data: string }[] {
  const items: { sk: string; data: string }[] = [];
  const firstSample = sorted.length - WINDOW_SAMPLES_PER_ADD;
  let builder: ItemBuilder | undefined;
  let slot = Number.NaN;
  for (let i = 0; i < sorted.length; i += 1) {
    const contribution = sorted[i];
    const withSample = i >= firstSample;
    const start = slotStartOf(contribution.ref.eventTimeMs);
    if (builder && start === slot && builder.tryAdd(contribution, withSample)) continue;
    if (builder) items.push(builder.build());
    slot = start;
    builder = new ItemBuilder(start);
    builder.tryAdd(contribution, withSample);
  }
  if (builder && builder.size > 0) items.push(builder.build());
  return items;
}

function decodeItem(
  text: string,
  fromMs: number,
  toMs: number,
  into: Contribution[],
  where: { table: string; ruleKey: string },
): void {
  const item = JSON.parse(text) as EncodedItem;
  if (item.v !== FORMAT_VERSION) {
    throw new SluiceError(
      'DETECTION_STATE_UNREADABLE',
      `window item of rule '${where.ruleKey}' in table ${where.table} has format ${item.v}; this forwarder reads ${FORMAT_VERSION}`,
      { table: where.table, rule: where.ruleKey },
    );
  }
  const samples = new Map(item.s);
  for (let i = 0; i < item.c.length; i += 1) {
    const [id, relative, location, offset, value] = item.c[i];
    const eventTimeMs = item.t + relative;
    if (eventTimeMs < fromMs || eventTimeMs > toMs) continue;
    const [bucket, key] = item.l[location];
    const contribution: { ref: Contribution['ref']; value?: string; sample?: Record<string, unknown> } = {
      ref: { id, bucket, key, offset, eventTimeMs },
    };
    if (value !== undefined) contribution.value = value;
    const sample = samples.get(i);
    if (sample !== undefined) contribution.sample = sample;
    into.push(contribution);
  }
}

/** An item's JSON: inflated from `z`, or as written before compression, in `d`. */
function textOf(
  item: Record<string, AttributeValue>,
  where: { table: string; ruleKey: string },
): string | undefined {
  const compressed = item.z?.B;
  if (compressed === undefined) return item.d?.S;
  try {
    return inflateRawSync(compressed, { maxOutputLength: MAX_ITEM_JSON_BYTES }).toString('utf8');
  } catch (error) {
    throw new SluiceError(
      'DETECTION_STATE_UNREADABLE',
      `window item of rule '${where.ruleKey}' in table ${where.table} does not inflate (${errorMessage(error)})`,
      { table: where.table, rule: where.ruleKey },
    );
  }
}

/** An item to put, and the partition it is of (what an error names). */
/**
 * WindowStore in DynamoDB, for the deployed forwarder.
 *
 * Layout: one item per (partition, slot of event time, batch), `pk = 'w#' + partition`,
 * `sk = <slot start, 16 digits>#<digest of the item's (event time, id) pairs>`, holding the
 * contributions of that slot compactly (id, time, location, offset, value_count value; the record
 * itself only for the add's latest 5, see WINDOW_SAMPLES_PER_ADD), deflated, TTL `expiresAt`.
 *
 * Why not one item per record: the engine calls add and range once per (correlation, group) per
 * batch of ~1,000 records, and a burst rule counts most of them; items per record would cost one
 * BatchWriteItem per 25 records and one read unit per record. Here a batch of a group costs one
 * BatchWriteItem (up to 25 items: slots × size splits) and one Query (paged at 1 MB).
 *
 * Idempotence: the digest in the sort key makes a redelivered or replayed batch overwrite its own
 * items; a record stored twice through different batchings (a continuation that cut the object
 * elsewhere) lies in two items, and range() answers it once (unique by event time and id, as the
 * memory store). Reads are strongly consistent: two invocations counting the same group at once
 * each add before they read, so the later reader sees the other's records, which an eventually
 * consistent read could miss, leaving a window met by the two together unseen.
 */
export class DynamoDbWindowStore implements WindowStore {
  /**
   * The engine adds every group of a batch at once (one add per group, in one turn of the event
   * loop): their items go out together, 25 to a BatchWriteItem, instead of a request per group.
   * Each add settles with the requests holding its items.
   */
  private readonly writer: RoundWriter;
  /** Per array given to add: the partition and the sort keys of the items it became (see range's heldByCaller). */
  private readonly written = new WeakMap<
    readonly Contribution[],
    { partition: string; sortKeys: Set<string> }
  >();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.writer = new RoundWriter(client, tableName, (error, first) =>
      stateUnavailable(tableName, 'write the window counts', ruleKeyOfPut(first), error),
    );
  }

  /**
   * Writes the batch's contributions (unique by event time and id) and resolves with how many it
   * wrote. It cannot tell which were stored before without reading them, so a redelivered record
   * counts again here: the engine uses add only to store (correlate() ignores the number), and
   * range() is where records count once.
   */
  async add(partition: string, contributions: readonly Contribution[], expiresAtMs: number): Promise<number> {
    if (contributions.length === 0) return 0;
    const unique = uniqueOfSorted([...contributions].sort(byTimeThenId));
    const pk = partitionKeyOf('w#', partition);
    const expiresAt = ttlSecondsOf(expiresAtMs);
    const { partitionKey, sortKey, ttl } = DETECTION_TABLE_KEYS;
    const items = encodeItems(unique);
    const puts = new Map<string, WriteRequest>();
    for (const item of items) {
      puts.set(`${pk}\u0000${item.sk}`, {
        PutRequest: {
          Item: {
            [partitionKey]: { S: pk },
            [sortKey]: { S: item.sk },
            z: { B: deflateRawSync(item.data, { level: COMPRESSION_LEVEL }) },
            [ttl]: { N: expiresAt },
          },
        },
      });
    }
    await this.writer.ticket().submit(puts);
    this.written.set(contributions, { partition, sortKeys: new Set(items.map((item) => item.sk)) });
    return unique.length;
  }

  /**
   * With `heldByCaller`, the items its add wrote are left out undecoded (in a burst most of what a
   * batch reads back is its own): their sort key names their records, so an item with the same key
   * holds the same (event time, id) pairs, whoever wrote it.
   */
  async range(
    partition: string,
    fromMs: number,
    toMs: number,
    heldByCaller?: readonly Contribution[],
  ): Promise<readonly Contribution[]> {
    if (!(fromMs <= toMs)) return [];
    const held = heldByCaller && this.written.get(heldByCaller);
    const ownItems = held?.partition === partition ? held.sortKeys : undefined;
    const { partitionKey, sortKey } = DETECTION_TABLE_KEYS;
    const found: Contribution[] = [];
    const where = { table: this.tableName, ruleKey: ruleKeyOf(partition) };
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      let answer;
      try {
        answer = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
            ExpressionAttributeValues: {
              ':pk': { S: partitionKeyOf('w#', partition) },
              ':from': { S: slotKeyOf(slotStartOf(fromMs)) },
              // '$' sorts after '#': every item of the last slot.
              ':to': { S: `${slotKeyOf(slotStartOf(toMs))}$` },
            },
            ProjectionExpression: ownItems ? '#sk, z, d' : 'z, d',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
      } catch (error) {
        throw stateUnavailable(this.tableName, 'read the window counts', where.ruleKey, error);
      }
      for (const item of answer.Items ?? []) {
        if (ownItems?.has(item[sortKey]?.S ?? '')) continue;
        const text = textOf(item, where);
        if (text !== undefined) decodeItem(text, fromMs, toMs, found, where);
      }
      startKey = answer.LastEvaluatedKey;
    } while (startKey);
    // Unique by (event time, id), as the memory store keys them; of two copies (two items), the one
    // with its sample is kept.
    found.sort((a, b) => byTimeThenId(a, b) || (a.sample ? 0 : 1) - (b.sample ? 0 : 1));
    return uniqueOfSorted(found);
  }
}

/** The rule of a window item put, for error messages (a hashed partition key keeps the rule's start). */
function ruleKeyOfPut(request: WriteRequest): string {
  const pk = request.PutRequest?.Item?.[DETECTION_TABLE_KEYS.partitionKey]?.S ?? '';
  return ruleKeyOf(pk.slice('w#'.length));
}

/** The rule part of a partition (`<rule key>\0<group>`): what error messages may name. */
function ruleKeyOf(partition: string): string {
  const end = partition.indexOf('\u0000');
  return end === -1 ? partition : partition.slice(0, end);
}
