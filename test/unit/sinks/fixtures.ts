import type { OutboundRecord } from '../../../lambda/core/records/types';
import type { DeliveryContext, SecretSource, SinkObserver } from '../../../lambda/core/sinks/types';

/** A record as the records module would produce it: compact json + parsed value. */
export function makeRecord(
  value: Record<string, unknown> = { id: 'evt-1', action: 'login' },
  overrides: Partial<Omit<OutboundRecord, 'value' | 'json' | 'bytes'>> & { json?: string } = {},
): OutboundRecord {
  const json = overrides.json ?? JSON.stringify(value);
  return {
    id: overrides.id ?? String(value.id ?? 'rec-1'),
    offset: overrides.offset ?? 0,
    source: overrides.source ?? 'strongdm',
    logType: overrides.logType ?? 'activities',
    bucket: overrides.bucket ?? 'logs-bucket',
    key: overrides.key ?? 'sdm/activities/2024/02/01/18/50/0b1c.json',
    timestamp: overrides.timestamp ?? {
      iso: '2024-02-01T18:50:04.782960647Z',
      epochSeconds: '1706813404.782960647',
      epochMillis: 1706813404782,
    },
    json,
    bytes: Buffer.from(json),
    value,
  };
}

/** The same record with other content (its json, bytes and value agree). */
export function withValue(record: OutboundRecord, value: Record<string, unknown>): OutboundRecord {
  const { id, offset, source, logType, bucket, key, timestamp } = record;
  return makeRecord(value, { id, offset, source, logType, bucket, key, timestamp });
}

/** `count` distinct records with ids `rec-0…`. */
export function makeRecords(count: number, logType = 'activities'): OutboundRecord[] {
  return Array.from({ length: count }, (_, index) =>
    makeRecord({ id: `rec-${index}`, seq: index, action: 'login' }, { offset: index * 100, logType }),
  );
}

/** A secret that can be rotated; counts reads. */
export function fakeSecret(
  initial: string,
): SecretSource & { value: string; gets: number; refreshes: number } {
  const secret = {
    value: initial,
    cached: initial,
    gets: 0,
    refreshes: 0,
    async get() {
      secret.gets += 1;
      return secret.cached;
    },
    async refresh() {
      secret.refreshes += 1;
      secret.cached = secret.value;
      return secret.cached;
    },
  };
  return secret;
}

export interface RecordedObserver extends SinkObserver {
  readonly requests: Array<{ status: number | 'network-error'; bytes: number }>;
  readonly retries: Array<{ reason: string; delayMs: number }>;
  readonly authFailures: number[];
  /** Splunk HEC: the `true`s that confirmed nothing. */
  readonly distrusted: Array<{ channel: string; ackId: number; why: string }>;
}

export function recordingObserver(): RecordedObserver {
  const observer: RecordedObserver = {
    requests: [],
    retries: [],
    authFailures: [],
    distrusted: [],
    request: (_name, info) => observer.requests.push({ status: info.status, bytes: info.bytes }),
    retry: (_name, info) => observer.retries.push(info),
    authFailure: (_name, status) => observer.authFailures.push(status),
    acknowledgementDistrusted: (_name, info) => observer.distrusted.push({ ...info }),
  };
  return observer;
}

/** A deadline far enough away for any test, plus an observer. */
export function context(observer?: SinkObserver, deadline = Date.now() + 60_000): DeliveryContext {
  return { deadline, observer };
}

/** Sleeps that record their delays and return at once (tests never wait for backoff). */
export function instantSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

export const ids = (records: readonly { id: string }[]): string[] => records.map((record) => record.id);
