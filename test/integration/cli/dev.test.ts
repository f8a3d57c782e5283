import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import type { DevSummary } from '../../../cli/dev/dev-pipeline';
import { workspace } from './helpers';

const REPO = join(__dirname, '..', '..', '..');

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n');
}

describe('npm start: the local pipeline, run to completion', () => {
  it("starts moto, writes StrongDM samples and app events, collects from the demo API, batches and forwards them all, raises the rule pack's alerts, and stops moto", async () => {
    const local = JSON.parse(readFileSync(join(REPO, 'examples', 'local.json'), 'utf8')) as {
      destinations: { path: string }[];
    };
    // The shipped dev configuration, with its output files in a temporary folder (npm runs in the repo).
    const { dir, config } = workspace({});
    writeFileSync(
      config,
      JSON.stringify({
        ...local,
        destinations: local.destinations.map((destination) => ({
          ...destination,
          path: join(dir, basename(destination.path)),
        })),
      }),
    );
    const child = spawn(
      'npm',
      [
        'start',
        '--silent',
        '--',
        '--once',
        '--json',
        '--config',
        config,
        '--objects',
        '4',
        '--records',
        '3',
        '--events',
        '12',
        '--seed',
        '7',
      ],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      // A guard against hanging only: the run ends by itself once its events are forwarded.
      const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout) as DevSummary;

    assert.equal(summary.complete, true);
    assert.equal(summary.startedMoto, true);
    assert.deepEqual(summary.written, {
      objects: 4,
      records: 12,
      bytes: summary.written.bytes,
      vendorTestObjects: 1,
      ingestEvents: 12,
    });
    assert.ok(summary.written.bytes > 0);
    // Every app event was batched into the layout (at least once: SQS may hand a message out twice).
    const batched = summary.batcher!.eventsWritten;
    assert.ok(batched >= 12, `${batched} events batched`);
    // The demo collector pulled every event of the local Cirrus-like API into the bucket.
    const collected = summary.collected!;
    assert.equal(collected.apiEvents, 10);
    assert.equal(collected.eventsWritten, 10);
    // The StrongDM pack raised the samples' two incidents, each written once to the alerts folder: one
    // alert per rule and hour. Seed 7's random activities hold three more role grants, one beside the
    // incident and two in the last activities object, three minutes later: they join the incident's
    // alert, or open a second one when an hour began between the two objects (the samples end at the
    // moment of the run, so a run in the first minutes of an hour sees two).
    const alerts = summary.alerts!;
    const ofRule = (rule: string) => alerts.filter((alert) => alert.rule === rule);
    assert.deepEqual(
      ofRule('sdm_destructive_sql_prod').map((alert) => [alert.level, alert.count]),
      [['high', 1]],
    );
    const grants = ofRule('sdm_role_or_permission_grant');
    const hours = grants.map((alert) => alert.period.start);
    assert.ok(grants.length >= 1 && grants.length <= 2, hours.join(', '));
    assert.equal(new Set(hours).size, grants.length, `one alert per hour: ${hours.join(', ')}`);
    for (const alert of grants) {
      assert.equal(alert.level, 'medium');
      assert.equal(Date.parse(alert.period.end) - Date.parse(alert.period.start), 3_600_000);
    }
    for (const alert of alerts)
      assert.match(
        alert.object,
        /^s3:\/\/sluice-dev-logs\/sluice\/sluice-alerts\/\d{4}(\/\d\d){4}\/[\w-]{22}\.json$/,
      );
    const alertObjects = alerts.reduce((sum, alert) => sum + alert.events, 0);
    // The forwarder read the vendor's objects, the batcher's, the collector's and the alert objects, and
    // nothing else (the vendor test object is skipped).
    assert.equal(
      summary.forwarded.objects,
      4 + summary.batcher!.objectsWritten + collected.objectsWritten + alertObjects,
    );
    const records = 12 + batched + collected.eventsWritten + alertObjects;
    assert.equal(summary.forwarded.records, records);
    assert.deepEqual(Object.keys(summary.forwarded.destinations), [
      'splunk-file',
      'elastic-file',
      'detections',
    ]);
    for (const [name, stats] of Object.entries(summary.forwarded.destinations)) {
      assert.deepEqual(stats, { delivered: records, quarantined: 0, failed: 0 }, name);
    }
    assert.deepEqual(summary.deadLetters, { object: 0, ingest: 0 });

    // What each file destination wrote is what the summary counted.
    const [hec, bulk] = summary.outputs;
    assert.equal(hec.format, 'splunk-hec');
    const events = lines(hec.path).map((line) => JSON.parse(line) as { sourcetype: string });
    assert.equal(events.length, records);
    assert.deepEqual(
      new Set(events.map((event) => event.sourcetype)),
      new Set([
        'strongdm:activities',
        'strongdm:queries',
        'strongdm:replays',
        'apps:auth',
        'apps:orders',
        'cirrus-demo:siem',
        'sluice:sluice-alerts',
      ]),
    );
    const rules = events
      .filter((event) => event.sourcetype === 'sluice:sluice-alerts')
      .map((event) => (event as unknown as { event: { rule: { name: string } } }).event.rule.name);
    assert.ok(rules.includes('sdm_destructive_sql_prod') && rules.includes('sdm_role_or_permission_grant'));
    assert.equal(lines(bulk.path).length, 2 * records, 'an action and a source line per record');

    // moto was stopped: its endpoint no longer answers.
    await assert.rejects(fetch(`${summary.endpoint}/moto-api/`));
  });
});

describe('sluice dev: Ctrl-C', () => {
  it('drains, prints the summary and stops moto when the terminal sends SIGINT to the process group', async () => {
    const { dir } = workspace({});
    const child = spawn(
      process.execPath,
      [
        join(REPO, 'bin', 'sluice.mjs'),
        'dev',
        '--json',
        '--objects',
        '80',
        '--records',
        '5',
        '--events',
        '0',
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          // Run from the sources (no up-to-date build), tsx compiles each module on first import, in an
          // esbuild process of the same group; with a cache of its own, the modules the pipeline loads
          // after 'created bucket' are compiled after the Ctrl-C, as on a fresh checkout.
          TMPDIR: dir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, like a shell job: the test plays the terminal's Ctrl-C to the whole group.
        detached: true,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close', not 'exit': the process may have exited before the parent has read all its stdout.
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 600_000);
    try {
      const giveUpAt = Date.now() + 300_000;
      while (!stderr.includes('created bucket') && Date.now() < giveUpAt && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(stderr, /created bucket/);
      process.kill(-child.pid!, 'SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      clearTimeout(killer);
    }
    const summary = JSON.parse(stdout) as DevSummary;
    assert.equal(summary.stoppedBy, 'signal');
    assert.equal(summary.complete, false);
    assert.ok(summary.forwarded.records <= summary.written.records);
    await assert.rejects(fetch(`${summary.endpoint}/moto-api/`), 'moto was stopped with it');
  });
});
