import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlertObjectWriter } from '../core/detections/stage/ports';

/** S3's answer when `If-None-Match: *` finds the key taken. */
const TAKEN = 412;
const MISSING = new Set(['NoSuchKey', 'NotFound']);

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Alert objects in the log bucket (`s3:PutObject` on `<alertsPrefix>/sluice-alerts/*`). Created with
 * a conditional write, so a redelivered batch finds its alert events written and writes nothing new;
 * the bucket's notification brings each new object to the forwarder as log type `sluice-alerts`.
 * Read back with the `s3:GetObject` the forwarder has on the alerts source, as on every source.
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

  async read(key: string): Promise<string | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await response.Body?.transformToString('utf8');
    } catch (error) {
      if (MISSING.has((error as { name?: string }).name ?? '') || httpStatus(error) === 404) return undefined;
      throw error;
    }
  }
}
