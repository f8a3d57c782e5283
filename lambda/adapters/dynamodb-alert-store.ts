import { hash, randomUUID } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { AlertEntry, AlertRegistration, AlertStore } from '../core/detections/alerts/store';
import { KnownChunks } from './known-chunks';
import { RoundWriter } from './write-round';
import {
  DETECTION_TABLE_KEYS,
  isConditionFailure,
  partitionKeyOf,
  stateUnavailable,
  ttlSecondsOf,
} from './detection-table';

/**
 * Members are kept by 5 minutes of event time (a chunk): a register reads the chunks its entry's
 * members fall in and writes what they lack. Shorter chunks mean more requests per entry (an entry
 * of a wave of objects spans a few minutes), longer ones larger reads.
 */
export const ALERT_CHUNK_MS = 300_000;
/**
 * A chunk is named by the minute it starts (earlier versions cut chunks of one minute: their
 * shards read the same way).
 */
const CHUNK_NAME_UNIT_MS = 60_000;
/** Bytes of members (as text, before deflating) per member item: far under DynamoDB's 400 KB. */
export const ALERT_ITEM_BYTES = 256 * 1024;
/** zlib's fastest level, as the window items: member times compress, digests hardly. */
const COMPRESSION_LEVEL = 1;

const HEAD_SK = 'alert';
/** The head's number set of the steps of the running count whose alert objects were written. */
const STEPS_WRITTEN = 'w';
/** Sort keys of members (items now, shards before), then the chunk's name. */
const MEMBERS_SK_PREFIX = 'm#';
/** Head attributes holding a chunk's summaries are named by this prefix and the chunk's name. */
const SUMMARY_PREFIX = 'n:';
/** Attributes per head request (the 4 KB limit of an update expression). */
const HEAD_ATTRIBUTES_PER_REQUEST = 100;
/** Dominated summaries deleted per register, at most. */
const PRUNE_PER_REQUEST = 20;
/** Dominated summaries of a chunk this register touches that make it delete them in a request of their own. */
const CROWDED_SUMMARIES = 16;
/** Alerts whose dominated summaries are remembered for pruning (per Lambda environment). */
const PRUNE_MEMORY = 2_000;
/**
 * Members of chunks read, remembered per Lambda environment so the next register to a chunk needs
 * no read before writing (KnownChunks): about 25 characters each, some 10 MB in all, a fiftieth
 * of the forwarder's default 512 MB. A burst alert's current chunk holds about a thousand.
 */
const KNOWN_MEMBERS = 100_000;

/**
 * A chunk's state as one of our registers read it: after its own write, when it wrote. Members are
 * only ever added, so a later state holds at least as many.
 */
interface ChunkState {
  readonly name: string;
  /** Chunk start, epoch ms: summaries keep times relative to it. */
  readonly chunkStartMs: number;
  readonly size: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Members this register added to it: those its read did not find (two registers of the same new records at once both count them). */
  readonly added: number;
}

interface Summary {
  readonly size: number;
  readonly minMs: number;
  readonly maxMs: number;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Member items written now (since 2026-12-02) are named `m#i<minute>#<digest of their text>` and
 * hold members as `<event time - chunk start, base 36>#<digest of the record id>` (see idDigestOf),
 * one per line, deflated; a time that is not a whole millisecond inside the chunk is kept as
 * `~<event time>`. An item is written once and never updated: DynamoDB bills it by its own size.
 *
 * Earlier versions' shards are counted through the head's summaries, never written again: `h`
 * (2026-12-02) held the same members in a string set that every register rewrote (`ADD`, billed at
 * the whole shard), `r` (2026-12-01) the record id itself instead of its digest, unprefixed ones
 * `<event time>#<id>`.
 */
const MEMBER_ITEMS = 'i';
const RELATIVE_CHUNK_PREFIXES = [MEMBER_ITEMS, 'h', 'r'];
const ABSOLUTE_TIME = '~';
/**
 * Characters of a member's id digest: 96 bits of its SHA-256 (base64url), half of a StrongDM id's 28
 * characters. Two ids of one alert sharing a digest would count as one record: about 10⁻¹⁷ for an
 * alert of a million records; forging such a pair takes about 2⁴⁸ hashes, and would lower only a
 * running count by one (whether a rule fires is decided on the windows, which keep whole ids).
 */
const ID_DIGEST_CHARS = 16;

function idDigestOf(id: string): string {
  return hash('sha256', id, 'base64url').slice(0, ID_DIGEST_CHARS);
}

function memberOf(eventTimeMs: number, id: string, chunkStartMs: number): string {
  const relative = eventTimeMs - chunkStartMs;
  const digest = idDigestOf(id);
  return Number.isSafeInteger(relative) && relative >= 0
    ? `${relative.toString(36)}#${digest}`
    : `${ABSOLUTE_TIME}${eventTimeMs}#${digest}`;
}

const HASH = 0x23;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LETTER_A = 0x61;

/** A member's event time, in a chunk of the format its name tells. Read for every member a register reads. */
function timeOf(member: string, chunkStartMs: number, relative: boolean): number {
  if (relative && member[0] !== ABSOLUTE_TIME) {
    let time = 0;
    for (let i = 0; i < member.length; i += 1) {
      const code = member.charCodeAt(i);
      if (code === HASH) return chunkStartMs + time;
      time = time * 36 + (code <= DIGIT_9 ? code - DIGIT_0 : code - LETTER_A + 10);
    }
    return Number.NaN;
  }
  const start = relative ? 1 : 0;
  let time = 0;
  for (let i = start; i < member.length; i += 1) {
    const code = member.charCodeAt(i);
    if (code === HASH && i > start) return time;
    if (code < DIGIT_0 || code > DIGIT_9) break;
    time = time * 10 + (code - DIGIT_0);
  }
  // A sign, a fraction or an exponent: as written by `${eventTimeMs}`.
  return Number(member.slice(start, member.indexOf('#')));
}

function summaryText(state: ChunkState): string {
  return `${state.size}:${state.minMs - state.chunkStartMs}:${state.maxMs - state.chunkStartMs}`;
}

function isRelativeChunk(name: string): boolean {
  return RELATIVE_CHUNK_PREFIXES.includes(name.charAt(0));
}

function chunkStartOfName(name: string): number {
  const start = isRelativeChunk(name) ? 1 : 0;
  const end = name.indexOf('.');
  return Number(name.slice(start, end === -1 ? undefined : end)) * CHUNK_NAME_UNIT_MS;
}

function parseSummary(attribute: string, text: string): Summary {
  const [size, min, max] = text.split(':').map(Number);
  const chunkStartMs = chunkStartOfName(attribute.slice(SUMMARY_PREFIX.length));
  return { size, minMs: chunkStartMs + min, maxMs: chunkStartMs + max };
}

/** Of a chunk's summaries, the one with the most members: the latest (its sets only grow). */
function largest(attribute: string, texts: Iterable<string>): { text: string; summary: Summary } | undefined {
  let best: { text: string; summary: Summary } | undefined;
  for (const text of texts) {
    const summary = parseSummary(attribute, text);
    if (!best || summary.size > best.summary.size) best = { text, summary };
  }
  return best;
}

/** Splits members into pieces of at most ALERT_ITEM_BYTES. */
function piecesOf(members: readonly string[]): string[][] {
  const pieces: string[][] = [];
  let piece: string[] = [];
  let bytes = 0;
  for (const member of members) {
    const size = Buffer.byteLength(member, 'utf8');
    if (piece.length > 0 && bytes + size > ALERT_ITEM_BYTES) {
      pieces.push(piece);
      piece = [];
      bytes = 0;
    }
    piece.push(member);
    bytes += size;
  }
  if (piece.length > 0) pieces.push(piece);
  return pieces;
}

const CHUNK_MINUTES = ALERT_CHUNK_MS / CHUNK_NAME_UNIT_MS;

/**
 * Sorted chunks in runs of adjacent ones whose names sort as their numbers (the same count of
 * digits, none negative): a run's items are one range of sort keys.
 */
function runsOf(chunks: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (const chunk of chunks) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (
      last !== undefined &&
      chunk - last === CHUNK_MINUTES &&
      last >= 0 &&
      String(chunk).length === String(last).length
    )
      run.push(chunk);
    else runs.push([chunk]);
  }
  return runs;
}

/** A chunk's state holding `size` unique members, all of them among `members` (which may repeat some). */
function stateOf(
  name: string,
  members: readonly (readonly string[] | ReadonlySet<string>)[],
  size: number,
  added: number,
): ChunkState {
  const chunkStartMs = chunkStartOfName(name);
  const relative = isRelativeChunk(name);
  let minMs = Number.POSITIVE_INFINITY;
  let maxMs = Number.NEGATIVE_INFINITY;
  for (const list of members) {
    for (const member of list) {
      const time = timeOf(member, chunkStartMs, relative);
      if (time < minMs) minMs = time;
      if (time > maxMs) maxMs = time;
    }
  }
  return { name, chunkStartMs, size, minMs, maxMs, added };
}

/**
 * AlertStore in DynamoDB, for the deployed forwarder: the same transition as applyEntry (members a
 * set of (event time, id), occurrences its size, the first trigger opens, notified flag, first and
 * last event time), made of writes that are idempotent and commute, so concurrent invocations
 * registering the same alert need no lock and no retry.
 *
 * Items under `pk = 'a#' + dedupKey`:
 * * **member items** `sk = 'm#i<minute its chunk starts>#<digest of the item's text>'`: members of
 *   one chunk (5 minutes of event time) that a register found missing, one per line (see
 *   MEMBER_ITEMS), deflated in the binary attribute `z`. A register reads its chunks' items
 *   (a strongly consistent `Query` per run of adjacent chunks: their keys sort together), writes
 *   the members they lack as one new item per chunk (at most 256 KB of members; named by its
 *   content, so writing it again is the same item, and also by the register when it wrote without
 *   reading first; the items of the registers started together go 25 to a `BatchWriteItem`, see
 *   WriteRound). An item is billed by its own size, written once: the shards of earlier versions were
 *   rewritten whole by every register. A register that wrote reads its chunks again (see
 *   `register`): its chunk states are then states the chunk had.
 * * **the head** `sk = 'alert'`: `openedBy` (`if_not_exists`: the first trigger ever), `notified`,
 *   `w` (the steps of the running count whose objects were written), `expiresAt`, and per chunk a
 *   string set of summaries `size:min:max` added after the chunk's write.
 *   A chunk's summaries are states of one growing set (a strongly consistent read sees every item
 *   written before it), so the largest is the latest, whatever order concurrent writers land in:
 *   occurrences is the sum of the largest, first/last their extremes. Smaller ones are deleted by
 *   later registers (in the same request, or in one of its own for a chunk they add to, see
 *   CROWDED_SUMMARIES). (Shards of earlier versions, `m#h…`, `m#r…` and
 *   `m#<minute>`, are counted through their summaries; an alert open across an upgrade may count a
 *   record registered on both sides of it twice.)
 *
 * A register is one to four round trips: the read of the entry's chunks (one for a wave of
 * objects: its chunks are adjacent; none for chunks this store read before or that follow the
 * latest it read, see `register`), the writes of what they lack (none when nothing is new), the
 * read again of the chunks written to, then the head. In a burst, each wave after a Lambda's first sends per alert a
 * read and the head, and its share of the wave's writes. A crash before the head leaves it behind
 * the items; the redelivered entry then finds its members written (or, written again by a Lambda
 * that knew the chunk from before, held by the first delivery's items) and adds nothing, but its
 * summaries bring the head up to date and it answers the head's growth as `added`, so the lost
 * update is answered then.
 */
export class DynamoDbAlertStore implements AlertStore {
  /** Per alert, summaries seen dominated by a larger one of the same chunk: deleted by the next register. */
  private readonly dominated = new Map<string, Map<string, string[]>>();
  /** Member items of the registers started together, 25 to a BatchWriteItem (see WriteRound). */
  private readonly writer: RoundWriter;
  /** What this store's reads last found in the chunks it registered to: see `register`. */
  private readonly known = new KnownChunks(KNOWN_MEMBERS);
  /** Names this store's registers apart in the items they write to known chunks (see `register`). */
  private readonly writerId = randomUUID();
  private registers = 0;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.writer = new RoundWriter(client, tableName, (error, first) =>
      stateUnavailable(tableName, 'write the members of an alert', ruleKeyOfItem(first), error),
    );
  }

  async register(dedupKey: string, entry: AlertEntry, expiresAtMs: number): Promise<AlertRegistration> {
    const pk = partitionKeyOf('a#', dedupKey);
    const expiresAt = ttlSecondsOf(expiresAtMs);
    const byChunk = new Map<number, Set<string>>();
    /** Per chunk, its members of the entry's stored records (AlertEntry.stored). */
    const storedOf = new Map<number, string[]>();
    const storedFrom = entry.members.length - (entry.stored ?? 0);
    entry.members.forEach((member, i) => {
      const chunk = (Math.floor(member.eventTimeMs / ALERT_CHUNK_MS) * ALERT_CHUNK_MS) / CHUNK_NAME_UNIT_MS;
      let members = byChunk.get(chunk);
      if (!members) {
        members = new Set();
        byChunk.set(chunk, members);
      }
      const text = memberOf(member.eventTimeMs, member.id, chunk * CHUNK_NAME_UNIT_MS);
      members.add(text);
      if (i >= storedFrom) {
        const stored = storedOf.get(chunk);
        if (stored) stored.push(text);
        else storedOf.set(chunk, [text]);
      }
    });
    // Taken before the first await: the registers of one wave start in one turn (see WriteRound).
    const ticket = this.writer.ticket();
    const present = new Map<number, ReadonlySet<string>>();
    const missingOf = new Map<number, string[]>();
    /** Chunks whose missing members were found against a state this store read earlier, or none. */
    const fromKnown = new Set<number>();
    /** Sort keys of the items this register wrote to chunks of `fromKnown`. */
    const ours = new Set<string>();
    try {
      const sorted = [...byChunk.keys()].sort((a, b) => a - b);
      const latest = this.known.latest(pk);
      for (const chunk of sorted) {
        const known = this.known.get(pk, chunk);
        const stored = storedOf.get(chunk) ?? [];
        // Stored records another batch may have registered since are looked for first (a read
        // costs less than writing them again); the entry's own records are new but for a
        // redelivery. A chunk after the latest this store read of the alert is new to it: the
        // next 5 minutes of a running alert, most likely new to every Lambda.
        if (
          known
            ? stored.every((member) => known.has(member))
            : latest !== undefined && chunk > latest && stored.length === 0
        ) {
          present.set(chunk, known ?? NONE);
          fromKnown.add(chunk);
        }
      }
      const runs = runsOf(sorted.filter((chunk) => !fromKnown.has(chunk)));
      const read = await Promise.all(runs.map((run) => this.readChunks(dedupKey, pk, run)));
      for (const { members } of read)
        for (const [chunk, found] of members) {
          present.set(chunk, found);
          this.known.set(pk, chunk, found);
        }
      const puts = new Map<string, WriteRequest>();
      const writer = `${this.writerId}.${(this.registers += 1)}`;
      for (const chunk of sorted) {
        const found = present.get(chunk)!;
        const missing: string[] = [];
        for (const member of byChunk.get(chunk)!) if (!found.has(member)) missing.push(member);
        const salt = fromKnown.has(chunk) ? writer : '';
        for (const piece of piecesOf(missing)) {
          const sk = this.queuePut(puts, pk, `${MEMBER_ITEMS}${chunk}`, piece, expiresAt, salt);
          if (salt) ours.add(sk);
        }
        missingOf.set(chunk, missing);
      }
      if (puts.size > 0) await ticket.submit(puts);
    } finally {
      ticket.leave();
    }
    // A chunk we wrote to is read again: what was read before plus what we wrote is no state the
    // chunk ever had when another register wrote to it meanwhile (each would then summarize its own
    // members only, and the head, which keeps the largest summary, would count one of them). Read
    // after the write, it is: of two registers at once, the later reader sees both writes.
    //
    // That read is also why a chunk this store read before (KnownChunks), or one after the latest
    // it read of the alert, needs no read first: the earlier read (a state the chunk had), or
    // none, only decides which members to write; one another Lambda wrote since is written again
    // (members are a set: the count is the same, one more item holds it), and the summary comes
    // from the read after the write. Such a write is named by its content and this register, and
    // what it added is what no other item holds at the read after: the first delivery's items hold
    // a redelivery's members, and a retried request is the same item.
    const written = [...missingOf].filter(([, missing]) => missing.length > 0).map(([chunk]) => chunk);
    const reread = await Promise.all(
      runsOf(written).map((run) => this.readChunks(dedupKey, pk, run, ours.size > 0 ? ours : undefined)),
    );
    const added = new Map<number, number>();
    for (const [chunk, missing] of missingOf) added.set(chunk, missing.length);
    for (const { members, others } of reread)
      for (const [chunk, found] of members) {
        present.set(chunk, found);
        this.known.set(pk, chunk, found);
        const elsewhere = others.get(chunk);
        if (fromKnown.has(chunk) && elsewhere)
          added.set(chunk, missingOf.get(chunk)!.filter((member) => !elsewhere.has(member)).length);
      }
    const chunks = [...present].map(([chunk, members]) =>
      stateOf(`${MEMBER_ITEMS}${chunk}`, [members], members.size, added.get(chunk) ?? 0),
    );
    return this.updateHead(dedupKey, pk, entry.trigger, chunks, expiresAt);
  }

  async markNotified(dedupKey: string, step = 0): Promise<void> {
    await this.markHead(dedupKey, 'mark an alert notified', true, step);
  }

  async markStepWritten(dedupKey: string, step: number): Promise<void> {
    if (step > 0) await this.markHead(dedupKey, 'mark an alert update written', false, step);
  }

  /**
   * Steps written are a number set (`ADD`: idempotent, and commutes with concurrent marks), whose
   * largest is the step written: a few per alert (2, 5, 10, 20, …).
   */
  private async markHead(dedupKey: string, action: string, notified: boolean, step: number): Promise<void> {
    const { partitionKey, sortKey } = DETECTION_TABLE_KEYS;
    const values: Record<string, AttributeValue> = {};
    const clauses: string[] = [];
    if (notified) {
      values[':true'] = { BOOL: true };
      clauses.push('SET notified = :true');
    }
    if (step > 0) {
      values[':step'] = { NS: [String(step)] };
      clauses.push(`ADD ${STEPS_WRITTEN} :step`);
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [partitionKey]: { S: partitionKeyOf('a#', dedupKey) }, [sortKey]: { S: HEAD_SK } },
          UpdateExpression: clauses.join(' '),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': partitionKey },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return; // no such alert (expired): nothing to mark, as the memory store
      throw stateUnavailable(this.tableName, action, ruleKeyOf(dedupKey), error);
    }
  }

  private key(pk: string, sk: string): Record<string, AttributeValue> {
    const { partitionKey, sortKey } = DETECTION_TABLE_KEYS;
    return { [partitionKey]: { S: pk }, [sortKey]: { S: sk } };
  }

  /**
   * Every member of the items of adjacent chunks, by chunk: one `Query` (their keys sort together),
   * strongly consistent: every item written before the read. With `ours`, also the members of the
   * items not named in it, by chunk (`others`).
   */
  private async readChunks(
    dedupKey: string,
    pk: string,
    run: readonly number[],
    ours?: ReadonlySet<string>,
  ): Promise<{ members: Map<number, Set<string>>; others: Map<number, Set<string>> }> {
    const { partitionKey, sortKey } = DETECTION_TABLE_KEYS;
    const byChunk = new Map(run.map((chunk) => [chunk, new Set<string>()]));
    const others = new Map<number, Set<string>>();
    const prefix = `${MEMBERS_SK_PREFIX}${MEMBER_ITEMS}`;
    let start: Record<string, AttributeValue> | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
            ExpressionAttributeValues: {
              ':pk': { S: pk },
              ':from': { S: `${prefix}${run[0]}#` },
              // '$' follows '#': after every item of the run's last chunk.
              ':to': { S: `${prefix}${run[run.length - 1]}$` },
            },
            ProjectionExpression: '#sk, z',
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
      } catch (error) {
        throw stateUnavailable(this.tableName, 'read the members of an alert', ruleKeyOf(dedupKey), error);
      }
      for (const item of page.Items ?? []) {
        const key = item[sortKey]?.S ?? '';
        const chunk = Number(key.slice(prefix.length, key.indexOf('#', prefix.length)));
        const members = byChunk.get(chunk);
        const data = item.z?.B;
        if (!members || !data) continue;
        let other: Set<string> | undefined;
        if (ours && !ours.has(key)) {
          other = others.get(chunk) ?? new Set<string>();
          others.set(chunk, other);
        }
        for (const member of inflateRawSync(data).toString('utf8').split('\n')) {
          members.add(member);
          other?.add(member);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { members: byChunk, others };
  }

  /**
   * A member item, keyed for its round, named by its content (written again, it is the same item)
   * and by `salt` when given (see `register`); answers its sort key.
   */
  private queuePut(
    puts: Map<string, WriteRequest>,
    pk: string,
    name: string,
    members: readonly string[],
    expiresAt: string,
    salt: string,
  ): string {
    const text = members.join('\n');
    const digest = hash('sha256', salt ? `${salt}\n${text}` : text, 'base64url').slice(0, ID_DIGEST_CHARS);
    const sk = `${MEMBERS_SK_PREFIX}${name}#${digest}`;
    puts.set(`${pk}\u0000${sk}`, {
      PutRequest: {
        Item: {
          ...this.key(pk, sk),
          z: { B: deflateRawSync(text, { level: COMPRESSION_LEVEL }) },
          [DETECTION_TABLE_KEYS.ttl]: { N: expiresAt },
        },
      },
    });
    return sk;
  }

  private async updateHead(
    dedupKey: string,
    pk: string,
    trigger: string,
    chunks: readonly ChunkState[],
    expiresAt: string,
  ): Promise<AlertRegistration> {
    const touched = new Map<string, string>();
    for (const chunk of chunks) touched.set(SUMMARY_PREFIX + chunk.name, summaryText(chunk));
    const attributes = [...touched];
    // An entry spread over many chunks needs more than one request (expressions are limited to 4 KB):
    // the first ones only add summaries; the last sets the rest and answers the head as it was.
    const lastStart = Math.max(0, attributes.length - HEAD_ATTRIBUTES_PER_REQUEST);
    const last = attributes.slice(lastStart);
    for (let start = 0; start < lastStart; start += HEAD_ATTRIBUTES_PER_REQUEST) {
      await this.sendHead(
        dedupKey,
        pk,
        attributes.slice(start, Math.min(start + HEAD_ATTRIBUTES_PER_REQUEST, lastStart)),
        new Map(),
        undefined,
      );
    }
    const prune = this.pruneFor(pk, touched);
    const old = await this.sendHead(dedupKey, pk, last, prune, { trigger, expiresAt });

    // The head now is the old one, our summaries added, dominated ones deleted.
    const sets = new Map<string, Set<string>>();
    for (const [attribute, value] of Object.entries(old)) {
      if (attribute.startsWith(SUMMARY_PREFIX) && value.SS) sets.set(attribute, new Set(value.SS));
    }
    let lag = 0;
    for (const [attribute, text] of touched) {
      const before = largest(attribute, sets.get(attribute) ?? [])?.summary.size ?? 0;
      lag += Math.max(0, parseSummary(attribute, text).size - before);
      const set = sets.get(attribute) ?? new Set<string>();
      set.add(text);
      sets.set(attribute, set);
    }
    for (const [attribute, texts] of prune) for (const text of texts) sets.get(attribute)?.delete(text);

    let occurrences = 0;
    let firstEventMs = Number.POSITIVE_INFINITY;
    let lastEventMs = Number.NEGATIVE_INFINITY;
    const dominated = new Map<string, string[]>();
    for (const [attribute, texts] of sets) {
      const best = largest(attribute, texts);
      if (!best) continue;
      occurrences += best.summary.size;
      if (best.summary.minMs < firstEventMs) firstEventMs = best.summary.minMs;
      if (best.summary.maxMs > lastEventMs) lastEventMs = best.summary.maxMs;
      const others = [...texts].filter((text) => text !== best.text);
      if (others.length > 0) dominated.set(attribute, others);
    }
    // A chunk every register touches (the current 5 minutes of a busy alert) is never pruned with
    // the others (one request cannot add to and delete from one attribute): past a few summaries, a
    // request of its own deletes its dominated ones, so the head stays small (it is billed by its
    // size at every update, and DynamoDB refuses items over 400 KB).
    const crowded = new Map(
      [...dominated].filter(
        ([attribute, texts]) => touched.has(attribute) && texts.length >= CROWDED_SUMMARIES,
      ),
    );
    if (crowded.size > 0) {
      await this.sendHead(dedupKey, pk, [], crowded, undefined);
      for (const attribute of crowded.keys()) dominated.delete(attribute);
    }
    this.remember(pk, dominated);
    const added = chunks.reduce((sum, chunk) => sum + chunk.added, 0);
    return {
      openedBy: old.openedBy?.S ?? trigger,
      occurrences,
      // Exact when this entry added members; else the head's growth it brought (a write lost to a crash).
      added: added > 0 ? added : lag,
      notified: old.notified?.BOOL ?? false,
      stepWritten: Math.max(0, ...(old[STEPS_WRITTEN]?.NS ?? []).map(Number)),
      firstEventMs,
      lastEventMs,
    };
  }

  /** One head update; the `main` one (the last of a register) also sets openedBy (first trigger ever) and the expiry, and answers the head as it was. */
  private async sendHead(
    dedupKey: string,
    pk: string,
    summaries: readonly (readonly [string, string])[],
    prune: ReadonlyMap<string, readonly string[]>,
    main: { trigger: string; expiresAt: string } | undefined,
  ): Promise<Record<string, AttributeValue>> {
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = {};
    const set: string[] = [];
    const add: string[] = [];
    const remove: string[] = [];
    if (main) {
      names['#ttl'] = DETECTION_TABLE_KEYS.ttl;
      values[':trigger'] = { S: main.trigger };
      values[':ttl'] = { N: main.expiresAt };
      // The later expiry wins in practice (DynamoDB has no max): concurrent writers differ by their clocks only.
      set.push('openedBy = if_not_exists(openedBy, :trigger)', '#ttl = :ttl');
    }
    summaries.forEach(([attribute, text], i) => {
      names[`#a${i}`] = attribute;
      values[`:a${i}`] = { SS: [text] };
      add.push(`#a${i} :a${i}`);
    });
    [...prune].forEach(([attribute, texts], i) => {
      names[`#d${i}`] = attribute;
      values[`:d${i}`] = { SS: [...texts] };
      remove.push(`#d${i} :d${i}`);
    });
    const expression = [
      set.length > 0 ? `SET ${set.join(', ')}` : '',
      add.length > 0 ? `ADD ${add.join(', ')}` : '',
      remove.length > 0 ? `DELETE ${remove.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    try {
      const answer = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(pk, HEAD_SK),
          UpdateExpression: expression,
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: main ? 'ALL_OLD' : 'NONE',
        }),
      );
      return answer.Attributes ?? {};
    } catch (error) {
      throw stateUnavailable(this.tableName, 'register an alert', ruleKeyOf(dedupKey), error);
    }
  }

  /** Dominated summaries to delete now: of chunks this request does not add to (one path, one action). */
  private pruneFor(pk: string, touched: ReadonlyMap<string, string>): Map<string, string[]> {
    const prune = new Map<string, string[]>();
    const known = this.dominated.get(pk);
    if (!known) return prune;
    for (const [attribute, texts] of known) {
      if (prune.size >= PRUNE_PER_REQUEST) break;
      if (!touched.has(attribute)) prune.set(attribute, texts);
    }
    return prune;
  }

  private remember(pk: string, dominated: Map<string, string[]>): void {
    if (dominated.size === 0) {
      this.dominated.delete(pk);
      return;
    }
    if (!this.dominated.has(pk) && this.dominated.size >= PRUNE_MEMORY) this.dominated.clear();
    this.dominated.set(pk, dominated);
  }
}

/** The rule an alert item is of, for error messages (a hashed partition key keeps the rule's start). */
function ruleKeyOfItem(request: WriteRequest): string {
  const pk = request.PutRequest?.Item?.[DETECTION_TABLE_KEYS.partitionKey]?.S ?? '';
  return ruleKeyOf(pk.slice('a#'.length));
}

/** The rule part of a dedup key (`<rule key>|<group>|<period>`): what error messages may name. */
function ruleKeyOf(dedupKey: string): string {
  const end = dedupKey.indexOf('|');
  return end === -1 ? dedupKey : dedupKey.slice(0, end);
}
