import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { QuarantineEntry, QuarantineWriter } from '../core/forward/ports';
import { quarantineKey, quarantineLines } from '../core/forward/quarantine-format';
import type { ObjectRef } from '../core/notifications/object-ref';

/** Writes quarantined records as one NDJSON object per source object and invocation. */
export class S3QuarantineWriter implements QuarantineWriter {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(
    entries: readonly QuarantineEntry[],
    context: { source: string; object: ObjectRef },
  ): Promise<void> {
    const at = this.now();
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: quarantineKey(this.prefix, context.source, at, randomUUID()),
        Body: quarantineLines(entries, context.object, at),
        ContentType: 'application/x-ndjson',
      }),
    );
  }
}
