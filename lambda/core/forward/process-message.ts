import { VENDOR_TEST_OBJECT, type ControlObject } from '../config/presets';
import { classifyKey } from '../layout/key-layout';
import { SluiceError } from '../errors';
import { continuationBody } from '../notifications/continuation';
import type { DestinationProgress, ObjectWork } from '../notifications/object-ref';
import { parseMessage } from '../notifications/parse-message';
import type { GatherTicket } from '../sinks/gathering';
import {
  forwardObject,
  type ForwardDependencies,
  type ForwardSource,
  type ForwardSummary,
} from './forward-object';

/** Structured log lines; adapters map them to Powertools Logger. Never pass record content or secrets. */
export interface ForwarderLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ContinuationQueue {
  /**
   * Sends every body, each once: a body the queue took is never sent again by the same call, even
   * when others are refused (each copy would be delivered). Throws when some could not be sent.
   */
  send(bodies: readonly string[]): Promise<void>;
}

export interface SourceWithPrefix extends ForwardSource {
  readonly prefix: string;
  /** Relative to the prefix (see key-pattern.ts). Default: StrongDM's layout. */
  readonly keyLayout?: string;
  /** The log type of a layout without `{logType}`. */
  readonly logType?: string;
  /** Objects the writer puts under the prefix that hold no logs. Default: `<prefix>/test`. */
  readonly controlObjects?: readonly ControlObject[];
}

export type MessageDependencies = Omit<ForwardDependencies, 'source' | 'logTypeFromKey'> & {
  readonly sources: readonly SourceWithPrefix[];
  readonly continuations: ContinuationQueue;
  readonly log: ForwarderLog;
  readonly onObject?: (summary: ForwardSummary, object: ObjectWork['object']) => void;
};

/** The continuation reason of the messages a several-object message is split into. */
const SPLIT_REASON = 'one-object-per-message';

/**
 * Handles one queue message. Resolves when every object it names is fully delivered (or quarantined,
 * or handed to a continuation message); throws to have the message retried, and after
 * maxReceiveCount moved to the DLQ.
 */
export async function processMessage(
  body: string,
  deps: MessageDependencies,
  options: {
    /**
     * Deletes this message now. Called once a single-object message has handed its work to a
     * continuation, so that a crash of the rest of the batch cannot bring it back next to its
     * continuation (two chains would deliver the same records).
     */
    readonly acknowledge?: () => Promise<void>;
    /**
     * How many times SQS has delivered this message (ApproximateReceiveCount). An object no
     * destination took part in is handed back in a fresh message only on its first receive: a later
     * receive follows a failed one, which must go on counting toward maxReceiveCount. Default:
     * unknown, treated as a later receive.
     */
    readonly receiveCount?: number;
  } = {},
): Promise<void> {
  const parsed = parseMessage(body);
  if (parsed.kind === 'test-event') {
    deps.log.info('s3:TestEvent received: the bucket notification reaches the object queue');
    return;
  }
  if (parsed.kind === 'unrecognized') {
    throw new SluiceError('MESSAGE_UNRECOGNIZED', `message not forwarded: ${parsed.reason}`, {
      reason: parsed.reason,
    });
  }
  for (const skipped of parsed.skipped) deps.log.info('event skipped', { ...skipped });
  if (parsed.work.length > 1) {
    await splitIntoOneObjectMessages(parsed.work, deps, options.acknowledge);
    return;
  }

  // One object from here on (the split above), or none (an event that named nothing to forward).
  const [work] = parsed.work;
  if (!work) return;
  const { object } = work;
  const where = classifyKey(object.key, deps.sources);
  if (where.kind === 'vendor-test') {
    const fields = { bucket: object.bucket, key: object.key, source: where.source.name };
    if (where.what === VENDOR_TEST_OBJECT.what) {
      deps.log.info("vendor test object received: the writer's Test button works; not forwarded", fields);
    } else {
      deps.log.info(`${where.what}: it holds no logs; not forwarded`, fields);
    }
    return;
  }
  if (where.kind === 'outside-sources') {
    deps.log.warn('object outside every configured source prefix: not forwarded', {
      bucket: object.bucket,
      key: object.key,
    });
    return;
  }
  const slots = deps.objectSlots;
  // Taken before the object waits for its slot: a destination that runs the batches of the objects
  // running at once together (the detections stage) then knows this one is coming.
  const tickets = takeTickets(deps, slots);
  const endTickets = () => tickets.forEach((ticket) => ticket.end());
  let result;
  try {
    // The slot is this object's from the moment it passes (see ObjectSlots.acquire).
    if (slots && !(await slots.acquire(() => tickets.forEach((ticket) => ticket.started())))) {
      endTickets();
      await handBack({ ...work, progress: work.progress ?? {} }, 'no time left to start it', deps, options, {
        bucket: object.bucket,
        key: object.key,
        source: where.source.name,
      });
      return;
    }
    // Released once, by the object's end or earlier (an alert route's channel holds no slot).
    let holding = slots !== undefined;
    const releaseSlot = () => {
      if (holding) {
        tickets.forEach((ticket) => ticket.released());
        slots?.release();
      }
      holding = false;
    };
    try {
      result = await forwardObject(work, {
        ...deps,
        source: where.source,
        logTypeFromKey: where.logType,
        releaseSlot,
        tickets,
      });
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'OBJECT_NOT_FOUND') {
        deps.log.error('object deleted before it was forwarded: nothing to read', { ...error.context });
        return;
      }
      throw error;
    } finally {
      releaseSlot();
    }
  } finally {
    endTickets();
  }
  deps.onObject?.(result.summary, object);
  const fields = { bucket: object.bucket, key: object.key, source: where.source.name, ...result.summary };
  if (result.status === 'complete') {
    deps.log.info('object forwarded', fields);
    return;
  }
  if (result.madeProgress) {
    // A fresh message carries the offsets, so the next attempt starts where each destination stopped.
    await deps.continuations.send([continuationBody(result.work, result.reason)]);
    await options.acknowledge?.();
    deps.log.warn('object continues in a new message', {
      ...fields,
      reason: result.reason,
      progress: result.work.progress,
      failures: result.failures,
    });
    return;
  }
  if (!result.attempted) {
    await handBack(result.work, 'no time left to send it to any destination', deps, options, fields);
    return;
  }
  deps.log.error('object not delivered; the message will be retried', {
    ...fields,
    failures: result.failures,
  });
  const reason =
    result.failures
      .map((failure) => `${failure.destination}: ${failure.code} ${failure.message}`)
      .join('; ') || `s3://${object.bucket}/${object.key}: out of time before any progress`;
  throw new SluiceError('DELIVERY_INCOMPLETE', reason, { failures: [reason] });
}

/** The object's tickets at the destinations that gather objects (Sink.ticket), by destination name. */
function takeTickets(deps: MessageDependencies, pool: object | undefined): Map<string, GatherTicket> {
  const tickets = new Map<string, GatherTicket>();
  for (const { sink } of deps.destinations) {
    const ticket = sink.ticket?.(pool);
    if (ticket) tickets.set(sink.name, ticket);
  }
  return tickets;
}

/**
 * Hands an object no destination took part in back to the queue: a fresh message with the same
 * progress replaces this one, so running out of time before the object's turn costs no receive.
 * Only on a first receive; later receives follow failed ones and go on counting (a destination
 * that is down must still bring its messages to the DLQ after maxReceiveCount).
 */
async function handBack(
  work: ObjectWork & { readonly progress: DestinationProgress },
  why: string,
  deps: MessageDependencies,
  options: { readonly acknowledge?: () => Promise<void>; readonly receiveCount?: number },
  fields: Record<string, unknown>,
): Promise<void> {
  const { object } = work;
  if (options.receiveCount !== 1) {
    const receive =
      options.receiveCount === undefined ? 'an unknown receive' : `receive ${options.receiveCount}`;
    const reason = `s3://${object.bucket}/${object.key}: ${why} before the deadline; only a first receive is handed back, ${receive} counts`;
    deps.log.error('object not delivered; the message will be retried', { ...fields, reason: why });
    throw new SluiceError('DELIVERY_INCOMPLETE', reason, { failures: [reason] });
  }
  await deps.continuations.send([continuationBody(work, 'deadline')]);
  await options.acknowledge?.();
  deps.log.warn('object handed back untouched in a new message; not counted as a failed receive', {
    ...fields,
    reason: why,
  });
}

/**
 * A message naming several objects (S3, SNS and EventBridge name one; a hand-built message may name
 * more) becomes one message per object, and is then deleted. Processed together, one object handed to
 * a continuation and another failing would have the whole message retried: the finished object, and
 * the continued one beside its continuation, would be delivered again.
 */
async function splitIntoOneObjectMessages(
  work: readonly ObjectWork[],
  deps: MessageDependencies,
  acknowledge: (() => Promise<void>) | undefined,
): Promise<void> {
  // One call: sent one at a time, a failure after the first would have the whole message retried and
  // the objects already sent split off again, each then delivered twice.
  await deps.continuations.send(
    work.map((item) => continuationBody({ ...item, progress: item.progress ?? {} }, SPLIT_REASON)),
  );
  await acknowledge?.();
  deps.log.info('message names several objects: each goes on in a message of its own', {
    objects: work.map(({ object }) => `s3://${object.bucket}/${object.key}`),
  });
}
