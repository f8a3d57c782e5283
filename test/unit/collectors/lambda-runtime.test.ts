import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fetchDeadline, leaseMsFor } from '../../../lambda/collector/budget';
import {
  COLLECTOR_METRICS,
  CollectorMetrics,
  newestEventAgeSeconds,
} from '../../../lambda/collector/metrics';
import {
  COLLECTOR_CONFIG_ENV,
  COLLECTOR_CONFIG_FILE_ENV,
  collectorRuntimeConfigOf,
  readCollectorRuntimeConfig,
} from '../../../lambda/collector/runtime-config';
import { parseConfig } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';
import { rateExpression } from '../../../lib/collectors/collector-function';
import { emfOf } from '../../support/emf';

const CONFIG = parseConfig({
  sources: [{ name: 'cirrus', prefix: '/cirrus/siem/' }],
  collectors: [
    {
      type: 'cirrus-siem',
      name: 'cirrus-main',
      source: 'cirrus',
      logType: 'siem',
      credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cirrus-AbCdEf',
    },
  ],
});

const codeOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SluiceError, String(error));
    return error.code;
  }
  assert.fail('no error');
};

describe("a collector function's runtime configuration", () => {
  it("holds the collector and its source's normalized prefix, and reads back as written", () => {
    const runtime = collectorRuntimeConfigOf(CONFIG, 'cirrus-main');
    assert.equal(runtime.prefix, 'cirrus/siem');
    const env = { [COLLECTOR_CONFIG_ENV]: JSON.stringify(runtime) };
    assert.deepEqual(readCollectorRuntimeConfig(env), runtime);
  });

  it('is read from the bundled file when the stack left it out of the environment (too large for it)', () => {
    const runtime = collectorRuntimeConfigOf(CONFIG, 'cirrus-main');
    const path = join(mkdtempSync(join(tmpdir(), 'sluice-collector-')), 'collector-config.json');
    writeFileSync(path, JSON.stringify(runtime));
    assert.deepEqual(readCollectorRuntimeConfig({ [COLLECTOR_CONFIG_FILE_ENV]: path }), runtime);
    // The environment wins: a collector deployed with it never reads a file.
    const inEnvironment = { ...runtime, prefix: 'elsewhere' };
    assert.equal(
      readCollectorRuntimeConfig({
        [COLLECTOR_CONFIG_ENV]: JSON.stringify(inEnvironment),
        [COLLECTOR_CONFIG_FILE_ENV]: path,
      }).prefix,
      'elsewhere',
    );
  });

  it('names the variable and the file when neither holds a configuration, and the file when it is not one', () => {
    const missing = join(tmpdir(), 'no-such-dir', 'collector-config.json');
    assert.throws(
      () => readCollectorRuntimeConfig({ [COLLECTOR_CONFIG_FILE_ENV]: missing }),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'RUNTIME_CONFIG_MISSING' &&
        error.message.includes(COLLECTOR_CONFIG_ENV) &&
        error.message.includes(missing) &&
        error.message.includes('deploy the collector'),
    );
    const broken = join(mkdtempSync(join(tmpdir(), 'sluice-collector-')), 'collector-config.json');
    writeFileSync(broken, JSON.stringify({ prefix: 'p' }));
    assert.throws(
      () => readCollectorRuntimeConfig({ [COLLECTOR_CONFIG_FILE_ENV]: broken }),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'RUNTIME_CONFIG_INVALID' &&
        error.message.startsWith(`${broken} is not a collector's configuration`),
    );
  });

  it('names the collectors there are when asked for one that is not configured', () => {
    assert.throws(() => collectorRuntimeConfigOf(CONFIG, 'cirus'), /Fix: use one of cirrus-main/);
  });

  it('refuses a missing, non-JSON or wrong configuration with a stable code', () => {
    assert.equal(
      codeOf(() => readCollectorRuntimeConfig({})),
      'RUNTIME_CONFIG_MISSING',
    );
    assert.equal(
      codeOf(() => readCollectorRuntimeConfig({ [COLLECTOR_CONFIG_ENV]: '{' })),
      'RUNTIME_CONFIG_INVALID',
    );
    const wrong = { ...collectorRuntimeConfigOf(CONFIG, 'cirrus-main'), prefix: '' };
    assert.equal(
      codeOf(() => readCollectorRuntimeConfig({ [COLLECTOR_CONFIG_ENV]: JSON.stringify(wrong) })),
      'RUNTIME_CONFIG_INVALID',
    );
  });
});

describe("a run's time budget", () => {
  it('stops fetching a fifth of the time before the end, at least 5 s and at most 60 s', () => {
    assert.equal(fetchDeadline(1_000, 300_000), 1_000 + 240_000);
    assert.equal(fetchDeadline(0, 900_000), 900_000 - 60_000);
    assert.equal(fetchDeadline(0, 10_000), 5_000);
    assert.equal(fetchDeadline(0, 3_000), 0, 'nothing left: fetch nothing');
  });

  it('holds the lease longer than the run may last', () => {
    assert.ok(leaseMsFor(300) > 300_000);
  });
});

describe('the schedule', () => {
  it('writes EventBridge Scheduler rates, singular for one unit', () => {
    assert.equal(rateExpression(1), 'rate(1 minute)');
    assert.equal(rateExpression(5), 'rate(5 minutes)');
    assert.equal(rateExpression(60), 'rate(1 hour)');
    assert.equal(rateExpression(90), 'rate(90 minutes)');
    assert.equal(rateExpression(1440), 'rate(24 hours)');
  });
});

describe('the metrics a run publishes (what the alarms key on)', () => {
  const now = Date.parse('2024-05-08T12:00:00Z');

  it('counts a failed run and the age of the newest event, per collector', () => {
    const metrics = new CollectorMetrics('cirrus-main');
    metrics.pageFetched();
    metrics.pageFetched();
    const [line] = emfOf(() =>
      metrics.publish(
        {
          status: 'failed',
          recordsWritten: 3,
          objectsWritten: 1,
          code: 'COLLECTOR_AUTH_FAILED',
          newestEventAt: '2024-05-08T11:00:00Z',
        },
        now,
      ),
    );
    assert.equal(line.service, 'collector');
    assert.equal(line.collector, 'cirrus-main');
    assert.equal(line[COLLECTOR_METRICS.runsFailed], 1);
    assert.equal(line[COLLECTOR_METRICS.runsPaused], 0);
    assert.equal(line[COLLECTOR_METRICS.recordsWritten], 3);
    assert.equal(line[COLLECTOR_METRICS.pagesFetched], 2);
    assert.equal(line[COLLECTOR_METRICS.newestEventAge], 3600);
    const [directive] = (line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] })
      .CloudWatchMetrics;
    assert.equal(directive.Namespace, 'Sluice');
    assert.deepEqual(directive.Dimensions[0].sort(), ['collector', 'service']);
  });

  it('reports an event stamped in the future as its skew, apart from the age', () => {
    const [line] = emfOf(() =>
      new CollectorMetrics('cirrus-main').publish(
        {
          status: 'caught-up',
          recordsWritten: 1,
          objectsWritten: 1,
          newestEventAt: new Date(now).toISOString(),
          futureSkewMs: 90_400,
        },
        now,
      ),
    );
    assert.equal(line[COLLECTOR_METRICS.futureEventSkew], 90);
    assert.equal(line[COLLECTOR_METRICS.newestEventAge], 0);
    const [plain] = emfOf(() =>
      new CollectorMetrics('cirrus-main').publish(
        { status: 'caught-up', recordsWritten: 0, objectsWritten: 0 },
        now,
      ),
    );
    assert.equal(plain[COLLECTOR_METRICS.futureEventSkew], undefined, 'no skew, no metric');
  });

  it('reports no age before the first event', () => {
    assert.equal(
      newestEventAgeSeconds({ status: 'caught-up', recordsWritten: 0, objectsWritten: 0 }, now),
      undefined,
    );
    const [line] = emfOf(() =>
      new CollectorMetrics('quiet').publish(
        { status: 'caught-up', recordsWritten: 0, objectsWritten: 0 },
        now,
      ),
    );
    assert.equal(line[COLLECTOR_METRICS.newestEventAge], undefined);
    assert.equal(line[COLLECTOR_METRICS.runsFailed], 0);
  });
});
