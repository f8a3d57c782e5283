import { hash } from 'node:crypto';
import {
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { AlertEntry, AlertRegistration, AlertStore } from '../core/detections/alerts/store';
import { SluiceError } from '../core/errors';
import {
  DETECTION_TABLE_KEYS,
  isConditionFailure,
  partitionKeyOf,
  stateUnavailable,
  ttlSecondsOf,
} from './detection-table';

/**
 * Members are kept in one shard per 5 minutes of event time (then split by id when one is full). A
 * register writes each shard its entry's members fall in, and gets back its whole set: shorter
 * shards mean more requests per entry (an entry of a wave of objects spans a few minutes), longer
 * ones larger answers.
 */
export const ALERT_CHUNK_MS = 300_000;
/**
 * A shard is named by the minute its chunk starts (earlier versions cut chunks of one minute: their
 * shards read the same way).
 */
const SHARD_NAME_UNIT_MS = 60_000;
/** A shard takes members until it holds this many bytes of them; then it is full for good. */
export const ALERT_SHARD_BYTES = 256 * 1024;
/** Bytes of members per request: a full shard stays under DynamoDB's 400 KB (256 + 64 KB + keys). */
export const ALERT_ADD_BYTES = 64 * 1024;
/** A full shard's newcomers go to 16 children by a hex digit of their id's SHA-256, this many levels deep. */
export const ALERT_SHARD_DEPTH = 2;

const HEAD_SK = 'alert';
/** The head's number set of the steps of the running count whose alert objects were written. */
const STEPS_WRITTEN = 'w';
const SHARD_SK_PREFIX = 'm#';
/** Head attributes holding a shard's summaries are named by this prefix and the shard's name. */
const SUMMARY_PREFIX = 'n:';
/** Attributes per head request (the 4 KB limit of an update expression). */
const HEAD_ATTRIBUTES_PER_REQUEST = 100;
/** Dominated summaries deleted per register, at most. */
const PRUNE_PER_REQUEST = 20;
/** Alerts whose dominated summaries are remembered for pruning (per Lambda environment). */
const PRUNE_MEMORY = 2_000;

/** A shard's state right after one of our writes: exact, since members are only ever added. */
interface ShardState {
  readonly name: string;
  /** Chunk start, epoch ms: summaries keep times relative to it. */
  readonly chunkStartMs: number;
  readonly size: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Members this register added to it (atomic ADD: counted once across concurrent writers). */
  readonly added: number;
}

interface Summary {
  readonly size: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * Shards written now are named with this prefix (since 2026-12-02) and hold members as `<event time -
 * chunk start, base 36>#<digest of the record id>` (see idDigestOf); a time that is not a whole
 * millisecond inside the chunk is kept as `~<event time>`. DynamoDB bills an update by the whole
 * shard, so every byte of a member is paid again by each later write to its shard.
 *
 * Earlier versions' shards are counted through the head's summaries, never written again: `r`
 * (2026-12-01) held the same times with the record id itself, unprefixed ones `<event time>#<id>`.
 */
const HASHED_SHARD = 'h';
const RELATIVE_SHARD_PREFIXES = [HASHED_SHARD, 'r'];
const ABSOLUTE_TIME = '~';
/**
 * Characters of a member's id digest: 96 bits of its SHA-256 (base64url), half of a StrongDM id's 28
 * characters. Two ids of one alert sharing a digest would count as one record: about 10⁻¹⁷ for an
 * alert of a million records; forging such a pair takes about 2⁴⁸ hashes, and would lower only a
 * running count by one (whether a rule fires is decided on the windows, which keep whole ids).
 */
const ID_DIGEST_CHARS = 16;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

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

/** A member's event time, in a shard of the format its name tells. Read for every member a shard answers. */
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

/** The child shard (a hex digit) a member of a full shard goes to at `depth`: a digit of its id's digest, uniform as it is. */
function childDigitOf(member: string, depth: number): string {
  const digestChar = member.charAt(member.indexOf('#') + 1 + depth);
  return (BASE64URL.indexOf(digestChar) & 15).toString(16);
}

function summaryText(state: ShardState): string {
  return `${state.size}:${state.minMs - state.chunkStartMs}:${state.maxMs - state.chunkStartMs}`;
}

function isRelativeShard(name: string): boolean {
  return RELATIVE_SHARD_PREFIXES.includes(name.charAt(0));
}

function chunkStartOfName(name: string): number {
  const start = isRelativeShard(name) ? 1 : 0;
  const end = name.indexOf('.');
  return Number(name.slice(start, end === -1 ? undefined : end)) * SHARD_NAME_UNIT_MS;
}

function parseSummary(attribute: string, text: string): Summary {
  const [size, min, max] = text.split(':').map(Number);
  const chunkStartMs = chunkStartOfName(attribute.slice(SUMMARY_PREFIX.length));
  return { size, minMs: chunkStartMs + min, maxMs: chunkStartMs + max };
}

/** Of a shard's summaries, the one with the most members: the latest (its sets only grow). */
function largest(attribute: string, texts: Iterable<string>): { text: string; summary: Summary } | undefined {
  let best: { text: string; summary: Summary } | undefined;
  for (const text of texts) {
    const summary = parseSummary(attribute, text);
    if (!best || summary.size > best.summary.size) best = { text, summary };
  }
  return best;
}

/** Splits members into pieces of at most ALERT_ADD_BYTES. */
function piecesOf(members: readonly string[]): string[][] {
  const pieces: string[][] = [];
  let piece: string[] = [];
  let bytes = 0;
  for (const member of members) {
    const size = Buffer.byteLength(member, 'utf8');
    if (piece.length > 0 && bytes + size > ALERT_ADD_BYTES) {
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

/** A shard's state holding `size` unique members, all of them among `members` (which may repeat some). */
function stateOf(
  name: string,
  members: readonly (readonly string[] | ReadonlySet<string>)[],
  size: number,
  added: number,
): ShardState {
  const chunkStartMs = chunkStartOfName(name);
  const relative = isRelativeShard(name);
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
 * last event time), made of operations DynamoDB applies atomically and that commute, so concurrent
 * invocations registering the same alert need no lock and no retry.
 *
 * Items under `pk = 'a#' + dedupKey`:
 * * **member shards** `sk = 'm#h<minute its chunk starts>'`: a string set `m` of
 *   `<event time - chunk start, base 36>#<digest of the id>` (see HASHED_SHARD), added with
 *   `ADD m :members` (idempotent and atomic; the old set comes back, so what this entry added is
 *   exact). A shard holds 5 minutes of event time: a write costs what they hold, not what
 *   the alert holds (a burst alert covers tens of thousands of records; one item would be rewritten
 *   whole, up to 400 KB, by every batch). A shard takes members while its byte count `b` is under
 *   256 KB (a condition); a full shard is frozen and its newcomers go to 16 children
 *   (`m#h<minute>.<hex digit from the id's digest>`), two levels deep: at most 273 shards of ~320 KB
 *   per 5 minutes, about three million members per 5 minutes of one alert. Beyond, register throws
 *   DETECTION_ALERT_TOO_LARGE. (Shards of earlier versions, `m#r<minute>` and `m#<minute>`, are
 *   counted through their summaries in the head; an alert open across an upgrade may count a record
 *   registered on both sides of it twice.)
 * * **the head** `sk = 'alert'`: `openedBy` (`if_not_exists`: the first trigger ever), `notified`,
 *   `w` (the steps of the running count whose objects were written), `expiresAt`, and per shard a
 *   string set of summaries `size:min:max` added after the shard write.
 *   A shard's summaries are states of one growing set, so the largest is the latest, whatever order
 *   concurrent writers land in: occurrences is the sum of the largest, first/last their extremes.
 *   Smaller ones are deleted by later registers (in the same request).
 *
 * A register is two round trips: the shards of the entry's chunks (in parallel; one or two for a
 * wave of objects), then the head. A crash between them leaves the head behind the shards; the redelivered
 * entry then adds nothing to the shards, but its summaries bring the head up to date and it answers
 * the head's growth as `added`, so the lost update is answered then.
 */
export class DynamoDbAlertStore implements AlertStore {
  /** Per alert, summaries seen dominated by a larger one of the same shard: deleted by the next register. */
  private readonly dominated = new Map<string, Map<string, string[]>>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async register(dedupKey: string, entry: AlertEntry, expiresAtMs: number): Promise<AlertRegistration> {
    const pk = partitionKeyOf('a#', dedupKey);
    const expiresAt = ttlSecondsOf(expiresAtMs);
    const byChunk = new Map<number, Set<string>>();
    for (const member of entry.members) {
      const chunk = (Math.floor(member.eventTimeMs / ALERT_CHUNK_MS) * ALERT_CHUNK_MS) / SHARD_NAME_UNIT_MS;
      let members = byChunk.get(chunk);
      if (!members) {
        members = new Set();
        byChunk.set(chunk, members);
      }
      members.add(memberOf(member.eventTimeMs, member.id, chunk * SHARD_NAME_UNIT_MS));
    }
    const shards = (
      await Promise.all(
        [...byChunk].map(([chunk, members]) =>
          this.addToShard(dedupKey, pk, `${HASHED_SHARD}${chunk}`, [...members], expiresAt, 0),
        ),
      )
    ).flat();
    return this.updateHead(dedupKey, pk, entry.trigger, shards, expiresAt);
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

  /** Adds unique members to a shard, or to its children once it is full; answers every shard written. */
  private async addToShard(
    dedupKey: string,
    pk: string,
    name: string,
    members: readonly string[],
    expiresAt: string,
    depth: number,
  ): Promise<ShardState[]> {
    const pieces = piecesOf(members);
    // The set after the last piece: what that write answered (the set before it) and the piece.
    let last: { old: readonly string[]; piece: readonly string[]; size: number } | undefined;
    let added = 0;
    // Pieces go one after another, so the state after the last is exactly the old set and ours.
    for (let p = 0; p < pieces.length; p += 1) {
      const piece = pieces[p];
      let old: string[];
      let retried: boolean;
      try {
        const answer = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: this.key(pk, SHARD_SK_PREFIX + name),
            UpdateExpression: 'ADD m :m, b :b SET #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(b) OR b < :limit',
            ExpressionAttributeNames: { '#ttl': DETECTION_TABLE_KEYS.ttl },
            ExpressionAttributeValues: {
              ':m': { SS: piece },
              ':b': { N: String(piece.reduce((sum, member) => sum + Buffer.byteLength(member, 'utf8'), 0)) },
              ':ttl': { N: expiresAt },
              ':limit': { N: String(ALERT_SHARD_BYTES) },
            },
            // ALL_OLD, not UPDATED_OLD: whether an ADD that changed nothing "updated" the set is not something to rely on.
            ReturnValues: 'ALL_OLD',
          }),
        );
        old = answer.Attributes?.m?.SS ?? [];
        retried = sentMoreThanOnce(answer);
      } catch (error) {
        if (!isConditionFailure(error)) {
          throw stateUnavailable(this.tableName, 'write the members of an alert', ruleKeyOf(dedupKey), error);
        }
        const rest = pieces.slice(p).flat();
        return this.spill(dedupKey, pk, name, rest, expiresAt, depth, added, sentMoreThanOnce(error));
      }
      // Members are unique within a piece and within the old set: count those in both, without
      // building a set of the old one (a burst alert's shard answers hundreds of members per write).
      const ours = new Set(piece);
      let already = 0;
      for (const member of old) if (ours.has(member)) already += 1;
      // A retried write may have applied before: its members then look old, but are this entry's.
      added += retried ? piece.length : piece.length - already;
      last = { old, piece, size: old.length + piece.length - already };
    }
    return last ? [stateOf(name, [last.old, last.piece], last.size, added)] : [];
  }

  /**
   * The shard is full, hence frozen: no write has landed on it since it filled, so its set as read
   * now holds every member it will ever hold. Members not in it go to its children.
   */
  private async spill(
    dedupKey: string,
    pk: string,
    name: string,
    members: readonly string[],
    expiresAt: string,
    depth: number,
    addedBefore: number,
    retried: boolean,
  ): Promise<ShardState[]> {
    let frozen: Set<string>;
    try {
      const answer = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: this.key(pk, SHARD_SK_PREFIX + name),
          ProjectionExpression: 'm',
          ConsistentRead: true,
        }),
      );
      frozen = new Set(answer.Item?.m?.SS ?? []);
    } catch (error) {
      throw stateUnavailable(this.tableName, 'read the members of an alert', ruleKeyOf(dedupKey), error);
    }
    const newcomers = members.filter((member) => !frozen.has(member));
    // A retried write refused because the shard is full may be the retry of one that filled it.
    const mayBeOurs = retried ? members.length - newcomers.length : 0;
    const states = [stateOf(name, [frozen], frozen.size, addedBefore + mayBeOurs)];
    if (newcomers.length === 0) return states;
    if (depth >= ALERT_SHARD_DEPTH) {
      throw new SluiceError(
        'DETECTION_ALERT_TOO_LARGE',
        `alert of rule '${ruleKeyOf(dedupKey)}' has more members in 5 minutes of event time than its ${1 + 16 + 16 * 16} shards hold (about three million): raise the rule's threshold or narrow its group`,
        { table: this.tableName, rule: ruleKeyOf(dedupKey) },
      );
    }
    const children = new Map<string, string[]>();
    for (const member of newcomers) {
      const child = `${name}.${childDigitOf(member, depth)}`;
      let list = children.get(child);
      if (!list) {
        list = [];
        children.set(child, list);
      }
      list.push(member);
    }
    const written = await Promise.all(
      [...children].map(([child, list]) => this.addToShard(dedupKey, pk, child, list, expiresAt, depth + 1)),
    );
    return [...states, ...written.flat()];
  }

  private async updateHead(
    dedupKey: string,
    pk: string,
    trigger: string,
    shards: readonly ShardState[],
    expiresAt: string,
  ): Promise<AlertRegistration> {
    const touched = new Map<string, string>();
    for (const shard of shards) touched.set(SUMMARY_PREFIX + shard.name, summaryText(shard));
    const attributes = [...touched];
    // An entry spilling over many shards needs more than one request (expressions are limited to 4 KB):
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
    this.remember(pk, dominated);
    const added = shards.reduce((sum, shard) => sum + shard.added, 0);
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

  /** Dominated summaries to delete now: of shards this request does not add to (one path, one action). */
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

/**
 * Whether the SDK sent the request more than once (it retries throttling, 5xx and dropped
 * connections). The answer may then be the retry's, after an earlier attempt had applied: the old set
 * it shows holds our members already, and what this register added cannot be told apart from what
 * was there. Those members are counted as added: `added` only decides whether an alert event is
 * written, and events are named so that one written again is the same object, so counting too many
 * is harmless, while counting none would drop the update the registration is due.
 */
function sentMoreThanOnce(answerOrError: unknown): boolean {
  return ((answerOrError as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1;
}

/** The rule part of a dedup key (`<rule key>|<group>|<period>`): what error messages may name. */
function ruleKeyOf(dedupKey: string): string {
  const end = dedupKey.indexOf('|');
  return end === -1 ? dedupKey : dedupKey.slice(0, end);
}
