import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SluiceConfig, SluiceConfigInput } from '../lambda/core/config/schema';
import type { Forwarder } from './forwarder';
import type { IngestPipeline } from './ingest/ingest-pipeline';
import type { LogStreamBucket } from './log-stream-bucket';
import type { Monitoring } from './monitoring';
import type { ObjectQueue } from './object-queue';
import { Sluice } from './sluice';

export { OUTPUTS } from './outputs';

export interface SluiceStackProps extends StackProps {
  /** The configuration, validated (see `parseConfig`) or as written in sluice.config.json. */
  readonly config: SluiceConfig | SluiceConfigInput;
  /** The folder `detections.rules` paths are relative to (see `SluiceProps.configDir`). */
  readonly configDir?: string;
}

/**
 * A stack holding one `Sluice` and nothing else: what `cdk deploy` of this repository deploys.
 * The construct's id is `Default`, which CDK leaves out of logical ids, so every resource keeps the
 * logical id it had when the stack declared them itself: upgrading a deployment replaces nothing.
 */
export class SluiceStack extends Stack {
  readonly sluice: Sluice;

  constructor(scope: Construct, id: string, props: SluiceStackProps) {
    super(scope, id, props);
    this.sluice = new Sluice(this, 'Default', { config: props.config, configDir: props.configDir });
  }

  get logBucket(): LogStreamBucket {
    return this.sluice.logBucket;
  }

  get objectQueue(): ObjectQueue {
    return this.sluice.objectQueue;
  }

  get forwarder(): Forwarder {
    return this.sluice.forwarder;
  }

  get ingest(): IngestPipeline | undefined {
    return this.sluice.ingest;
  }

  get monitoring(): Monitoring {
    return this.sluice.monitoring;
  }
}
