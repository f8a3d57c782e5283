import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SluiceError } from '../core/errors';
import { ifMatchHeader, normalizeETag } from '../core/notifications/etag';
import type { ObjectSource, OpenedObject } from '../core/forward/ports';
import type { ObjectRef } from '../core/notifications/object-ref';

const GONE = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound', 'PreconditionFailed']);

/**
 * The version id S3 gives objects written while versioning was never enabled or is suspended. It
 * names a slot, not bytes: the next PUT of the key replaces that version's content in place.
 */
const NULL_VERSION = 'null';

/**
 * Streams the exact object a notification named: by version when the bucket is versioned, else only
 * while its ETag is unchanged (an overwrite brings its own notification). The `null` version of a
 * versioning-suspended bucket is overwritten in place, so it is read by version and ETag both.
 * Reports the ETag, version id and LastModified S3 sends with the bytes (the whole object's, also
 * for a ranged GET).
 */
export class S3ObjectSource implements ObjectSource {
  constructor(private readonly s3: S3Client) {}

  async open(object: ObjectRef, fromByte: number): Promise<OpenedObject> {
    const notifiedETag = normalizeETag(object.eTag);
    const pinnedByVersion = Boolean(object.versionId) && object.versionId !== NULL_VERSION;
    try {
      const response = await this.s3.send(
        new GetObjectCommand({
          Bucket: object.bucket,
          Key: object.key,
          VersionId: object.versionId,
          IfMatch: pinnedByVersion || !notifiedETag ? undefined : ifMatchHeader(notifiedETag),
          Range: fromByte > 0 ? `bytes=${fromByte}-` : undefined,
        }),
      );
      if (!response.Body) throw new Error('GetObject returned no body');
      return {
        body: response.Body as AsyncIterable<Uint8Array>,
        eTag: normalizeETag(response.ETag),
        versionId: response.VersionId,
        lastModified: response.LastModified,
      };
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      // A read that failed after the object's last byte (a stream cut after the last record's closing
      // brace) resumes at its size, a range S3 refuses (416). Nothing is left to read from there: an
      // error would fail the continuation on every receive, into the DLQ, with every record delivered.
      if (name === 'InvalidRange' && fromByte > 0) return { body: nothingLeft() };
      if (GONE.has(name)) {
        throw new SluiceError(
          'OBJECT_NOT_FOUND',
          `s3://${object.bucket}/${object.key} (version ${object.versionId ?? object.eTag ?? 'latest'}) no longer exists: ${name}`,
          { bucket: object.bucket, key: object.key, versionId: object.versionId },
        );
      }
      throw error;
    }
  }
}

async function* nothingLeft(): AsyncGenerator<Uint8Array> {}
