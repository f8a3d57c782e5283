import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { seededRandom } from './random';
import { encodeS3Key } from '../../lambda/core/notifications/s3-key';
import {
  LOG_TYPE_SHARES,
  recordMarker,
  strongDmRecords,
  type LogType,
  type RecordGenerator,
  type StrongDmRecord,
} from './strongdm';

/** How records are written in an object: one per line, or pretty-printed like the vendor's examples. */
export type ObjectFormat = 'ndjson' | 'pretty';

export function serialize(record: StrongDmRecord, format: ObjectFormat): string {
  return format === 'ndjson' ? JSON.stringify(record) : JSON.stringify(record, null, 4);
}

/** One vendor object: a single log type, its bytes as stored, and what it holds. */
export interface VendorObject {
  readonly key: string;
  readonly logType: LogType;
  readonly records: number;
  /** Bytes of the records as written (before gzip). */
  readonly rawBytes: number;
  /** The object as stored (gzip or not). */
  readonly body: Buffer;
  /** What identifies each record (see `recordMarker`), in order. */
  readonly markers: readonly string[];
}

export interface WorkloadOptions {
  readonly seed: number;
  readonly objects: number;
  /** Records per object; StrongDM writes up to 1000. */
  readonly recordsPerObject: number;
  /** One format for every object, or one per object index. */
  readonly format: ObjectFormat | ((index: number) => ObjectFormat);
  readonly gzip: boolean | ((index: number) => boolean);
  readonly prefix?: string;
}

/**
 * Objects as StrongDM's Log Stream writes them: one log type per object (`<prefix>/<logType>/…`),
 * log types in the proportions of LOG_TYPE_SHARES, records in the generator's seeded order.
 */
export function vendorObjects(options: WorkloadOptions): VendorObject[] {
  const generator = strongDmRecords(options.seed);
  const order = seededRandom(options.seed ^ 0x5eed);
  const prefix = options.prefix ?? 'sdm/logs';
  const objects: VendorObject[] = [];
  for (let index = 0; index < options.objects; index += 1) {
    const roll = order.next();
    const logType: LogType =
      roll < LOG_TYPE_SHARES.queries
        ? 'queries'
        : roll < LOG_TYPE_SHARES.queries + LOG_TYPE_SHARES.activities
          ? 'activities'
          : 'replays';
    const format = typeof options.format === 'function' ? options.format(index) : options.format;
    const gzip = typeof options.gzip === 'function' ? options.gzip(index) : options.gzip;
    const records = Array.from({ length: options.recordsPerObject }, () => generator.of(logType));
    const text = records.map((record) => serialize(record, format)).join('\n') + '\n';
    const raw = Buffer.from(text);
    const name = `${order.hex(8)}-${order.hex(4)}-4${order.hex(3)}-a${order.hex(3)}-${order.hex(12)}`;
    objects.push({
      key: `${prefix}/${logType}/2024/02/01/18/50/${name}.json${gzip ? '.gz' : ''}`,
      logType,
      records: records.length,
      rawBytes: raw.length,
      body: gzip ? gzipSync(raw) : raw,
      markers: records.map(recordMarker),
    });
  }
  return objects;
}

/** A stored object as the S3 SDK hands it out: a stream of chunks (64 KiB, like a socket read). */
export async function* chunksOf(body: Buffer, chunkBytes = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < body.length; start += chunkBytes) {
    yield body.subarray(start, Math.min(body.length, start + chunkBytes));
  }
}

export interface GeneratedStream {
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Records and raw (uncompressed) bytes produced so far. */
  readonly produced: { records: number; rawBytes: number; storedBytes: number };
}

/**
 * An object of `targetBytes` (uncompressed) generated while it is read, never held whole: records
 * of every log type in their shares, NDJSON, optionally gzip (level 1, compressed as it streams).
 */
export function generatedObject(options: {
  readonly seed: number;
  readonly targetBytes: number;
  readonly gzip: boolean;
  readonly chunkBytes?: number;
}): GeneratedStream {
  const generator: RecordGenerator = strongDmRecords(options.seed);
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const produced = { records: 0, rawBytes: 0, storedBytes: 0 };

  async function* plain(): AsyncGenerator<Buffer> {
    let pending: string[] = [];
    let pendingChars = 0;
    const flush = (): Buffer => {
      const chunk = Buffer.from(pending.join(''));
      produced.rawBytes += chunk.length;
      pending = [];
      pendingChars = 0;
      return chunk;
    };
    while (produced.rawBytes + pendingChars < options.targetBytes) {
      const line = `${JSON.stringify(generator.next())}\n`;
      produced.records += 1;
      pending.push(line);
      pendingChars += line.length;
      if (pendingChars >= chunkBytes) yield flush();
    }
    if (pending.length > 0) yield flush();
  }

  async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      produced.storedBytes += chunk.length;
      yield chunk;
    }
  }

  const source = options.gzip
    ? (Readable.from(plain()).pipe(
        createGzip({ level: constants.Z_BEST_SPEED, chunkSize: chunkBytes }),
      ) as AsyncIterable<Buffer>)
    : plain();
  return { chunks: counted(source), produced };
}

/** An S3 ObjectCreated notification as it arrives on the object queue. */
export function objectCreatedMessage(bucket: string, key: string, size: number): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2024-02-01T18:50:05.000Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeS3Key(key),
            size,
            eTag: randomUUID().replace(/-/g, ''),
            versionId: randomUUID(),
          },
        },
      },
    ],
  });
}
