import type { ObjectRef, ObjectWork, ParsedMessage, SkippedEvent } from './object-ref';
import { parseContinuation } from './continuation';
import { decodeS3Key } from './s3-key';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** S3 and moto write event times with or without a zone; both mean UTC. */
function parseEventTime(value: unknown): Date {
  if (typeof value !== 'string') return new Date(0);
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? new Date(0) : date;
}

function fromS3Records(records: unknown[]): { work: ObjectWork[]; skipped: SkippedEvent[] } {
  const work: ObjectWork[] = [];
  const skipped: SkippedEvent[] = [];
  for (const record of records) {
    if (!isObject(record) || !isObject(record.s3)) {
      skipped.push({ reason: 'record without an s3 section' });
      continue;
    }
    const { bucket, object } = record.s3 as { bucket?: Json; object?: Json };
    const encodedKey = typeof object?.key === 'string' ? object.key : undefined;
    if (!bucket || typeof bucket.name !== 'string' || encodedKey === undefined) {
      skipped.push({ reason: 'record without bucket name or object key' });
      continue;
    }
    const key = decodeS3Key(encodedKey);
    const eventName = typeof record.eventName === 'string' ? record.eventName : '';
    if (!eventName.startsWith('ObjectCreated:')) {
      skipped.push({ reason: `not an object creation (${eventName || 'no eventName'})`, key });
      continue;
    }
    const ref: ObjectRef = {
      bucket: bucket.name,
      key,
      versionId: typeof object?.versionId === 'string' ? object.versionId : undefined,
      eTag: typeof object?.eTag === 'string' ? object.eTag : undefined,
      size: typeof object?.size === 'number' ? object.size : undefined,
      eventTime: parseEventTime(record.eventTime),
    };
    work.push({ object: ref });
  }
  return { work, skipped };
}

/** EventBridge's `Object Created` detail; its keys are not URL-encoded. */
function fromEventBridge(event: Json): ParsedMessage {
  const detail = isObject(event.detail) ? event.detail : {};
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  const object = isObject(detail.object) ? detail.object : {};
  if (typeof bucket !== 'string' || typeof object.key !== 'string') {
    return { kind: 'unrecognized', reason: 'EventBridge event without bucket name or object key' };
  }
  if (event['detail-type'] !== 'Object Created') {
    return {
      kind: 'objects',
      work: [],
      skipped: [{ reason: `not an object creation (${String(event['detail-type'])})`, key: object.key }],
    };
  }
  const ref: ObjectRef = {
    bucket,
    key: object.key,
    versionId: typeof object['version-id'] === 'string' ? object['version-id'] : undefined,
    eTag: typeof object.etag === 'string' ? object.etag : undefined,
    size: typeof object.size === 'number' ? object.size : undefined,
    eventTime: parseEventTime(event.time),
  };
  return { kind: 'objects', work: [{ object: ref }], skipped: [] };
}

function parseEnvelope(body: Json, depth: number): ParsedMessage {
  if (body.Event === 's3:TestEvent') return { kind: 'test-event' };
  if (Array.isArray(body.Records)) {
    const { work, skipped } = fromS3Records(body.Records);
    return { kind: 'objects', work, skipped };
  }
  if (body.source === 'aws.s3' && 'detail-type' in body) return fromEventBridge(body);
  // SNS wraps the S3 notification as a JSON string in `Message` (unless raw delivery is on).
  if (body.Type === 'Notification' && typeof body.Message === 'string' && depth === 0) {
    try {
      const inner: unknown = JSON.parse(body.Message);
      if (isObject(inner)) return parseEnvelope(inner, depth + 1);
    } catch {
      return { kind: 'unrecognized', reason: 'SNS notification whose Message is not JSON' };
    }
  }
  const continuation = parseContinuation(body);
  if (continuation) return { kind: 'objects', work: [continuation], skipped: [] };
  return { kind: 'unrecognized', reason: 'neither an S3, SNS, EventBridge nor sluice continuation message' };
}

/** Reads an SQS message body from any of the routes users send S3 events by. */
export function parseMessage(body: string): ParsedMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'unrecognized', reason: 'message body is not JSON' };
  }
  if (!isObject(parsed)) return { kind: 'unrecognized', reason: 'message body is not a JSON object' };
  return parseEnvelope(parsed, 0);
}
