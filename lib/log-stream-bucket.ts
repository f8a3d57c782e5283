import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { normalizePrefix } from '../lambda/core/layout/key-layout';
import { encodeS3Key } from '../lambda/core/notifications/s3-key';
import { pascal } from '../lambda/core/config/spelling';
import { acknowledgeNag } from './nag';

/** Who writes where: one vendor (or application) per prefix. */
export interface LogStreamSource {
  /** Lower-case source name, e.g. `strongdm`. */
  readonly name: string;
  /** Key prefix the writer uses, e.g. `sdm/logs`. */
  readonly prefix: string;
  /** IAM principals granted `s3:PutObject` under the prefix and nothing else (none for sluice's own ingest). */
  readonly writers: readonly string[];
  /**
   * The key prefixes the source's objects start with: `<prefix>/`, or for a source at the bucket root
   * what its key layout makes every key start with (GitHub's years). Default: `<prefix>/`.
   */
  readonly keyPrefixes?: readonly string[];
  /** An AWS service that writes here (CloudTrail), for the listed resources (trails) only. Default: none. */
  readonly serviceWriter?: { readonly service: string; readonly sourceArns: readonly string[] };
}

export interface LogStreamObjectLock {
  /** `governance` (principals allowed to bypass governance retention can delete) or `compliance` (nobody can). */
  readonly mode: 'governance' | 'compliance';
  /** Days each new object version stays locked. */
  readonly days: number;
}

export interface LogStreamBucketProps {
  /** Who writes where: each source gets one bucket policy statement and one ObjectCreated notification filter. */
  readonly sources: readonly LogStreamSource[];
  /** Default: `sluice-logs-<account>-<region>`; a name known before deployment keeps the KMS key policy free of a cycle. */
  readonly bucketName?: string;
  /** Default: `s3-managed`. With `kms`, a customer-managed key with yearly rotation is created. */
  readonly encryption?: 's3-managed' | 'kms';
  /** Default: 395 days. */
  readonly retention?: Duration;
  /** Default: 30 days. */
  readonly transitionAfter?: Duration;
  /** Default: `STANDARD_IA`. */
  readonly transitionStorageClass?: s3.StorageClass;
  /** Default: 30 days. */
  readonly noncurrentVersionExpiration?: Duration;
  /** Default: true. Object Lock requires it. */
  readonly versioned?: boolean;
  /** Default: none. */
  readonly objectLock?: LogStreamObjectLock;
  /** Default: 395 days. */
  readonly accessLogRetention?: Duration;
}

/** The bucket policy statement a vendor's admin UI shows (seed 003), for one source. */
export interface WriterPolicy {
  readonly source: string;
  readonly document: Record<string, unknown>;
}

/**
 * The customer-owned bucket vendors stream audit logs into, configured the way a security reviewer
 * expects: private, owner-enforced, TLS 1.2+, versioned, access-logged, retained, lifecycle-managed,
 * and writable by each vendor only under its own prefix.
 */
export class LogStreamBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly encryptionKey?: kms.Key;
  readonly bucketName: string;
  readonly writerPolicies: readonly WriterPolicy[];
  private readonly sources: readonly (LogStreamSource & { readonly keyPrefixes: readonly string[] })[];

  constructor(scope: Construct, id: string, props: LogStreamBucketProps) {
    super(scope, id);
    // Log delivery through a bucket policy works with BucketOwnerEnforced; the legacy ACL grant does not.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.sources = props.sources.map((source) => {
      const prefix = normalizePrefix(source.prefix);
      return { ...source, prefix, keyPrefixes: source.keyPrefixes ?? [`${prefix}/`] };
    });
    this.bucketName = props.bucketName ?? `sluice-logs-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    const bucketArn = Stack.of(this).formatArn({
      service: 's3',
      region: '',
      account: '',
      resource: this.bucketName,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: props.accessLogRetention ?? Duration.days(395),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledgeNag(
      this.accessLogsBucket,
      'S1',
      'This is the server access log bucket of the log bucket; logging it to itself would loop and a third bucket adds nothing an auditor asks for.',
    );

    if (props.encryption === 'kms') {
      this.encryptionKey = new kms.Key(this, 'Key', {
        description: `sluice log bucket ${this.bucketName}`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const source of this.sources.filter((candidate) => candidate.writers.length > 0)) {
        this.encryptionKey.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: `WriterEncryptsThroughS3${pascal(source.name)}`,
            principals: source.writers.map((arn) => new iam.ArnPrincipal(arn)),
            // GenerateDataKey for every upload; Decrypt because multipart uploads (large objects) need it.
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resources: ['*'],
            conditions: {
              StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` },
              // With S3 Bucket Keys the context is the bucket ARN; without them, the object ARN.
              StringLike: {
                'kms:EncryptionContext:aws:s3:arn': [bucketArn, ...objectArns(bucketArn, source)],
              },
            },
          }),
        );
      }
    }

    const versioned = props.versioned ?? true;
    const lock = props.objectLock;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: this.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: this.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: this.encryptionKey ? true : undefined,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'log-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
      objectLockEnabled: lock ? true : undefined,
      objectLockDefaultRetention: lock
        ? lock.mode === 'compliance'
          ? s3.ObjectLockRetention.compliance(Duration.days(lock.days))
          : s3.ObjectLockRetention.governance(Duration.days(lock.days))
        : undefined,
      lifecycleRules: [
        {
          id: 'age-out-logs',
          transitions: [
            {
              storageClass: props.transitionStorageClass ?? s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: props.transitionAfter ?? Duration.days(30),
            },
          ],
          expiration: props.retention ?? Duration.days(395),
          noncurrentVersionExpiration: versioned
            ? (props.noncurrentVersionExpiration ?? Duration.days(30))
            : undefined,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        // S3 refuses expiredObjectDeleteMarker in a rule that also sets an expiration age.
        ...(versioned ? [{ id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true }] : []),
      ],
    });

    this.writerPolicies = this.sources
      .filter((source) => source.writers.length > 0 || source.serviceWriter)
      .map((source) => {
        const statements = source.serviceWriter
          ? serviceWriterStatements(bucketArn, source, source.serviceWriter)
          : [];
        if (source.writers.length > 0) {
          statements.push(
            new iam.PolicyStatement({
              sid: `SluiceWriter${pascal(source.name)}`,
              principals: source.writers.map((arn) => new iam.ArnPrincipal(arn)),
              actions: ['s3:PutObject'],
              resources: objectArns(bucketArn, source),
            }),
          );
        }
        for (const statement of statements) this.bucket.addToResourcePolicy(statement);
        return {
          source: source.name,
          document: {
            Version: '2012-10-17',
            Statement: statements.map((statement) => statement.toStatementJson()),
          },
        };
      });
  }

  /** Sends ObjectCreated notifications for every source prefix (and nothing else) to `queue`. */
  notifyObjectCreated(destination: s3n.SqsDestination): void {
    for (const source of this.sources) {
      for (const prefix of source.keyPrefixes) {
        this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, {
          // S3 compares a filter with the key as its events carry it: `dt=` must be written `dt%3D`.
          prefix: encodeS3Key(prefix),
        });
      }
    }
  }
}

/** The object ARNs a source's writers may put: everything under its key prefixes. */
function objectArns(bucketArn: string, source: { readonly keyPrefixes: readonly string[] }): string[] {
  return source.keyPrefixes.map((prefix) => `${bucketArn}/${prefix}*`);
}

/**
 * The statements CloudTrail's documentation asks for, scoped to the source: the service may read the
 * bucket ACL and put objects under `<prefix>/AWSLogs/`, with the ACL that leaves them to the bucket
 * owner, and only for the listed trails (`aws:SourceArn`, which AWS recommends against the confused
 * deputy problem).
 */
function serviceWriterStatements(
  bucketArn: string,
  source: { readonly name: string; readonly prefix: string },
  writer: { readonly service: string; readonly sourceArns: readonly string[] },
): iam.PolicyStatement[] {
  const name = pascal(source.name);
  const sourceArn = { 'aws:SourceArn': [...writer.sourceArns] };
  const head = source.prefix === '' ? '' : `${source.prefix}/`;
  return [
    new iam.PolicyStatement({
      sid: `SluiceServiceAclCheck${name}`,
      principals: [new iam.ServicePrincipal(writer.service)],
      actions: ['s3:GetBucketAcl'],
      resources: [bucketArn],
      conditions: { StringEquals: sourceArn },
    }),
    new iam.PolicyStatement({
      sid: `SluiceServiceWriter${name}`,
      principals: [new iam.ServicePrincipal(writer.service)],
      actions: ['s3:PutObject'],
      resources: [`${bucketArn}/${head}AWSLogs/*`],
      conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...sourceArn } },
    }),
  ];
}
