import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { handlerBundling, sluiceEnvironment, sluiceHandler } from '../handler-location';

export interface IngestFunctionProps {
  /** Folder under `lambda/` holding `handler.ts`. */
  readonly handlerFolder: 'ingest-batcher' | 'ingest-endpoint';
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  readonly reservedConcurrency?: number;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * A Node.js 22 arm64 function bundled locally with esbuild (minified, source maps, dependencies
 * pinned in the bundle), with its own log group and a role that can only write to that log group
 * until the caller grants more.
 */
export class IngestFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      ...sluiceHandler(props.handlerFolder),
      description: props.description,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        ...sluiceEnvironment(props.handlerFolder),
        ...props.environment,
      },
      bundling: handlerBundling(),
    });
  }
}
