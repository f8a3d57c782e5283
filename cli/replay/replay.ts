import type { SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import { sendEachOnce } from '../../lambda/adapters/sqs-send-each';
import { SluiceError } from '../../lambda/core/errors';
import type { DirectOutcome } from '../forwarding/local-forwarder';
import { RateLimiter } from '../shared/rate-limiter';
import { isCanaryKey } from '../verify/canary';
import { planListing, type ListingSource } from './layout-listing';
import type { Checkpoint, CheckpointFile, ReplayPlanIdentity } from './checkpoint';
import { listUnderPrefixes, listVersionsUnderPrefixes } from './list-objects';
import { syntheticNotification, type ListedObject } from './s3-notification';
import { unmatchedLogTypes, type UnmatchedLogTypes } from './unmatched-log-types';

export interface ReplayRequest {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The source, with its key layout (default: StrongDM's). */
  readonly source: ListingSource;
  readonly from: Date;
  readonly to: Date;
  /** Default: every log type found under the source prefix. */
  readonly logTypes?: readonly string[];
  readonly mode: 'enqueue' | 'direct';
  /**
   * Every version of each key (noncurrent ones too, each read by its version id), not only the
   * current one. Default: false.
   */
  readonly allVersions?: boolean;
  /** enqueue: where the synthetic notifications go (the object queue). */
  readonly sqs?: SQSClient;
  readonly queueUrl?: string;
  readonly region: string;
  /** direct: forwards one object. */
  readonly forward?: (object: ListedObject, logType: string) => Promise<DirectOutcome>;
  /** Objects per second. */
  readonly rate?: number;
  readonly dryRun?: boolean;
  /** Stop after this many objects (the checkpoint lets the next run continue). */
  readonly maxObjects?: number;
  readonly checkpoint?: CheckpointFile;
  readonly restart?: boolean;
  readonly onProgress?: (done: number, detail: string) => void;
  /** Asked before each batch: a true answer stops the replay cleanly (Ctrl-C), checkpoint written. */
  readonly shouldStop?: () => boolean;
}

export interface ReplayReport {
  readonly mode: 'enqueue' | 'direct';
  readonly allVersions: boolean;
  readonly dryRun: boolean;
  readonly source: string;
  readonly from: string;
  readonly to: string;
  readonly logTypes: readonly string[];
  readonly prefixes: number;
  /** Objects listed in this run (after the checkpoint), not counting canaries. */
  readonly listed: number;
  /** `sluice verify`'s canary objects in the range: test records, never replayed. */
  readonly canariesSkipped: number;
  /**
   * Listed objects not replayed: outside the range by the time their key names, or by when S3 stored
   * them for a layout whose keys name no minute; or objects that hold no logs (a digest, a token).
   */
  readonly skipped: number;
  readonly bytes: number;
  /** Enqueued or forwarded in this run (on a dry run: would be). */
  readonly done: number;
  /**
   * `--direct`: listed objects deleted or overwritten before they were read (keys), so not forwarded.
   * The checkpoint passes them: a later run cannot read those bytes either. Enqueued, the forwarder
   * logs each (`object deleted before it was forwarded`).
   */
  readonly gone: readonly string[];
  /** Done by earlier runs of the same replay (from the checkpoint). */
  readonly doneBefore: number;
  readonly resumedAfter?: string;
  readonly lastKey?: string;
  /** Every object of the range is done. */
  readonly complete: boolean;
  readonly stoppedBy?: 'max-objects' | 'signal' | 'failure';
  readonly failure?: { readonly key: string; readonly code: string; readonly message: string };
  /**
   * Log types asked for (`--log-type`) under which no object of the range was found (a typo reads as
   * "0 objects"). Checked only when this run went through the whole range from its start.
   */
  readonly unmatchedLogTypes?: UnmatchedLogTypes;
}

const SEND_ATTEMPTS = 3;

/**
 * Replays the objects a source wrote in a time range: lists only the key layout's prefixes of the
 * range (see planListing), then enqueues a synthetic S3 notification per object for the forwarder, or
 * forwards each directly. Objects go in key order (= time order per log type), at `rate` per second,
 * and the checkpoint records the last key done so an interrupted replay resumes after it. Objects
 * `sluice verify` wrote (its canaries) are skipped and counted.
 */
export async function replay(request: ReplayRequest): Promise<ReplayReport> {
  const { s3, bucket, source } = request;
  const plan = await planListing(s3, bucket, source, request, request.logTypes);
  const { logTypes, prefixes } = plan;
  const identity: ReplayPlanIdentity = {
    bucket,
    source: source.name,
    from: request.from.toISOString(),
    to: request.to.toISOString(),
    logTypes: request.logTypes?.length ? logTypes : 'all',
    mode: request.mode,
    ...(request.allVersions ? { allVersions: true } : {}),
  };
  const previous = request.dryRun
    ? undefined
    : await request.checkpoint?.resume(identity, request.restart ?? false);
  const base = {
    mode: request.mode,
    allVersions: Boolean(request.allVersions),
    dryRun: Boolean(request.dryRun),
    source: source.name,
    from: identity.from,
    to: identity.to,
    logTypes,
  };
  if (previous?.complete) {
    return {
      ...base,
      prefixes: 0,
      listed: 0,
      canariesSkipped: 0,
      skipped: 0,
      bytes: 0,
      done: 0,
      gone: [],
      doneBefore: previous.done,
      lastKey: previous.lastKey,
      complete: true,
    };
  }
  const limiter = new RateLimiter(request.rate);
  const doneBefore = previous?.done ?? 0;
  let listed = 0;
  let canariesSkipped = 0;
  let skipped = 0;
  let bytes = 0;
  let done = 0;
  const gone: string[] = [];
  let lastKey = previous?.lastKey;
  let stoppedBy: ReplayReport['stoppedBy'];
  let failure: ReplayReport['failure'];
  const logTypesListed = new Set<string>();

  const save = async (complete: boolean) => {
    if (request.dryRun || !request.checkpoint) return;
    const checkpoint: Checkpoint = {
      version: 1,
      ...identity,
      lastKey,
      done: doneBefore + done,
      complete,
      updatedAt: new Date().toISOString(),
    };
    await request.checkpoint.write(checkpoint);
  };

  const pending: ListedObject[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    await limiter.take(batch.length);
    if (request.dryRun) {
      done += batch.length;
      lastKey = batch[batch.length - 1].key;
      return;
    }
    if (request.mode === 'enqueue') {
      const sentThrough = await enqueue(request, batch);
      done += sentThrough;
      lastKey = keyDoneThrough(batch, sentThrough, lastKey);
      if (sentThrough < batch.length) {
        const key = batch[sentThrough].key;
        stoppedBy = 'failure';
        failure = {
          key,
          code: 'ENQUEUE_FAILED',
          message: `SQS refused the notification of ${key} ${SEND_ATTEMPTS} times`,
        };
      }
    } else {
      let through = 0;
      for (const object of batch) {
        const outcome = await request.forward!(object, plan.logTypeOf(object.key));
        if (outcome.status === 'failed') {
          stoppedBy = 'failure';
          failure = { key: object.key, code: outcome.code, message: outcome.message };
          break;
        }
        // Counted as done, an object whose bytes were replaced between the listing and the read would
        // read as replayed when nothing of it was sent.
        if (outcome.status === 'skipped') gone.push(object.key);
        else done += 1;
        through += 1;
      }
      lastKey = keyDoneThrough(batch, through, lastKey);
    }
    await save(false);
    request.onProgress?.(doneBefore + done, lastKey ?? '');
  };

  const batchSize = request.mode === 'enqueue' ? 10 : 1;
  const list = request.allVersions ? listVersionsUnderPrefixes : listUnderPrefixes;
  for await (const object of list(s3, bucket, prefixes, { startAfter: previous?.lastKey })) {
    // The checkpoint names the last key done: a key's versions are sent together, never split by a
    // stop or a batch (a resumed run starts after that key).
    const newKey = pending.length === 0 || pending[pending.length - 1].key !== object.key;
    if (newKey) {
      if (request.maxObjects !== undefined && listed >= request.maxObjects) {
        stoppedBy = 'max-objects';
        break;
      }
      if (request.shouldStop?.()) {
        stoppedBy = 'signal';
        break;
      }
      if (pending.length >= batchSize) await flush();
      if (stoppedBy === 'failure') break;
    }
    // A canary proved the path when verify wrote it; sent again it is only noise in the SIEM.
    if (isCanaryKey(object.key)) {
      canariesSkipped += 1;
      continue;
    }
    if (plan.skipReason(object)) {
      skipped += 1;
      continue;
    }
    listed += 1;
    logTypesListed.add(plan.logTypeOf(object.key));
    bytes += object.size;
    pending.push(object);
  }
  if (stoppedBy !== 'failure') await flush();
  const complete = stoppedBy === undefined;
  if (complete) await save(true);
  // After a checkpoint, the log types of the objects earlier runs did are not known.
  const unmatched =
    complete && !previous?.lastKey
      ? await unmatchedLogTypes(s3, bucket, [source], request, request.logTypes, logTypesListed)
      : undefined;
  return {
    ...base,
    prefixes: prefixes.length,
    listed,
    canariesSkipped,
    skipped,
    bytes,
    done,
    gone,
    doneBefore,
    resumedAfter: previous?.lastKey,
    lastKey,
    complete,
    stoppedBy,
    failure,
    ...(unmatched ? { unmatchedLogTypes: unmatched } : {}),
  };
}

/**
 * The last key whose objects (every listed version of it) are all done once the first `count` of
 * `batch` are: a key whose later versions were not done is not, so a resumed run does it again.
 */
export function keyDoneThrough(batch: readonly ListedObject[], count: number, previous: string | undefined) {
  if (count === 0) return previous;
  const last = batch[count - 1].key;
  if (count === batch.length || batch[count].key !== last) return last;
  for (let index = count - 2; index >= 0; index -= 1) if (batch[index].key !== last) return batch[index].key;
  return previous;
}

/** Sends one batch of notifications, retrying refused entries; returns how many from the start went through. */
async function enqueue(request: ReplayRequest, batch: readonly ListedObject[]): Promise<number> {
  if (!request.sqs || !request.queueUrl)
    throw new SluiceError('USAGE', 'replay needs the object queue to enqueue to');
  const bodies = batch.map((object) => syntheticNotification(request.bucket, object, request.region));
  const { taken: accepted } = await sendEachOnce(request.sqs, request.queueUrl, bodies, {
    attempts: SEND_ATTEMPTS,
  });
  let through = 0;
  while (accepted.has(through)) through += 1;
  return through;
}
