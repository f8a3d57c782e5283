import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseConfig } from '../../lambda/core/config/load';
import type { SluiceConfigInput } from '../../lambda/core/config/schema';
import { createHandler, type HandlerHooks } from '../../lambda/forwarder/handler';
import { RUNTIME_CONFIG_ENV, runtimeConfigOf } from '../../lambda/forwarder/runtime-config';
import { drain } from './event-source';
import { motoClientConfig, startMoto, type MotoServer } from './moto';

export const BUCKET = 'acme-audit-logs';
export const HEC_TOKEN = 'hec-token-0123456789';
export const ES_API_KEY = 'ZXMta2V5OnNlY3JldA==';

/**
 * The forwarder configuration most integration tests use: StrongDM objects to a Splunk HEC receiver
 * (index `security`) and an Elasticsearch `_bulk` receiver, with the pipeline's secrets.
 */
export function splunkAndElastic(
  pipeline: Pick<Pipeline, 'secretArns'>,
  urls: { readonly hec: string; readonly bulk: string },
  extra: { readonly hec?: object; readonly es?: object } = {},
): SluiceConfigInput {
  return {
    sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
    destinations: [
      {
        type: 'splunk-hec',
        name: 'splunk',
        url: urls.hec,
        tokenSecretArn: pipeline.secretArns.hec,
        index: 'security',
        ...extra.hec,
      },
      {
        type: 'elasticsearch',
        name: 'elastic',
        url: urls.bulk,
        auth: { type: 'api-key', secretArn: pipeline.secretArns.es },
        ...extra.es,
      },
    ],
  } as SluiceConfigInput;
}

export interface Pipeline {
  readonly moto: MotoServer;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly secrets: SecretsManagerClient;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** ARNs of the secrets created in moto, by name (`hec`, `es`). */
  readonly secretArns: Readonly<Record<string, string>>;
  /**
   * A forwarder handler for `config` (the destinations may reference `secretArns`); `env` adds to or
   * overrides the forwarder's environment (e.g. the detections table); `hooks` observe it (e.g. the
   * sinks' warnings). Default: none.
   */
  handlerFor(
    config: unknown,
    env?: Readonly<Record<string, string>>,
    hooks?: HandlerHooks,
  ): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  putObject(key: string, body: string | Uint8Array): Promise<void>;
  /** Runs the forwarder over the object queue until it is empty (like Lambda's event source mapping). */
  drain(
    handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
    options?: { maxPolls?: number; remainingMs?: number },
  ): ReturnType<typeof drain>;
  purge(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The deployed shape of sluice, on moto: a versioned bucket whose ObjectCreated notifications for
 * `prefixes` reach an object queue with a DLQ after `maxReceiveCount` receives, and the destination
 * secrets in Secrets Manager.
 */
export async function startPipeline(
  options: {
    prefixes?: readonly string[];
    /** Notification filters used as they are (a bucket-root source's `0`…`9`); replaces `prefixes`. */
    keyPrefixes?: readonly string[];
    maxReceiveCount?: number;
  } = {},
): Promise<Pipeline> {
  const moto = await startMoto();
  const clientConfig = motoClientConfig(moto.endpoint);
  const s3 = new S3Client(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const secrets = new SecretsManagerClient(clientConfig);

  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'objects-dlq' }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'objects',
      Attributes: {
        VisibilityTimeout: '60',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount ?? 5,
        }),
      },
    }),
  );
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;

  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: {
        QueueConfigurations: (
          options.keyPrefixes ?? (options.prefixes ?? ['sdm/logs']).map((prefix) => `${prefix}/`)
        ).map((prefix) => ({
          QueueArn: queueArn,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
        })),
      },
    }),
  );
  const secretArns: Record<string, string> = {};
  for (const [name, value] of Object.entries({ hec: HEC_TOKEN, es: ES_API_KEY })) {
    const created = await secrets.send(
      new CreateSecretCommand({ Name: `sluice/${name}`, SecretString: value }),
    );
    secretArns[name] = created.ARN!;
  }

  const pipeline: Pipeline = {
    moto,
    s3,
    sqs,
    secrets,
    queueUrl: queue.QueueUrl!,
    deadLetterQueueUrl: dlq.QueueUrl!,
    secretArns,
    handlerFor: (config, env = {}, hooks = {}) =>
      createHandler(
        {
          ...process.env,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          SLUICE_S3_FORCE_PATH_STYLE: 'true',
          [RUNTIME_CONFIG_ENV]: JSON.stringify(runtimeConfigOf(parseConfig(config))),
          SLUICE_BUCKET: BUCKET,
          SLUICE_OBJECT_QUEUE_URL: queue.QueueUrl!,
          ...env,
        },
        hooks,
      ),
    putObject: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    },
    drain: (handler, drainOptions) => drain(sqs, queue.QueueUrl!, handler, drainOptions),
    purge: async () => {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: queue.QueueUrl }));
      await sqs.send(new PurgeQueueCommand({ QueueUrl: dlq.QueueUrl }));
    },
    stop: async () => {
      s3.destroy();
      sqs.destroy();
      secrets.destroy();
      await moto.stop();
    },
  };
  return pipeline;
}
