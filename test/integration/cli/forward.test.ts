import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  startCollectorReceiver,
  startHecReceiver,
  type CollectorReceiver,
  type HecReceiver,
} from '../../support/receivers';
import {
  activities,
  createSecret,
  sluice,
  startCliStack,
  workspace,
  type CliStack,
  twoCtrlCs,
} from './helpers';

const TOKEN = 'hec-token-forward';

interface ForwardResult {
  objects: { listed: number; forwarded: number; failed: number; skipped: number };
  stats: {
    records: number;
    unreadable: number;
    destinations: Record<string, { delivered: number; quarantined: number; failed: number }>;
  };
  failures: { key: string; code: string; message: string }[];
  quarantine: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('sluice forward (no Lambda) against moto and local receivers', () => {
  let stack: CliStack;
  let hec: HecReceiver;
  let collector: CollectorReceiver;
  let dir: string;
  let config: string;

  before(async () => {
    stack = await startCliStack();
    hec = await startHecReceiver({ token: TOKEN });
    collector = await startCollectorReceiver();
    const tokenSecretArn = await createSecret(stack.moto.endpoint, 'sluice/hec-forward', TOKEN);
    ({ dir, config } = workspace({
      stackName: stack.stackName,
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [
        { type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn },
        { type: 'https', name: 'collector', url: `${collector.url}/ingest`, gzip: false },
        { type: 'file', name: 'archive', path: 'out/archive.ndjson' },
      ],
    }));
    const backfill = join(dir, 'backfill', 'activities', '2024', '02', '01', '18', '50');
    mkdirSync(backfill, { recursive: true });
    writeFileSync(join(backfill, 'one.json'), activities('one', 3));
    writeFileSync(
      join(backfill, 'pretty.json'),
      `${JSON.stringify({ logType: 'activities', id: 'at-pretty-0', timestamp: '2024-02-01T18:50:00Z' }, null, 4)}\n`,
    );
    writeFileSync(join(backfill, 'zipped.json.gz'), gzipSync(activities('zip', 2)));
    writeFileSync(
      join(dir, 'bad-line.json'),
      `${activities('bad', 1)}{"oops": tru\n${activities('bad2', 1)}`,
    );
  });
  after(async () => {
    await Promise.all([hec.close(), collector.close()]);
    await stack.stop();
  });
  beforeEach(() => {
    hec.clear();
    collector.records.length = 0;
  });

  it('forwards a folder of NDJSON, pretty-printed and gzip files to every destination', async () => {
    const run = await sluice(['forward', 'backfill', '--json', '--config', config], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<ForwardResult>();
    assert.deepEqual(report.objects, { listed: 3, forwarded: 3, failed: 0, skipped: 0 });
    assert.equal(report.stats.records, 6);
    for (const name of ['splunk', 'collector', 'archive'])
      assert.equal(report.stats.destinations[name].delivered, 6, name);
    assert.equal(hec.events.length, 6);
    assert.equal(hec.events[0].sourcetype, 'strongdm:activities');
    assert.match(String(hec.events[0].source), /^s3:\/\/local\/backfill\/activities\/2024\/02\/01\/18\/50\//);
    assert.equal(collector.records.length, 6);
    assert.equal(
      readFileSync(join(dir, 'out', 'archive.ndjson'), 'utf8')
        .trimEnd()
        .split('\n').length,
      6,
    );
  });

  it('starts no object after Ctrl-C (exit 1: not every object was forwarded), and a second Ctrl-C exits 130', async () => {
    const ctrlCs = twoCtrlCs();
    const run = await sluice(['forward', 'backfill', '--json', '--config', config], {
      env: stack.env,
      cwd: dir,
      onStopSignal: ctrlCs.onStopSignal,
    });
    assert.equal(ctrlCs.exitCalled(), 'exit(130) called');
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(run.json<ForwardResult>().objects, { listed: 3, forwarded: 0, failed: 0, skipped: 0 });
    assert.equal(hec.events.length, 0);
  });

  it('quarantines an unreadable line in a local folder and sends only to --destination', async () => {
    const run = await sluice(
      [
        'forward',
        'bad-line.json',
        '--destination',
        'splunk',
        '--log-type',
        'activities',
        '--quarantine-dir',
        'q',
        '--json',
        '--config',
        config,
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<ForwardResult>();
    assert.equal(report.stats.unreadable, 1);
    assert.deepEqual(Object.keys(report.stats.destinations), ['splunk']);
    assert.equal(hec.events.length, 2);
    assert.equal(collector.records.length, 0);
    const [quarantined] = walk(join(dir, 'q'));
    const entry = JSON.parse(readFileSync(quarantined, 'utf8')) as {
      code: string;
      key: string;
      offset: number;
    };
    assert.equal(entry.code, 'INVALID_JSON');
    assert.equal(entry.key, 'bad-line.json');
  });

  it('forwards an S3 prefix, skipping the vendor test object; dry run sends nothing', async () => {
    await stack.putObject('sdm/logs/activities/2024/02/01/18/50/s3.json', activities('s3', 4));
    await stack.putObject('sdm/logs/test', '{"logType":"activities"}');
    const dry = await sluice(
      ['forward', `s3://${stack.deployment.bucket}/sdm/logs/`, '--dry-run', '--json', '--config', config],
      { env: stack.env, cwd: dir },
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.json<ForwardResult>().objects, { listed: 2, forwarded: 0, failed: 0, skipped: 1 });
    assert.match(
      dry.json<ForwardResult>().quarantine,
      new RegExp(`^s3://${stack.deployment.bucket}/sluice/quarantine/$`),
      'the real bucket, not a placeholder',
    );
    assert.equal(hec.events.length, 0);

    const run = await sluice(
      [
        'forward',
        `s3://${stack.deployment.bucket}/sdm/logs/`,
        '--destination',
        'splunk',
        '--json',
        '--config',
        config,
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.json<ForwardResult>().objects, { listed: 2, forwarded: 1, failed: 0, skipped: 1 });
    assert.equal(hec.events.length, 4);
    assert.equal(
      hec.events[0].source,
      `s3://${stack.deployment.bucket}/sdm/logs/activities/2024/02/01/18/50/s3.json`,
    );
  });

  it("skips sluice verify's canary objects in an S3 prefix, like the vendor test object", async () => {
    const canary =
      'sdm/logs/activities/2024/03/01/00/00/sluice-canary-0f6c1a52-8d3e-4c47-9f7e-2b1d5e9a4c10.json';
    await stack.putObject(canary, '{"logType":"activities","id":"sluice-canary-x","sluiceCanary":true}\n');
    await stack.putObject('sdm/logs/activities/2024/03/01/00/00/real.json', activities('march', 1));
    const run = await sluice(
      [
        'forward',
        `s3://${stack.deployment.bucket}/sdm/logs/activities/2024/03/`,
        '--destination',
        'splunk',
        '--json',
        '--config',
        config,
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<ForwardResult & { skipped: { key: string; reason: string }[] }>();
    assert.deepEqual(report.objects, { listed: 2, forwarded: 1, failed: 0, skipped: 1 });
    assert.deepEqual(
      report.skipped.map((item) => item.key),
      [canary],
    );
    assert.equal(hec.events.length, 1);
  });

  it('exits 1 and names the object when a destination refuses the token', async () => {
    hec.setToken('rotated-elsewhere');
    try {
      const run = await sluice(
        [
          'forward',
          'backfill/activities/2024/02/01/18/50/one.json',
          '--destination',
          'splunk',
          '--json',
          '--config',
          config,
        ],
        {
          env: stack.env,
          cwd: dir,
        },
      );
      assert.equal(run.code, 1);
      const report = run.json<ForwardResult>();
      assert.equal(report.objects.failed, 1);
      assert.match(report.failures[0].key, /one\.json$/);
      assert.doesNotMatch(run.stdout + run.stderr, new RegExp(TOKEN), 'the token is never printed');
    } finally {
      hec.setToken(TOKEN);
    }
  });

  it('counts each record once when one destination fails on every pass and another delivers', async () => {
    hec.setToken('rotated-elsewhere');
    try {
      const run = await sluice(
        [
          'forward',
          'backfill/activities/2024/02/01/18/50/one.json',
          '--destination',
          'splunk',
          '--destination',
          'archive',
          '--json',
          '--config',
          config,
        ],
        { env: stack.env, cwd: dir },
      );
      assert.equal(run.code, 1, run.stderr);
      const report = run.json<ForwardResult>();
      assert.equal(report.stats.records, 3, 'a 3-record file read on two passes is 3 records');
      assert.equal(report.stats.destinations.archive.delivered, 3);
      assert.equal(report.stats.destinations.splunk.failed, 3, 'the records splunk never received');
      assert.match(run.stdout, /"records": ?3/);
    } finally {
      hec.setToken(TOKEN);
    }
  });

  it('names the cause when Secrets Manager cannot be reached, never the secret', async () => {
    const closed = 'http://127.0.0.1:9'; // discard port: nothing listens on loopback
    const run = await sluice(
      [
        'forward',
        'backfill/activities/2024/02/01/18/50/one.json',
        '--destination',
        'splunk',
        '--endpoint-url',
        closed,
        '--config',
        config,
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stdout,
      /failed: .*one\.json: .*cannot read secret arn:aws:secretsmanager:.*ECONNREFUSED/,
    );
    assert.doesNotMatch(run.stdout, /: Error$/m, 'not a bare error class name');
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(TOKEN));
  });
});
