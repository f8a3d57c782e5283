/** What `sluice forward` of an S3 prefix needs besides deps/forward.ts: the S3 client and adapters. */
export { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
export { S3QuarantineWriter } from '../../../lambda/adapters/s3-quarantine';
export { s3Of } from '../../aws/s3';
export { listS3Prefix } from '../../forwarding/s3-listing';
