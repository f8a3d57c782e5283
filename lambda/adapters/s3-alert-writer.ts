import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlertObjectWriter } from '../core/detections/stage/ports';

/** S3's answer when `If-None-Match: *` finds the key taken. */
const TAKEN = 412;

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Alert objects in the log bucket (`s3:PutObject` on `<alertsPrefix>/sluice-alerts/*`). Created with
 * a conditional write, so a redelivered batch finds its alert events written and writes nothing new;
 * the bucket's notification brings each new object to the forwarder as log type `sluice-alerts`.
 */
export class S3AlertObjectWriter implements AlertObjectWriter {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async create(key: string, body: string): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/x-ndjson',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (error) {
      if (httpStatus(error) === TAKEN || (error as { name?: string }).name === 'PreconditionFailed')
        return false;
      // Including S3's 409 ConditionalRequestConflict (another write of the same key in flight): the
      // stage's batch fails, and its retry finds the key taken.
      throw error;
    }
  }
}
