import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SluiceError } from '../../../lambda/core/errors';
import { parseConfig } from '../../../lambda/core/config/load';
import { classifyKey } from '../../../lambda/core/layout/key-layout';
import {
  readRuntimeConfig,
  RUNTIME_CONFIG_ENV,
  RUNTIME_CONFIG_FILE_ENV,
  runtimeConfigOf,
} from '../../../lambda/forwarder/runtime-config';

const strongdm = { name: 'sdm', prefix: 'sdm/logs', preset: 'strongdm' };
const portal = {
  name: 'portal',
  prefix: 'apps/portal',
  principals: ['arn:aws:iam::123456789012:role/portal-log-writer'],
};
const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/${name}-AbCdEf`;

/** What the stack leaves the runtime configuration of the 4 KB environment (lib/forwarder.ts). */
const MAX_RUNTIME_CONFIG_BYTES = 3500;

describe('forwarder runtime configuration with detections', () => {
  it('has no detections and no alerts source without the section', () => {
    const runtime = runtimeConfigOf(parseConfig({ sources: [strongdm] }));
    assert.equal(runtime.detections, undefined);
    assert.deepEqual(
      runtime.sources.map((source) => source.name),
      ['sdm'],
    );
  });

  it('gives the stage its durations in milliseconds, the alerts prefix and the routes', () => {
    const config = parseConfig({
      sources: [strongdm],
      detections: {
        dedupPeriod: '30m',
        lateness: '2d',
        alerts: { prefix: 'sec/alerts' },
        routes: [{ type: 'slack', name: 'secops', secretArn: secret('slack') }],
      },
    });
    const { detections } = runtimeConfigOf(config);
    assert.deepEqual(detections, {
      dedupPeriodMs: 30 * 60_000,
      latenessMs: 2 * 86_400_000,
      alertsPrefix: 'sec/alerts',
      routes: config.detections!.routes,
    });
  });

  it('uses the defaults: one hour of dedup, a day of lateness, alerts under sluice', () => {
    const { detections } = runtimeConfigOf(parseConfig({ sources: [strongdm], detections: {} }));
    assert.deepEqual(detections, {
      dedupPeriodMs: 3_600_000,
      latenessMs: 86_400_000,
      alertsPrefix: 'sluice',
      routes: [],
    });
  });

  it('adds the alerts source after the configured ones, as the forwarder reads it', () => {
    const runtime = runtimeConfigOf(parseConfig({ sources: [strongdm, portal], detections: {} }));
    assert.deepEqual(
      runtime.sources.map((source) => source.name),
      ['sdm', 'portal', 'sluice'],
    );
    const alerts = runtime.sources[2];
    assert.equal(alerts.prefix, 'sluice');
    assert.equal(alerts.format, 'ndjson');
    assert.equal(alerts.timestampField, 'detectedAt');
    assert.deepEqual(alerts.idFieldByLogType, { 'sluice-alerts': 'eventId' });
    assert.equal(alerts.keyLayout, undefined, 'the default layout is left out');
    assert.equal(alerts.preset, undefined);
    // The forwarder tells alert objects from anything else under the prefix (the quarantine).
    const alertKey = classifyKey(
      'sluice/sluice-alerts/2024/02/01/18/00/AbCdEfGhIjKlMnOpQrStUv.json',
      runtime.sources,
    );
    assert.equal(
      alertKey.kind === 'record-object' && `${alertKey.source.name}/${alertKey.logType}`,
      'sluice/sluice-alerts',
    );
    assert.equal(classifyKey('sluice/quarantine/0b1c-0.json', runtime.sources).kind, 'vendor-test');
  });

  it("carries each source's preset, which detection rules bind to (logsource.product)", () => {
    const runtime = runtimeConfigOf(parseConfig({ sources: [strongdm, portal] }));
    assert.equal(runtime.sources[0].preset, 'strongdm');
    assert.equal('preset' in runtime.sources[1], false, 'left out when there is none');
  });

  it('survives the environment: what the stack serializes is what the forwarder reads', () => {
    const runtime = runtimeConfigOf(
      parseConfig({ sources: [strongdm], detections: { routes: [{ type: 'sns' }] } }),
    );
    const read = readRuntimeConfig({ [RUNTIME_CONFIG_ENV]: JSON.stringify(runtime) });
    assert.deepEqual(read, JSON.parse(JSON.stringify(runtime)));
    assert.equal(read.detections?.routes[0].type, 'sns');
  });

  it('is read from the bundled file when the stack left it out of the environment (too large for it)', () => {
    const runtime = runtimeConfigOf(parseConfig({ sources: [strongdm], detections: {} }));
    const path = join(mkdtempSync(join(tmpdir(), 'sluice-runtime-')), 'forwarder-config.json');
    writeFileSync(path, JSON.stringify(runtime));
    assert.deepEqual(
      readRuntimeConfig({ [RUNTIME_CONFIG_FILE_ENV]: path }),
      JSON.parse(JSON.stringify(runtime)),
    );
    // The environment wins: a forwarder deployed with it never reads a file.
    assert.deepEqual(
      readRuntimeConfig({
        [RUNTIME_CONFIG_ENV]: JSON.stringify({ ...runtime, quarantinePrefix: 'q' }),
        [RUNTIME_CONFIG_FILE_ENV]: path,
      }).quarantinePrefix,
      'q',
    );
  });

  it('names the variable and the file when neither holds a configuration', () => {
    const path = join(tmpdir(), 'no-such-dir', 'forwarder-config.json');
    assert.throws(
      () => readRuntimeConfig({ [RUNTIME_CONFIG_FILE_ENV]: path }),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'RUNTIME_CONFIG_MISSING' &&
        error.message.includes(RUNTIME_CONFIG_ENV) &&
        error.message.includes(path),
    );
    const broken = join(mkdtempSync(join(tmpdir(), 'sluice-runtime-')), 'forwarder-config.json');
    writeFileSync(broken, '{"sources":');
    assert.throws(
      () => readRuntimeConfig({ [RUNTIME_CONFIG_FILE_ENV]: broken }),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'RUNTIME_CONFIG_INVALID' &&
        error.message.includes(broken),
    );
  });

  it('fits the environment with two sources, two destinations and four routes', () => {
    const runtime = runtimeConfigOf(
      parseConfig({
        sources: [strongdm, portal],
        destinations: [
          {
            type: 'splunk-hec',
            name: 'splunk',
            url: 'https://splunk.example.com:8088',
            tokenSecretArn: secret('hec-token'),
            index: 'security',
            indexByLogType: { 'sluice-alerts': 'alerts' },
          },
          {
            type: 'elasticsearch',
            name: 'elastic',
            url: 'https://elastic.example.com:9243',
            auth: { type: 'api-key', secretArn: secret('es-key') },
          },
        ],
        detections: {
          routes: [
            { type: 'sns', emails: ['secops@example.com'] },
            { type: 'slack', secretArn: secret('slack') },
            { type: 'pagerduty', secretArn: secret('pagerduty') },
            { type: 'webhook', secretArn: secret('webhook') },
          ],
        },
      }),
    );
    const bytes = Buffer.byteLength(JSON.stringify(runtime));
    assert.ok(bytes <= MAX_RUNTIME_CONFIG_BYTES, `${bytes} bytes`);
  });
});
