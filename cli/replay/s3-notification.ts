/**
 * S3 event notifications as S3 writes them, for objects that are already in the bucket: the forwarder
 * reads a replayed object exactly like a new one.
 */
import { encodeS3Key } from '../../lambda/core/notifications/s3-key';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** As listed (with quotes) or as notified (without): quotes are removed. */
  readonly eTag?: string;
  readonly lastModified: Date;
  readonly versionId?: string;
}

/** One `ObjectCreated:Put` notification for an existing object, marked as a sluice replay. */
export function syntheticNotification(bucket: string, object: ListedObject, region: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        // The stored time (a multipart upload's initiation, where S3 notified its completion): the
        // forwarder dates records without a timestamp by the LastModified its GET answers, not by this.
        eventTime: object.lastModified.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'sluice-replay' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {},
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'sluice-replay',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'sluice-replay' },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: {
            key: encodeS3Key(object.key),
            size: object.size,
            ...(object.eTag ? { eTag: object.eTag.replace(/"/g, '') } : {}),
            ...(object.versionId ? { versionId: object.versionId } : {}),
            sequencer: object.lastModified.getTime().toString(16).toUpperCase().padStart(16, '0'),
          },
        },
      },
    ],
  });
}
