import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CollectedObject, ObjectWriter } from '../core/collectors/types';

/** S3's answer when `If-None-Match: *` finds the key taken. */
const TAKEN = 412;

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
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(object: CollectedObject): Promise<'written' | 'exists'> {
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
      if (httpStatus(error) === TAKEN || (error as { name?: string }).name === 'PreconditionFailed')
        return 'exists';
      throw error;
    }
  }
}
