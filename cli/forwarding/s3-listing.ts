import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectRef } from '../../lambda/core/notifications/object-ref';

/** Objects under an S3 prefix (the prefix the operator named, paginated). */
export async function listS3Prefix(s3: S3Client, bucket: string, prefix: string): Promise<ObjectRef[]> {
  const refs: ObjectRef[] = [];
  let token: string | undefined;
  do {
    const response = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of response.Contents ?? []) {
      if (!object.Key || object.Key.endsWith('/')) continue;
      refs.push({
        bucket,
        key: object.Key,
        eTag: object.ETag?.replace(/"/g, ''),
        size: object.Size,
        eventTime: object.LastModified ?? new Date(),
      });
    }
    token = response.IsTruncated ? response.NextContinuationToken : undefined;
  } while (token);
  return refs;
}
