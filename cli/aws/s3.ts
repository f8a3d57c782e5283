import { S3Client } from '@aws-sdk/client-s3';
import type { AwsSession } from './session';

/** The session's S3 client (the one `AwsClients.s3` gives too), path-style for non-AWS endpoints. */
export function s3Of(session: AwsSession): S3Client {
  return session.client(
    's3',
    (config) => new S3Client({ ...config, forcePathStyle: session.settings.forcePathStyle }),
  );
}
