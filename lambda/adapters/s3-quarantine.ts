import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { QuarantineWriter } from '../core/forward/ports';

/** S3's answer when `If-None-Match: *` finds the key taken. */
const TAKEN = 412;
const MISSING = new Set(['NoSuchKey', 'NotFound']);

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Quarantine files under `<prefix>/` in the bucket. Created with a conditional write (`If-None-Match:
 * *`), so a name is written once; read back (`s3:GetObject` on the prefix) when a retried object
 * finds its name taken.
 */
export class S3QuarantineWriter implements QuarantineWriter {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  private key(name: string): string {
    return `${this.prefix.replace(/\/+$/, '')}/${name}`;
  }

  async create(name: string, body: string): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(name),
          Body: body,
          ContentType: 'application/x-ndjson',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (error) {
      if (httpStatus(error) === TAKEN || (error as { name?: string }).name === 'PreconditionFailed')
        return false;
      // Including S3's 409 ConditionalRequestConflict (another write to the name in flight): the
      // message fails, and its retry finds the name taken.
      throw error;
    }
  }

  async read(name: string): Promise<string | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return await response.Body?.transformToString('utf8');
    } catch (error) {
      if (MISSING.has((error as { name?: string }).name ?? '') || httpStatus(error) === 404) return undefined;
      throw error;
    }
  }
}
