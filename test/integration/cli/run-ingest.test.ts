import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { parseConfig } from '../../../lambda/core/config/load';
import { sendMessages, sluice, startCliStack, workspace, type CliStack } from './helpers';
import { waitFor } from '../../support/wait-for';

const EVENTS = 5_000;
/** Events per ingest message, as the HTTPS endpoint packs a producer's request. */
const EVENTS_PER_MESSAGE = 10;
const MESSAGES = EVENTS / EVENTS_PER_MESSAGE;
/** The ingest source's batch size (the deployed event source mapping's). */
const BATCH_SIZE = 100;
const SOURCES = [
  { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
  {
    name: 'apps',
    prefix: 'apps/logs',
    ingest: { defaultLogType: 'app', endpoint: { enabled: false }, batchSize: BATCH_SIZE },
  },
];

describe('sluice run --ingest: the batcher gathers its batches like its event source mapping', () => {
  let stack: CliStack;

  before(async () => {
    stack = await startCliStack();
  });
  after(() => stack.stop());

  const keysUnder = async (prefix: string): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await stack.aws.s3.send(
        new ListObjectsV2Command({
          Bucket: stack.deployment.bucket,
          Prefix: prefix,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  };

  it('writes 5,000 events as objects of a configured batch size of messages, not of one receive', async () => {
    const ingestQueue = stack.deployment.ingest!.queueUrl;
    await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: ingestQueue }));
    const { dir, config } = workspace({
      stackName: stack.stackName,
      sources: SOURCES,
      destinations: [{ type: 'file', name: 'archive', path: 'out/archive.ndjson' }],
    });
    const { maxEntriesPerObject } = parseConfig({ sources: SOURCES }).sources[1].ingest!;
    await sendMessages(
      stack.aws.sqs,
      ingestQueue,
      Array.from({ length: MESSAGES }, (_, m) => ({
        body: Array.from({ length: EVENTS_PER_MESSAGE }, (_, n) =>
          JSON.stringify({ message: 'signed in', n: m * EVENTS_PER_MESSAGE + n }),
        ).join('\n'),
      })),
    );

    let stop: ((signal: NodeJS.Signals) => void) | undefined;
    const running = sluice(
      // A window longer than any gathering here: batches end at the batch size, not at a clock.
      [
        'run',
        '--ingest',
        '--json',
        '--config',
        config,
        '--wait-seconds',
        '1',
        '--ingest-batching-window',
        '300',
      ],
      {
        env: stack.env,
        cwd: dir,
        onStopSignal: (handler) => {
          stop = handler;
          return () => undefined;
        },
      },
    );
    await waitFor(
      async () => stop !== undefined && (await stack.depth(ingestQueue)) === 0,
      240_000,
      'the batcher to take every ingest message',
    );
    stop!('SIGTERM');
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<{ batcher: { objectsWritten: number; eventsWritten: number } }>();

    const keys = await keysUnder('apps/logs/');
    let lines = 0;
    for (const key of keys) {
      const object = await stack.aws.s3.send(
        new GetObjectCommand({ Bucket: stack.deployment.bucket, Key: key }),
      );
      lines += (await object.Body!.transformToString()).split('\n').filter(Boolean).length;
    }
    assert.equal(lines, EVENTS, 'every event written once');
    assert.deepEqual(report.batcher, { objectsWritten: keys.length, eventsWritten: EVENTS });
    // The batch size comes from the configuration (no flag); the window never closes first here.
    const bound =
      Math.ceil(MESSAGES / BATCH_SIZE) * Math.ceil((BATCH_SIZE * EVENTS_PER_MESSAGE) / maxEntriesPerObject);
    assert.ok(keys.length <= bound, `${keys.length} objects for ${EVENTS} events (at most ${bound})`);
  });
});
