import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CollectedObject, ObjectWriter } from '../core/collectors/types';

/** S3's answer when `If-None-Match: *` finds the key taken. */
const TAKEN = 412;
/**
 * S3's answer while another conditional write of the key is in progress (`ConditionalRequestConflict`):
 * S3 asks for the request to be sent again, and the retry then finds the key written (412) or free.
 */
const CONFLICT = 409;
const CONFLICT_ATTEMPTS = 3;

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Writes a collector's objects into the log bucket with `If-None-Match: *`. Object names are derived
 * from the events they hold, so a taken name means a run before a crash wrote these events already:
 * no second copy, no second notification for the forwarder, no new version under Object Lock.
 */
export class S3CollectorWriter implements ObjectWriter {
  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    private readonly bucket: string,
    private readonly wait: (attempt: number) => Promise<void> = (attempt) => sleep(200 * 2 ** attempt),
  ) {}

  async put(object: CollectedObject): Promise<'written' | 'exists'> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: object.key,
            Body: object.body,
            ContentType: object.gzip ? 'application/gzip' : 'application/x-ndjson',
            Metadata: { 'sluice-entries': String(object.records) },
            IfNoneMatch: '*',
          }),
        );
        return 'written';
      } catch (error) {
        const status = httpStatus(error);
        if (status === TAKEN || (error as { name?: string }).name === 'PreconditionFailed') return 'exists';
        if (status !== CONFLICT || attempt + 1 >= CONFLICT_ATTEMPTS) throw error;
        await this.wait(attempt);
      }
    }
  }
}
