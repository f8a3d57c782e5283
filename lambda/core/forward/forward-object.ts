import { SluiceError, errorMessage } from '../errors';
import { normalizeETag } from '../notifications/etag';
import {
  resumeOffset,
  type DestinationProgress,
  type ObjectEncoding,
  type ObjectWork,
  type Position,
} from '../notifications/object-ref';
import { fieldViewOf } from '../records/field-view';
import { detachFromChunk, recordFields, toOutboundRecord, type OutboundContext } from '../records/outbound';
import type { ReadEvent, RecordFormat } from '../records/read-event';
import type { OutboundRecord } from '../records/types';
import { readRecordChunks } from '../records/reader';
import { RequestLatency } from '../http/latency';
import { SinkCodes } from '../sinks/codes';
import type { GatherTicket } from '../sinks/gathering';
import type { Sink, SinkObserver } from '../sinks/types';
import { DestinationPipeline, type DestinationTally } from './destination-pipeline';
import type { ObjectSlots } from './object-slots';
import { ObjectQuarantine } from './object-quarantine';
import type { ObjectSource, QuarantineEntry, QuarantineWriter } from './ports';

export interface ForwardSource {
  readonly name: string;
  readonly format: RecordFormat;
  readonly timestampField: string;
  /** Log types whose time is in another field than `timestampField`. Default: none. */
  readonly timestampFieldByLogType?: Readonly<Record<string, string>>;
  readonly idFieldByLogType: Readonly<Record<string, string>>;
}

export interface ForwardDestination {
  readonly sink: Sink;
  readonly logTypes?: readonly string[];
  readonly maxInFlight: number;
  /**
   * Whether this destination's `maxInFlight` bounds how many objects of an invocation run at once
   * (see ObjectSlots). Default: `true`. The detections stage and the alert routes say `false`.
   */
  readonly pacesObjects?: boolean;
  /**
   * Whether the object keeps its slot (see ObjectSlots) until this destination is done with it.
   * Default: `true`. An alert route says `false`: its channel may wait out a Retry-After, or retry
   * until the deadline, and meanwhile the slot would keep the invocation's other objects from their
   * SIEMs (a slow or failing channel must delay only itself). So does the detections stage: the
   * objects after this one start, and their batches join the wave this one's batches wait in; its
   * ticket may still have the slot kept (GatherTicket.mayReleaseSlot: a memory budget). A
   * destination whose sink gathers objects (Sink.ticket) must say `false`: its wave may wait for
   * the objects waiting for this slot; its ticket keeps the slot only when the wave need not.
   */
  readonly holdsSlot?: boolean;
}

export interface ForwardDependencies {
  readonly source: ForwardSource;
  readonly logTypeFromKey: string;
  readonly destinations: readonly ForwardDestination[];
  readonly objects: ObjectSource;
  readonly quarantine: QuarantineWriter;
  readonly maxRecordBytes: number;
  readonly maxObjectBytes: number;
  readonly now: () => number;
  /** Stop reading new records after this epoch ms. */
  readonly stopReadingAt: number;
  /** No delivery attempt starts after this epoch ms. */
  readonly deliveryDeadline: number;
  readonly observer?: SinkObserver;
  /** Request durations shared by the invocation's objects. Default: this object's own. */
  readonly latency?: RequestLatency;
  /**
   * Gives up the object's slot once reading is over and every destination that holds it is done
   * (see ForwardDestination.holdsSlot). The caller releases it anyway when the object ends, so this
   * must be safe to call twice. Default: none.
   */
  readonly releaseSlot?: () => void;
  /** The invocation's object slots: this object sends its share of each destination's requests. Default: all. */
  readonly objectSlots?: ObjectSlots;
  /**
   * The object's tickets at the destinations that gather objects (Sink.ticket), by destination
   * name, taken before it waited for its slot (processMessage). A gathering destination not in it
   * gets a ticket for this call alone. Default: none.
   */
  readonly tickets?: ReadonlyMap<string, GatherTicket>;
  /**
   * Told of each record as it is built, with the value the reader parsed (a record's own `value`
   * parses it again): the detections stage runs its rules there. Default: none.
   */
  readonly detections?: {
    note(record: OutboundRecord, value: Readonly<Record<string, unknown>>): void;
    /**
     * The top-level fields the rules read on a source's records: the reader finds them as it finds
     * the timestamp and the id, and `note` gets an object of those it found instead of the whole
     * record parsed. Undefined (or no such method): `note` gets the whole record, parsed.
     */
    fieldsOf?(source: string): readonly string[] | undefined;
  };
}

export interface ForwardSummary {
  readonly records: number;
  readonly bytes: number;
  /** Unreadable records quarantined by this pass (not those an earlier read of the object stored). */
  readonly unreadable: number;
  /** Per destination; `rejected` counts the refused records this pass quarantined, like `unreadable`. */
  readonly destinations: Readonly<Record<string, DestinationTally>>;
}

export type ForwardResult =
  | { readonly status: 'complete'; readonly summary: ForwardSummary }
  | {
      readonly status: 'incomplete';
      readonly summary: ForwardSummary;
      readonly reason: 'deadline' | 'destination-failed' | 'object-unreadable';
      /** Where each destination resumes; `madeProgress` says whether any moved forward. */
      readonly work: ObjectWork & { readonly progress: DestinationProgress };
      readonly madeProgress: boolean;
      /**
       * Whether a destination took part (accepted, refused or failed records for a reason other than
       * the deadline). False: the object only ran out of time, e.g. before its first request.
       */
      readonly attempted: boolean;
      readonly failures: readonly {
        readonly destination: string;
        readonly code: string;
        readonly message: string;
      }[];
    };

const GZIP_MAGIC = [0x1f, 0x8b];
const QUARANTINE_FLUSH_BYTES = 4 * 1024 * 1024;
const QUARANTINE_FLUSH_ENTRIES = 5_000;

/**
 * Remembers whether the stream starts with gzip's magic bytes, without copying it. The first two
 * bytes may arrive in different chunks, so the decision waits for both (or for the end).
 */
async function* observeEncoding(
  body: AsyncIterable<Uint8Array>,
  onEncoding: (encoding: ObjectEncoding) => void,
): AsyncGenerator<Uint8Array> {
  const head: number[] = [];
  for await (const chunk of body) {
    for (let index = 0; head.length < GZIP_MAGIC.length && index < chunk.length; index += 1) {
      head.push(chunk[index]);
      if (head.length === GZIP_MAGIC.length) {
        onEncoding(head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1] ? 'gzip' : 'identity');
      }
    }
    yield chunk;
  }
  if (head.length > 0 && head.length < GZIP_MAGIC.length) onEncoding('identity');
}

function startOf(position: Position | undefined): Position {
  return position ?? 0;
}

/**
 * Delivers every record of one object to every destination, resuming where an earlier invocation
 * stopped. Unreadable records and records a destination refuses for good are quarantined; everything
 * else is delivered or reported as work left for a later invocation.
 */
export async function forwardObject(work: ObjectWork, deps: ForwardDependencies): Promise<ForwardResult> {
  // Tickets taken here, for a caller that took none, end with the call (whatever it throws).
  const own: GatherTicket[] = [];
  try {
    return await forward(work, deps, (sink) => {
      const given = deps.tickets?.get(sink.name);
      if (given || !sink.ticket) return given;
      const ticket = sink.ticket();
      own.push(ticket);
      return ticket;
    });
  } finally {
    for (const ticket of own) ticket.end();
  }
}

async function forward(
  work: ObjectWork,
  deps: ForwardDependencies,
  ticketOf: (sink: Sink) => GatherTicket | undefined,
): Promise<ForwardResult> {
  const { object } = work;
  const starts = new Map(deps.destinations.map((d) => [d.sink.name, startOf(work.progress?.[d.sink.name])]));
  const active = deps.destinations.filter((d) => starts.get(d.sink.name) !== 'done');
  // A destination this object has nothing for must not hold back the objects it gathers.
  for (const destination of deps.destinations)
    if (starts.get(destination.sink.name) === 'done') deps.tickets?.get(destination.sink.name)?.leave();
  const latency = deps.latency ?? new RequestLatency();
  const slots = deps.objectSlots;
  const tickets = active.map((destination) => ticketOf(destination.sink));
  const pipelines = active.map(
    (destination, index) =>
      new DestinationPipeline({
        sink: destination.sink,
        resumeAt: resumeOffset(starts.get(destination.sink.name)!) as number,
        skip: skipOf(starts.get(destination.sink.name)!),
        logTypes: destination.logTypes,
        maxInFlight: slots ? () => slots.share(destination.maxInFlight) : destination.maxInFlight,
        deadline: () => deps.deliveryDeadline,
        observer: deps.observer,
        latency,
        ticket: tickets[index],
        // A gathering sink must not wait for an object that waits on another destination.
        others: tickets.filter((ticket, at): ticket is GatherTicket => ticket !== undefined && at !== index),
      }),
  );
  const numericStarts = pipelines.map((pipeline) => resumeOffset(starts.get(pipeline.name)!) as number);
  const resumeAt = numericStarts.length > 0 ? Math.min(...numericStarts) : 0;
  // Unreadable records before this offset were quarantined by the invocation that read past them.
  const alreadyRead = work.progress ? readThrough(work.progress) : 0;

  let encoding = work.encoding;
  // A plain object resumes with a ranged GET; a records array only makes sense read from its start.
  const rangedFrom = encoding === 'identity' && deps.source.format !== 'records-array' ? resumeAt : 0;
  const unreadable: QuarantineEntry[] = [];
  let pendingBytes = 0;
  // Set once the object is open: its files are named after the ETag of the bytes read.
  let quarantine: ObjectQuarantine | undefined;
  // Only what this pass stored counts: a retried object's bad records were counted when first stored.
  let unreadableCount = 0;
  const refusedCount = new Map<string, number>();
  // Quarantine entries are written in chunks while reading, so an object whose every record is
  // refused costs bounded memory. A chunk whose write fails stays pending: the next flush tries it
  // again, and the last one (`force`) throws, failing the message. Progress already counts those
  // records as handled, so letting a failed write pass (or reading it as the object's failure, which
  // hands progress on) would lose them.
  const flushQuarantine = async (force: boolean) => {
    for (const pipeline of pipelines) {
      for (const entry of pipeline.rejected.splice(0)) {
        unreadable.push(entry);
        pendingBytes += entry.record?.length ?? 0;
      }
    }
    if (unreadable.length === 0) return;
    if (!force && pendingBytes < QUARANTINE_FLUSH_BYTES && unreadable.length < QUARANTINE_FLUSH_ENTRIES)
      return;
    const entries = unreadable.splice(0);
    let written;
    try {
      written = await quarantine!.write(entries);
    } catch (error) {
      unreadable.unshift(...entries);
      if (force) throw error;
      return;
    }
    for (const entry of written) {
      if (entry.destination === undefined) unreadableCount += 1;
      else refusedCount.set(entry.destination, (refusedCount.get(entry.destination) ?? 0) + 1);
    }
    pendingBytes = 0;
  };
  let records = 0;
  let bytes = 0;
  let stoppedAt: number | undefined;
  let nextOffset = resumeAt;
  let readFailure: SluiceError | undefined;
  // The bytes this pass read, which a continuation must read again (see pinnedToBytesRead).
  let read: { readonly eTag?: string; readonly versionId?: string } = {};

  if (pipelines.length > 0) {
    const opened = await deps.objects.open(object, rangedFrom);
    read = { eTag: normalizeETag(opened.eTag), versionId: opened.versionId };
    // The ETag of the bytes actually read names them on every path (a notification of a versioned
    // bucket, a replay's listing, a continuation's ranged GET); the notification's is a fallback.
    const eTag = normalizeETag(opened.eTag) ?? normalizeETag(object.eTag) ?? object.versionId ?? '';
    // Likewise the time the store reports with the bytes, not the notification's (a multipart
    // upload's differs, and a replay has only the stored one): records without a time get it, and
    // an object whose key has no time folders files its quarantine under it, the same on every read.
    const storedAt = opened.lastModified ?? object.eventTime;
    quarantine = new ObjectQuarantine({
      writer: deps.quarantine,
      source: deps.source.name,
      object: { ...object, eventTime: storedAt },
      eTag,
      now: () => new Date(deps.now()),
    });
    const fields = fieldsToRead(deps);
    const chunks = readRecordChunks(
      observeEncoding(opened.body, (seen) => (encoding ??= seen)),
      {
        format: deps.source.format,
        maxRecordBytes: deps.maxRecordBytes,
        maxDecompressedBytes: deps.maxObjectBytes,
        startOffset: rangedFrom,
        skipBefore: resumeAt,
        // Records are read for these fields only, not built (their value is parsed only if asked for);
        // with detections, the fields their rules read too (a rule with keywords reads every value: then
        // records are parsed as they are read).
        fields,
      },
    );
    const context = {
      source: deps.source.name,
      bucket: object.bucket,
      key: object.key,
      eTag,
      logTypeFromKey: deps.logTypeFromKey,
      timestampField: deps.source.timestampField,
      timestampFieldByLogType: deps.source.timestampFieldByLogType,
      idFieldByLogType: deps.source.idFieldByLogType,
      eventTime: storedAt,
    };
    try {
      for await (const events of chunks) {
        // Records are built for the whole chunk first, so its events (texts and parsed values) are
        // garbage before the first await: held across one, they would survive collections and be
        // promoted. The only awaits are a destination's backpressure and quarantine writes. The
        // reader still holds the array, so it is emptied (with 4 objects at once, half as many
        // bytes survive collections).
        const { items, lengths } = buildChunk(events, context, deps.detections, fields !== undefined);
        events.length = 0;
        const kept: OutboundRecord[] = [];
        let dropped = false;
        for (let index = 0; index < items.length; index += 1) {
          const item = items[index];
          if (deps.now() >= deps.stopReadingAt || allFailed(pipelines)) {
            stoppedAt = itemOffset(item);
            break;
          }
          bytes += lengths[index];
          nextOffset = itemOffset(item) + lengths[index];
          if ('unreadable' in item) {
            if (item.unreadable.offset >= alreadyRead) {
              unreadable.push(item.unreadable);
              pendingBytes += item.unreadable.raw?.length ?? 0;
              await flushQuarantine(false);
            }
            continue;
          }
          records += 1;
          let wanted = false;
          for (const pipeline of pipelines) {
            if (!pipeline.wants(item)) continue;
            wanted = true;
            const backpressure = pipeline.push(item);
            if (backpressure) await backpressure;
          }
          if (wanted) kept.push(item);
          else dropped = true;
        }
        // Records kept from a chunk some of whose records were dropped copy their bytes out of it.
        if (dropped) kept.forEach(detachFromChunk);
        if (stoppedAt !== undefined) break;
        await flushQuarantine(false);
      }
    } catch (error) {
      // The object itself cannot be read (truncated gzip, too large, connection lost). What was read
      // is still delivered and remembered, so the retries do not send it again.
      stoppedAt = nextOffset;
      readFailure = new SluiceError(
        error instanceof SluiceError ? error.code : 'OBJECT_UNREADABLE',
        `s3://${object.bucket}/${object.key}: ${errorMessage(error)}`,
        { bucket: object.bucket, key: object.key, versionId: object.versionId },
        { cause: error },
      );
    }
  }

  const finishing = pipelines.map((pipeline) => pipeline.finish(stoppedAt));
  if (deps.releaseSlot) {
    // A wait here on a failing destination reaches the gathering sinks from its pipeline (TroubledWaits).
    await Promise.allSettled(finishing.filter((_, index) => active[index].holdsSlot !== false));
    // A destination that does not hold the slot may still have it kept: the detections stage, while
    // the batches it holds for objects that gave theirs up would pass its memory budget.
    const kept: Promise<Position>[] = [];
    for (let index = 0; index < pipelines.length; index += 1)
      if (active[index].holdsSlot === false && !(await pipelines[index].mayReleaseSlot()))
        kept.push(finishing[index]);
    if (kept.length > 0) await Promise.allSettled(kept);
    deps.releaseSlot();
  }
  const ends = await Promise.all(finishing);
  await flushQuarantine(true);

  const progress: Record<string, Position> = {};
  for (const destination of deps.destinations)
    progress[destination.sink.name] = starts.get(destination.sink.name)!;
  pipelines.forEach((pipeline, index) => (progress[pipeline.name] = ends[index]));

  const summary: ForwardSummary = {
    records,
    bytes,
    unreadable: unreadableCount,
    destinations: Object.fromEntries(
      pipelines.map((pipeline) => [
        pipeline.name,
        { ...pipeline.tally, rejected: refusedCount.get(pipeline.name) ?? 0 },
      ]),
    ),
  };
  if (!readFailure && Object.values(progress).every((value) => value === 'done')) {
    return { status: 'complete', summary };
  }

  const failures = pipelines
    .filter((pipeline) => pipeline.failure)
    .map((pipeline) => ({ destination: pipeline.name, ...pipeline.failure! }));
  const madeProgress = pipelines.some(
    (pipeline, index) => JSON.stringify(ends[index]) !== JSON.stringify(starts.get(pipeline.name)),
  );
  // Without progress there is nothing to hand on: fail, so retries end in the DLQ.
  if (readFailure && !madeProgress) throw readFailure;
  if (readFailure)
    failures.push({ destination: '(object)', code: readFailure.code, message: readFailure.message });
  const destinationFailed = failures.some((failure) => failure.code !== SinkCodes.DEADLINE);
  return {
    status: 'incomplete',
    summary,
    reason: readFailure ? 'object-unreadable' : destinationFailed ? 'destination-failed' : 'deadline',
    work: { object: pinnedToBytesRead(object, read), progress, encoding },
    madeProgress,
    attempted: pipelines.some((pipeline) => pipeline.attempted),
    failures,
  };
}

/**
 * The object as a continuation names it: by the version and ETag of the bytes this pass read where the
 * message named none. A replay's notification or `forward` name only an ETag, which a later overwrite
 * of the key no longer matches: the continuation would find the version read gone (in a versioned
 * bucket it is not), or, named by nothing, read other bytes from this pass's offsets.
 */
function pinnedToBytesRead(
  object: ObjectWork['object'],
  read: { readonly eTag?: string; readonly versionId?: string },
): ObjectWork['object'] {
  if ((object.versionId || !read.versionId) && (object.eTag || !read.eTag)) return object;
  return { ...object, versionId: object.versionId || read.versionId, eTag: object.eTag || read.eTag };
}

/** A record that could not be read or built: it goes to the quarantine. */
interface Unreadable {
  readonly unreadable: QuarantineEntry;
}

/** A chunk's records and unreadable spans, in object order, with their byte lengths in the object. */
function buildChunk(
  events: readonly ReadEvent[],
  context: OutboundContext,
  detections: ForwardDependencies['detections'],
  /** The reader finds the fields the rules read (see fieldsToRead). */
  scanned: boolean,
): { items: (OutboundRecord | Unreadable)[]; lengths: number[] } {
  const items: (OutboundRecord | Unreadable)[] = [];
  const lengths: number[] = [];
  for (const event of events) {
    lengths.push(event.length);
    if (event.kind === 'invalid') {
      const { code, reason, offset, raw } = event;
      items.push({ unreadable: { code, reason, offset, raw } });
      continue;
    }
    let record: OutboundRecord;
    try {
      record = toOutboundRecord(event, context);
    } catch (error) {
      // e.g. nesting deep enough to overflow the stack while compacting a pretty-printed record.
      items.push({
        unreadable: {
          code: 'RECORD_UNSERIALIZABLE',
          reason: errorMessage(error),
          offset: event.offset,
          raw: Buffer.from(event.text.slice(0, 64 * 1024)),
        },
      });
      continue;
    }
    items.push(record);
    if (detections) detections.note(record, scanned && event.fieldNames ? fieldViewOf(event) : event.value);
  }
  return { items, lengths };
}

/**
 * The fields the reader looks for in each record: the forwarder's own (timestamp, id, log type) and,
 * with detections, those their rules read. Undefined when the rules need whole records.
 */
function fieldsToRead(deps: ForwardDependencies): string[] | undefined {
  const own = recordFields(deps.source);
  if (!deps.detections) return own;
  const rules = deps.detections.fieldsOf?.(deps.source.name);
  return rules ? [...new Set([...own, ...rules])] : undefined;
}

function itemOffset(item: OutboundRecord | Unreadable): number {
  return 'unreadable' in item ? item.unreadable.offset : item.offset;
}

function allFailed(pipelines: readonly DestinationPipeline[]): boolean {
  for (const pipeline of pipelines) if (!pipeline.failed) return false;
  return true;
}

/** How far an earlier invocation read: past every numeric resume point, or to the end if any destination finished. */
function readThrough(progress: DestinationProgress): number {
  const values = Object.values(progress);
  if (values.some((value) => value === 'done')) return Number.POSITIVE_INFINITY;
  const offsets = values.map((value) => {
    if (typeof value === 'number') return value;
    const ranges = (value as Exclude<Position, number | 'done'>).skip;
    return Math.max((value as { resumeAt: number }).resumeAt, ...ranges.map(([, to]) => to));
  });
  return offsets.length === 0 ? 0 : Math.max(...offsets);
}

function skipOf(position: Position): readonly (readonly [number, number])[] | undefined {
  return typeof position === 'object' ? position.skip : undefined;
}
