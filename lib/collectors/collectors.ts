import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { SluiceConfig } from '../../lambda/core/config/schema';
import { collectorRuntimeConfigOf } from '../../lambda/collector/runtime-config';
import { CheckpointTable } from './checkpoint-table';
import { CollectorFunction } from './collector-function';

export interface CollectorsProps {
  /** The validated configuration: its `collectors[]` and their sources. */
  readonly config: SluiceConfig;
  /** The log bucket the collectors write into. */
  readonly bucket: s3.IBucket;
  /** The bucket's KMS key, if it has one. Default: none (SSE-S3). */
  readonly encryptionKey?: kms.IKey;
}

/** The configured collectors: one checkpoint table, and one scheduled function per collector. */
export class Collectors extends Construct {
  readonly table: dynamodb.Table;
  /** By collector name, in configuration order. */
  readonly functions: ReadonlyMap<string, CollectorFunction>;

  constructor(scope: Construct, id: string, props: CollectorsProps) {
    super(scope, id);
    this.table = new CheckpointTable(this, 'Checkpoints').table;
    const functions = new Map<string, CollectorFunction>();
    for (const collector of props.config.collectors) {
      functions.set(
        collector.name,
        // The name itself as the id: unique by validation (a spelling like pascal() could merge two).
        new CollectorFunction(this, collector.name, {
          runtimeConfig: collectorRuntimeConfigOf(props.config, collector.name),
          bucket: props.bucket,
          encryptionKey: props.encryptionKey,
          table: this.table,
        }),
      );
    }
    this.functions = functions;
  }
}
