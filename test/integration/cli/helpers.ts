import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseConfig } from '../../../lambda/core/config/load';
import { AwsClients, awsSettings } from '../../../cli/aws/clients';
import type { Deployment } from '../../../cli/aws/deployment';
import { queueDepth } from '../../../cli/aws/queues';
import { createLocalStack } from '../../../cli/dev/local-stack';
import { runCli } from '../../../cli/main';
import type { CliIo } from '../../../cli/shared/io';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';

/** Captured output of one in-process CLI run. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

/** The environment the CLI sees: moto's endpoint and test credentials, nothing from the real one. */
export function motoEnv(endpoint: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/** Runs `sluice <args>` in this process, as a script would (not at a terminal). */
export async function sluice(
  args: readonly string[],
  options: {
    env: NodeJS.ProcessEnv;
    cwd: string;
    onStopSignal?: CliIo['onStopSignal'];
    /** Answers a command's yes/no question, as a person at a terminal would; absent: no terminal. */
    confirm?: CliIo['confirm'];
  },
): Promise<CliRun> {
  const out = capture();
  const err = capture();
  const io: CliIo = {
    stdout: out.stream,
    stderr: err.stream,
    env: options.env,
    cwd: options.cwd,
    interactive: false,
    onStopSignal: options.onStopSignal ?? (() => () => undefined),
    ...(options.confirm ? { confirm: options.confirm } : {}),
    exit: (code) => {
      throw new Error(`exit(${code}) called`);
    },
  };
  const code = await runCli(args, io);
  return {
    code,
    stdout: out.text(),
    stderr: err.text(),
    json<T>() {
      try {
        return JSON.parse(out.text()) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${out.text()}\nstderr:\n${err.text()}`);
      }
    },
  };
}

/** A fresh temporary folder with a config file in it. */
export function workspace(config: unknown): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
  const path = join(dir, 'sluice.config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { dir, config: path };
}

export async function createSecret(endpoint: string, name: string, value: string): Promise<string> {
  const client = new SecretsManagerClient(motoClientConfig(endpoint));
  try {
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    return created.ARN!;
  } finally {
    client.destroy();
  }
}

/** Every message of a queue, received with a short visibility (bounded: stops after two empty receives). */
export async function drainMessages(sqs: SQSClient, queueUrl: string, maxRounds = 50): Promise<Message[]> {
  const messages: Message[] = [];
  let empty = 0;
  for (let round = 0; round < maxRounds && empty < 2; round += 1) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 300,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (!Messages?.length) empty += 1;
    else {
      empty = 0;
      messages.push(...Messages);
    }
  }
  return messages;
}

export async function sendMessages(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly { body: string; attributes?: Record<string, string> }[],
): Promise<void> {
  for (let index = 0; index < bodies.length; index += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(index, index + 10).map((entry, n) => ({
          Id: String(n),
          MessageBody: entry.body,
          MessageAttributes: entry.attributes
            ? Object.fromEntries(
                Object.entries(entry.attributes).map(([name, value]) => [
                  name,
                  { DataType: 'String', StringValue: value },
                ]),
              )
            : undefined,
        })),
      }),
    );
  }
}

/** NDJSON of StrongDM-like activity records with ids `at-<tag>-<n>`. */
export function activities(tag: string, count: number, timestamp = '2024-02-01T18:50:04.782960647Z'): string {
  return (
    Array.from({ length: count }, (_, n) =>
      JSON.stringify({
        formatVersion: 'v1.0.0',
        id: `at-${tag}-${n}`,
        logType: 'activities',
        activity: 'user logged into the Admin UI',
        timestamp,
      }),
    ).join('\n') + '\n'
  );
}

/** A sluice deployment on its own moto: what `cdk deploy` creates, found by stack outputs. */
export interface CliStack {
  readonly moto: MotoServer;
  readonly aws: AwsClients;
  readonly deployment: Deployment;
  readonly env: NodeJS.ProcessEnv;
  readonly stackName: string;
  putObject(key: string, body: string | Uint8Array): Promise<void>;
  depth(queueUrl: string): Promise<number>;
  stop(): Promise<void>;
}

export const TEST_SOURCES = [
  { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
  { name: 'apps', prefix: 'apps/logs', ingest: { defaultLogType: 'app', endpoint: { enabled: false } } },
];

export async function startCliStack(
  options: { stackName?: string; maxReceiveCount?: number; bucket?: string } = {},
): Promise<CliStack> {
  const moto = await startMoto();
  const env = motoEnv(moto.endpoint);
  const aws = new AwsClients(awsSettings(env));
  const stackName = options.stackName ?? 'SluiceTest';
  const config = parseConfig({
    stackName,
    sources: TEST_SOURCES,
    forwarder: { maxReceiveCount: options.maxReceiveCount ?? 5 },
  });
  const bucket = options.bucket ?? 'acme-audit-logs';
  const deployment = await createLocalStack(aws, config, { bucket, region: 'us-east-1' });
  return {
    moto,
    aws,
    deployment,
    env,
    stackName,
    putObject: async (key, body) => {
      await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    depth: async (queueUrl) => {
      const depth = await queueDepth(aws.sqs, queueUrl);
      return depth.visible + depth.inFlight + depth.delayed;
    },
    stop: async () => {
      aws.destroy();
      await moto.stop();
    },
  };
}

/**
 * Two Ctrl-Cs as soon as the command listens: the first asks it to stop, the second would end the
 * process (exit 130), which the test's io records instead. `exitCalled()`: what the second did.
 */
export function twoCtrlCs(): { onStopSignal: CliIo['onStopSignal']; exitCalled(): string | undefined } {
  let exitMessage: string | undefined;
  return {
    onStopSignal: (handler) => {
      handler('SIGINT');
      try {
        handler('SIGINT');
      } catch (error) {
        exitMessage = (error as Error).message;
      }
      return () => undefined;
    },
    exitCalled: () => exitMessage,
  };
}
