import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { IngestConfig } from '../../lambda/core/config/ingest';
import { IngestBatcher } from './ingest-batcher';
import { IngestEndpoint } from './ingest-endpoint';
import { IngestQueue } from './ingest-queue';
import { secretResourceArns } from '../secret-arns';

/** What a complete Secrets Manager ARN ends with: `-` and six random characters. */
const COMPLETE_ARN = /-[A-Za-z0-9]{6}$/;

export interface IngestPipelineProps {
  /** The log bucket the batcher writes objects into. */
  readonly bucket: s3.IBucket;
  /** The ingest source's prefix: batcher objects land there and reach the forwarder like vendor objects. */
  readonly prefix: string;
  /** Where the batcher writes messages it can never turn into objects. */
  readonly quarantinePrefix: string;
  /** The source's validated `ingest` configuration (its defaults are the configuration's). */
  readonly config: IngestConfig;
}

/** The configured ingest side of a stack: queue (+DLQ), batcher and, when enabled, the HTTPS endpoint. */
export class IngestPipeline extends Construct {
  readonly queue: IngestQueue;
  readonly batcher: IngestBatcher;
  readonly endpoint?: IngestEndpoint;

  constructor(scope: Construct, id: string, props: IngestPipelineProps) {
    super(scope, id);
    const { config } = props;
    const timeout = Duration.seconds(config.timeoutSeconds);
    const window = Duration.seconds(config.maxBatchingWindowSeconds);
    this.queue = new IngestQueue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(6 * config.timeoutSeconds + config.maxBatchingWindowSeconds),
      maxReceiveCount: config.maxReceiveCount,
    });
    this.batcher = new IngestBatcher(this, 'Batcher', {
      queue: this.queue,
      bucket: props.bucket,
      prefix: props.prefix,
      quarantinePrefix: props.quarantinePrefix,
      maxEntriesPerObject: config.maxEntriesPerObject,
      maxBytesPerObject: config.maxBytesPerObject,
      gzip: config.gzip,
      defaultLogType: config.defaultLogType,
      allowedLogTypes: config.allowedLogTypes,
      enrichment: config.enrichment,
      batchSize: config.batchSize,
      maxBatchingWindow: window,
      timeout,
      memorySize: config.memoryMb,
    });
    const { endpoint } = config;
    if (endpoint.enabled) {
      const { tokenSecretArn } = endpoint;
      const completeLooking = tokenSecretArn !== undefined && COMPLETE_ARN.test(tokenSecretArn);
      this.endpoint = new IngestEndpoint(this, 'Endpoint', {
        queue: this.queue,
        tokenSecret: endpoint.tokenSecretArn
          ? secretsmanager.Secret.fromSecretAttributes(
              this,
              'Token',
              // A complete ARN ends in `-` and six random characters; a partial one is matched by prefix.
              completeLooking
                ? { secretCompleteArn: endpoint.tokenSecretArn }
                : { secretPartialArn: endpoint.tokenSecretArn },
            )
          : undefined,
        defaultLogType: config.defaultLogType,
        allowedLogTypes: config.allowedLogTypes,
        maxBodyBytes: endpoint.maxBodyBytes,
        throttle: { rateLimit: endpoint.rateLimit, burstLimit: endpoint.burstLimit },
      });
      if (tokenSecretArn !== undefined && completeLooking) {
        // A name that itself ends in `-` and six letters (`sluice/ingest-tokens`) looks complete, and the
        // grant above names it exactly, not the real `<name>-AbCdEf`: every request would be refused.
        // Both forms, as for the forwarder's secrets.
        this.endpoint.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'ReadTokenSecretByName',
            actions: ['secretsmanager:GetSecretValue'],
            resources: secretResourceArns(tokenSecretArn),
          }),
        );
      }
    }
  }
}
