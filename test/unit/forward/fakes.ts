import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { invocationSchedule, type ObjectSlotsOptions } from '../../../lambda/core/forward/object-slots';
import type { ForwardDependencies } from '../../../lambda/core/forward/forward-object';
import type { ObjectSource, OpenedObject, QuarantineWriter } from '../../../lambda/core/forward/ports';
import type { ObjectRef } from '../../../lambda/core/notifications/object-ref';
import type { OutboundRecord } from '../../../lambda/core/records/types';
import type { BatchOutcome, Sink } from '../../../lambda/core/sinks/types';

/** An in-memory object store that records every ranged read. */
export class MemoryObjects implements ObjectSource {
  readonly opens: { key: string; fromByte: number }[] = [];
  /** Bytes per yielded chunk: small and odd, so records and gzip headers straddle chunks. */
  chunkSize = 7;
  /** Like S3: the whole object's ETag (quoted, MD5 of its bytes), also for a ranged read. */
  reportsETag = true;
  /** Like S3's GET `LastModified` when set (the whole object's, also for a ranged read). */
  lastModified: Date | undefined;
  constructor(private readonly objects: Record<string, Buffer>) {}

  async open(object: ObjectRef, fromByte: number): Promise<OpenedObject> {
    this.opens.push({ key: object.key, fromByte });
    const bytes = this.objects[object.key];
    if (!bytes) throw new Error(`no object ${object.key}`);
    const slice = bytes.subarray(fromByte);
    const size = this.chunkSize;
    const body = (async function* () {
      for (let index = 0; index < slice.length; index += size) yield slice.subarray(index, index + size);
    })();
    return { body, eTag: this.reportsETag ? `"${md5(bytes)}"` : undefined, lastModified: this.lastModified };
  }
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** A quarantine line as written (see quarantine-format.ts). */
export interface QuarantineLine {
  readonly code: string;
  readonly reason: string;
  readonly offset: number;
  readonly eTag?: string;
  readonly destination?: string;
  readonly recordId?: string;
  readonly logType?: string;
  readonly record?: string;
  readonly raw?: string;
  readonly rawEncoding?: 'utf8' | 'base64';
}

/** Quarantine files in memory, created once like S3's `If-None-Match: *` writes. */
export class MemoryQuarantine implements QuarantineWriter {
  readonly files = new Map<string, string>();
  /** Files created. */
  writes = 0;
  /** Creates refused because the name was taken. */
  taken = 0;

  async create(name: string, body: string): Promise<boolean> {
    if (this.files.has(name)) {
      this.taken += 1;
      return false;
    }
    this.files.set(name, body);
    this.writes += 1;
    return true;
  }

  async read(name: string): Promise<string | undefined> {
    return this.files.get(name);
  }

  /** Every entry of every file. */
  get entries(): QuarantineLine[] {
    return [...this.files.values()].flatMap((body) =>
      body
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as QuarantineLine),
    );
  }
}

type Verdict = 'deliver' | 'fail' | 'reject';

/** A destination that answers per record, and remembers what it accepted. */
export class RecordingSink implements Sink {
  readonly received: OutboundRecord[] = [];
  readonly batches: number[] = [];
  verdict: (record: OutboundRecord) => Verdict = () => 'deliver';
  /** How long the destination takes to answer a batch. Default: at once. */
  latency: (batch: readonly OutboundRecord[]) => number = () => 0;

  constructor(
    readonly name: string,
    readonly maxBatchRecords = 3,
    readonly maxBatchBytes = 1_000_000,
  ) {}

  encodedSize(record: OutboundRecord): number {
    return record.json.length + 1;
  }

  async deliver(batch: readonly OutboundRecord[]): Promise<BatchOutcome> {
    this.batches.push(batch.length);
    const latency = this.latency(batch);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const delivered: OutboundRecord[] = [];
    const failed: OutboundRecord[] = [];
    const rejected = [];
    for (const record of batch) {
      const verdict = this.verdict(record);
      if (verdict === 'deliver') delivered.push(record);
      else if (verdict === 'fail') failed.push(record);
      else rejected.push({ record, code: 'TEST_REJECTED', reason: 'refused by test' });
    }
    this.received.push(...delivered);
    return {
      delivered,
      rejected,
      failed,
      failure: failed.length > 0 ? { code: 'TEST_DOWN', message: 'destination down' } : undefined,
    };
  }
}

export function ndjson(records: readonly object[]): Buffer {
  return Buffer.from(records.map((record) => JSON.stringify(record)).join('\n') + '\n');
}

export function gzipped(bytes: Buffer): Buffer {
  return gzipSync(bytes);
}

export function activities(count: number): object[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `at-${index}`,
    logType: 'activities',
    timestamp: `2024-02-01T18:50:${String(index % 60).padStart(2, '0')}.123456789Z`,
    activity: 'user logged into the Admin UI',
  }));
}

export const objectRef = (key: string): ObjectRef => ({
  bucket: 'acme-logs',
  key,
  versionId: 'v1',
  eventTime: new Date('2024-02-01T19:00:00Z'),
});

export const strongdmSource = {
  name: 'strongdm',
  prefix: 'sdm/logs',
  format: 'auto' as const,
  timestampField: 'timestamp',
  idFieldByLogType: { activities: 'id', queries: 'uuid' },
};

/**
 * Which of `count` objects asking at once start right away, in an invocation with these
 * destinations (far from its deadlines), and the invocation's slots.
 */
export async function objectsStartedAtOnce(
  destinations: ObjectSlotsOptions['destinations'],
  count: number,
): Promise<{ started: number[]; objectSlots: ReturnType<typeof invocationSchedule>['objectSlots'] }> {
  const { objectSlots } = invocationSchedule({
    destinations,
    now: () => 0,
    stopReadingAt: 700,
    deliveryDeadline: 900,
  });
  const started: number[] = [];
  for (let index = 0; index < count; index += 1)
    void objectSlots.acquire().then((start) => start && started.push(index));
  await new Promise((resolve) => setImmediate(resolve));
  return { started, objectSlots };
}

/** forwardObject's dependencies for a StrongDM activities object, every destination with 2 requests in flight. */
export function forwardDependencies(
  objects: MemoryObjects,
  sinks: RecordingSink[],
  overrides: Partial<ForwardDependencies> = {},
) {
  const quarantine = new MemoryQuarantine();
  const deps: ForwardDependencies = {
    source: strongdmSource,
    logTypeFromKey: 'activities',
    destinations: sinks.map((sink) => ({ sink, maxInFlight: 2 })),
    objects,
    quarantine,
    maxRecordBytes: 1024 * 1024,
    maxObjectBytes: 1024 * 1024 * 1024,
    now: () => 0,
    stopReadingAt: Number.POSITIVE_INFINITY,
    deliveryDeadline: Number.POSITIVE_INFINITY,
    ...overrides,
  };
  return { deps, quarantine };
}
