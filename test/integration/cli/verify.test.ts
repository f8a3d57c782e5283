import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { loadCliConfig } from '../../../cli/shared/config';
import type { VerifyReport } from '../../../cli/verify/verify';
import { PipelineWorkers } from '../../../cli/worker/pipeline-workers';
import { FORWARDER_METRICS_SERVICE, METRICS_NAMESPACE } from '../../../lambda/forwarder/metrics';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import { createSecret, sluice, startCliStack, workspace, type CliStack } from './helpers';

const TOKEN = 'hec-token-verify';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('sluice verify against moto', () => {
  let stack: CliStack;
  let hec: HecReceiver;
  let dir: string;
  let config: string;

  before(async () => {
    stack = await startCliStack();
    hec = await startHecReceiver({ token: TOKEN });
    const tokenSecretArn = await createSecret(stack.moto.endpoint, 'sluice/hec-verify', TOKEN);
    ({ dir, config } = workspace({
      stackName: stack.stackName,
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn }],
    }));
  });
  after(async () => {
    await hec.close();
    await stack.stop();
  });
  beforeEach(async () => {
    hec.clear();
    await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.deployment.objects.queueUrl }));
  });

  /** The forwarder as `sluice run` runs it, consuming the object queue while verify watches. */
  async function withForwarder<T>(work: () => Promise<T>, onBatch?: () => Promise<void>): Promise<T> {
    const workers = await PipelineWorkers.create({
      aws: stack.aws,
      cli: loadCliConfig(config, dir),
      deployment: stack.deployment,
      destinations: loadCliConfig(config, dir).destinations,
      log: quiet,
      region: 'us-east-1',
      ingest: false,
      settings: {
        batchSize: 10,
        waitSeconds: 1,
        visibilityTimeoutSeconds: 120,
        concurrency: 1,
        invocationTimeoutMs: 120_000,
      },
      onBatch: onBatch ? () => void onBatch() : undefined,
    });
    const running = workers.start();
    try {
      return await work();
    } finally {
      await workers.stop();
      await running;
    }
  }

  const verify = (...args: string[]) =>
    sluice(['verify', '--json', '--config', config, '--settle', '0', ...args], { env: stack.env, cwd: dir });
  /**
   * verify returns as soon as its checks pass: its --timeout is only a guard against hanging, long
   * enough for a worker on a busy machine to drain the queue.
   */
  const CEILING = ['--timeout', '600'];

  it('passes once the canary is forwarded: queue drained, DLQ flat; the vendor test object is never sent', async () => {
    const run = await withForwarder(() => verify('--no-metrics', ...CEILING));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = run.json<VerifyReport>();
    assert.deepEqual(report.checks, {
      queueDrained: 'pass',
      deadLetterQueueFlat: 'pass',
      metricsMoved: 'skipped',
    });
    assert.equal(report.testObject, 'sdm/logs/test');
    assert.match(
      report.canary.key,
      /^sdm\/logs\/sluice-canary\/\d{4}\/\d\d\/\d\d\/\d\d\/\d\d\/sluice-canary-[0-9a-f-]+\.json$/,
    );
    assert.equal(hec.events.length, 1, 'only the canary record reached the SIEM');
    assert.equal(hec.events[0].sourcetype, 'strongdm:sluice-canary');
    assert.equal((hec.events[0].event as { id: string }).id, report.canary.recordId);
  });

  it("waits for the forwarder's CloudWatch metrics when asked", async () => {
    const cloudWatch = stack.aws.cloudWatch;
    // Stands in for CloudWatch turning the Lambda's EMF log lines into metrics.
    const publish = async () => {
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: METRICS_NAMESPACE,
          MetricData: [
            {
              MetricName: 'ObjectsForwarded',
              Value: 1,
              Unit: 'Count',
              Timestamp: new Date(),
              Dimensions: [{ Name: 'service', Value: FORWARDER_METRICS_SERVICE }],
            },
          ],
        }),
      );
    };
    const run = await withForwarder(() => verify(...CEILING), publish);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = run.json<VerifyReport>();
    assert.equal(report.checks.metricsMoved, 'pass');
    assert.ok((report.objectsForwarded ?? 0) >= 1);
  });

  it('fails when nothing consumes the object queue, saying which check did not pass', async () => {
    const run = await verify('--no-metrics', '--timeout', '2');
    assert.equal(run.code, 1);
    const report = run.json<VerifyReport>();
    assert.equal(report.passed, false);
    assert.equal(report.checks.queueDrained, 'fail');
    assert.equal(report.checks.deadLetterQueueFlat, 'pass');
  });

  it('warns before waiting that metrics never move on a local endpoint unless published there', async () => {
    const run = await verify('--timeout', '1');
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /"level":"warn","message":"http:\/\/127\.0\.0\.1:\d+ is not AWS: .*pass --no-metrics/,
    );
    const quiet = await verify('--no-metrics', '--timeout', '1');
    assert.doesNotMatch(quiet.stderr, /is not AWS/);
  });

  it('writes nothing on a dry run', async () => {
    const before = await stack.aws.s3.send(new ListObjectsV2Command({ Bucket: stack.deployment.bucket }));
    const run = await verify('--dry-run', '--log-type', 'activities');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.json<VerifyReport>().canary.key, /^sdm\/logs\/activities\//);
    const after = await stack.aws.s3.send(new ListObjectsV2Command({ Bucket: stack.deployment.bucket }));
    assert.equal(after.KeyCount, before.KeyCount);
    assert.equal(await stack.depth(stack.deployment.objects.queueUrl), 0);
  });
});
