import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { parseConfig } from '../../../lambda/core/config/load';
import { createHandler } from '../../../lambda/forwarder/handler';
import { RUNTIME_CONFIG_ENV, runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import { AwsClients, awsSettings } from '../../../cli/aws/clients';
import type { Deployment } from '../../../cli/aws/deployment';
import { createLocalStack } from '../../../cli/dev/local-stack';
import type { ReplayReport } from '../../../cli/replay/replay';
import { newestInSource } from '../../../cli/status/layout-walk';
import { drain } from '../../support/event-source';
import { startMoto, type MotoServer } from '../../support/moto';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import { createSecret, drainMessages, motoEnv, sluice, workspace } from './helpers';

const TOKEN = 'hec-token-replay-layouts';
const BUCKET = 'acme-audit-logs';
const TRAIL = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail';
const SOURCES = [
  { name: 'cloudtrail', prefix: 'cloudtrail', preset: 'cloudtrail', trailArns: [TRAIL] },
  { name: 'cf-http', prefix: 'cloudflare/http', preset: 'cloudflare-logpush', logType: 'http_requests' },
  {
    name: 'github',
    prefix: '',
    preset: 'github-enterprise',
    principals: ['arn:aws:iam::111122223333:role/github-audit-log-streaming'],
  },
];

const trailFile = (account: string, region: string, at: string) => {
  const [date, time] = [at.slice(0, 8), at.slice(9, 13)];
  const folder = `${date.slice(0, 4)}/${date.slice(4, 6)}/${date.slice(6, 8)}`;
  return `cloudtrail/AWSLogs/${account}/CloudTrail/${region}/${folder}/${account}_CloudTrail_${region}_${date}T${time}Z_Ab12Cd34Ef56Gh78.json.gz`;
};
/** Delivered (named) from 18:50 to 19:59 on 2024-02-01, by two accounts in two regions. */
const IN_RANGE = [
  trailFile('111122223333', 'eu-west-1', '20240201T1850'),
  trailFile('111122223333', 'us-east-1', '20240201T1959'),
  trailFile('444455556666', 'eu-west-1', '20240201T1905'),
];
const OUT_OF_RANGE = [
  trailFile('111122223333', 'eu-west-1', '20240201T1849'),
  trailFile('111122223333', 'eu-west-1', '20240201T2000'),
  trailFile('444455556666', 'eu-west-1', '20240202T0010'),
];
const DIGEST =
  'cloudtrail/AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/02/01/111122223333_CloudTrail-Digest_eu-west-1_org-trail_eu-west-1_20240201T185131Z.json.gz';
const RANGE = ['--from', '2024-02-01T18:50Z', '--to', '2024-02-01T20:00Z'];

/** A CloudTrail log file whose records carry ids unique to the object. */
function trailDocument(tag: string): Buffer {
  const { Records } = JSON.parse(
    readFileSync(join(__dirname, '../../fixtures/records/cloudtrail-log-file.json'), 'utf8'),
  ) as { Records: { eventID: string }[] };
  return gzipSync(
    JSON.stringify({
      Records: Records.map((record) => ({ ...record, eventID: `${tag}-${record.eventID}` })),
    }),
  );
}

describe('sluice replay and status by key layout (CloudTrail, Cloudflare, GitHub) against moto', () => {
  let moto: MotoServer;
  let aws: AwsClients;
  let deployment: Deployment;
  let env: NodeJS.ProcessEnv;
  let hec: HecReceiver;
  let dir: string;
  let config: string;
  let configValue: unknown;

  const put = (key: string, body: string | Uint8Array) =>
    aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

  before(async () => {
    moto = await startMoto();
    env = motoEnv(moto.endpoint);
    aws = new AwsClients(awsSettings(env));
    hec = await startHecReceiver({ token: TOKEN });
    const tokenSecretArn = await createSecret(moto.endpoint, 'sluice/hec', TOKEN);
    configValue = {
      stackName: 'SluiceLayouts',
      sources: SOURCES,
      destinations: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn, gzip: false }],
    };
    deployment = await createLocalStack(aws, parseConfig(configValue), {
      bucket: BUCKET,
      region: 'us-east-1',
    });
    ({ dir, config } = workspace(configValue));
    for (const [index, key] of [...IN_RANGE, ...OUT_OF_RANGE].entries())
      await put(key, trailDocument(`o${index}`));
    await put(DIGEST, gzipSync('{"awsAccountId":"111122223333","logFiles":[]}'));
  });
  after(async () => {
    await hec.close();
    aws.destroy();
    await moto.stop();
  });
  beforeEach(async () => {
    hec.clear();
    await aws.sqs.send(new PurgeQueueCommand({ QueueUrl: deployment.objects.queueUrl }));
  });

  const replay = (source: string, ...args: string[]) =>
    sluice(['replay', '--json', '--config', config, '--source', source, ...args], { env, cwd: dir });

  const keysOf = (messages: { Body?: string }[]) =>
    messages.map((message) =>
      decodeURIComponent(
        (JSON.parse(message.Body!) as { Records: { s3: { object: { key: string } } }[] }).Records[0].s3.object
          .key,
      ),
    );

  it('lists the day folders of every account and region, and replays the files delivered in the range', async () => {
    const dry = await replay('cloudtrail', ...RANGE, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    const report = dry.json<ReplayReport>();
    assert.deepEqual(
      {
        logTypes: report.logTypes,
        prefixes: report.prefixes,
        listed: report.listed,
        skipped: report.skipped,
      },
      { logTypes: ['cloudtrail'], prefixes: 3, listed: 3, skipped: 2 },
      'accounts × regions × one day; the 18:49 and 20:00 files are listed but outside the range',
    );

    const first = await replay('cloudtrail', ...RANGE, '--max-objects', '1', '--checkpoint', 'ct.json');
    assert.equal(first.json<ReplayReport>().done, 1);
    const rest = await replay('cloudtrail', ...RANGE, '--checkpoint', 'ct.json');
    assert.deepEqual(
      { done: rest.json<ReplayReport>().done, complete: rest.json<ReplayReport>().complete },
      { done: 2, complete: true },
    );
    const messages = await drainMessages(aws.sqs, deployment.objects.queueUrl);
    assert.deepEqual(keysOf(messages).sort(), [...IN_RANGE].sort(), 'each file of the range once, no digest');

    await aws.sqs.send(new PurgeQueueCommand({ QueueUrl: deployment.objects.queueUrl }));
    assert.equal(
      (await replay('cloudtrail', ...RANGE, '--checkpoint', 'ct2.json')).json<ReplayReport>().done,
      3,
    );
    const handler = createHandler({
      ...env,
      SLUICE_S3_FORCE_PATH_STYLE: 'true',
      [RUNTIME_CONFIG_ENV]: JSON.stringify(runtimeConfigOf(parseConfig(configValue))),
      SLUICE_BUCKET: BUCKET,
      SLUICE_OBJECT_QUEUE_URL: deployment.objects.queueUrl,
    });
    const drained = await drain(aws.sqs, deployment.objects.queueUrl, handler);
    assert.equal(drained.failed, 0);
    assert.equal(hec.events.length, 9, '3 files × 3 records');
    assert.ok(hec.events.every((event) => event.sourcetype === 'cloudtrail:cloudtrail'));
  });

  it('forwards directly with --direct, each record as a CloudTrail record', async () => {
    const run = await replay('cloudtrail', ...RANGE, '--direct', '--checkpoint', 'direct.json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json<ReplayReport & { forwarding: { records: number } }>().forwarding.records, 9);
    assert.deepEqual(
      [
        ...new Set(hec.events.map((event) => (event.event as { eventID: string }).eventID.split('-')[0])),
      ].sort(),
      ['o0', 'o1', 'o2'],
    );
  });

  it("replays nothing for a log type the source's layout does not give", async () => {
    const run = await replay('cloudtrail', ...RANGE, '--log-type', 'other', '--dry-run');
    assert.deepEqual(
      { logTypes: run.json<ReplayReport>().logTypes, listed: run.json<ReplayReport>().listed },
      { logTypes: [], listed: 0 },
    );
  });

  it("chooses Cloudflare's day-folder objects by when S3 stored them, one folder earlier included", async () => {
    const now = new Date();
    const day = (at: Date) => at.toISOString().slice(0, 10).replace(/-/g, '');
    const yesterday = new Date(now.getTime() - 86_400_000);
    const body = gzipSync(
      readFileSync(join(__dirname, '../../fixtures/records/cloudflare-http-requests.log')),
    );
    await put(
      `cloudflare/http/${day(yesterday)}/${day(yesterday)}T235930Z_${day(now)}T000030Z_aa11bb22.log.gz`,
      body,
    );
    await put(`cloudflare/http/${day(now)}/${day(now)}T000030Z_${day(now)}T000130Z_cc33dd44.log.gz`, body);
    await put('cloudflare/http/ownership-challenge-9883874e.txt', 'token');
    // The range starts in today's folder, also in the first minute of a UTC day: yesterday's folder is
    // then listed only as the one folder earlier.
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const around = [
      '--from',
      new Date(Math.max(now.getTime() - 60_000, today)).toISOString(),
      '--to',
      new Date(now.getTime() + 120_000).toISOString(),
    ];
    const recent = (await replay('cf-http', ...around, '--dry-run')).json<ReplayReport>();
    assert.deepEqual(
      { logTypes: recent.logTypes, listed: recent.listed },
      { logTypes: ['http_requests'], listed: 2 },
      'both written now, whatever their folder',
    );
    const past = ['--from', '2024-02-01T00:00Z', '--to', '2024-02-02T00:00Z'];
    assert.equal((await replay('cf-http', ...past, '--dry-run')).json<ReplayReport>().listed, 0);
  });

  it('sluice verify refuses a source whose layout it does not write (its objects would be quarantined)', async () => {
    const run = await sluice(['verify', '--json', '--config', config, '--dry-run'], { env, cwd: dir });
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /source 'cloudtrail' reads the key layout AWSLogs\/.*Fix: pass --source/);
  });

  it("finds each source's newest object by its layout, across accounts and regions and at the bucket root", async () => {
    const layout = parseConfig(configValue).sources[0].keyLayout;
    // Written last (LastModified has second resolution), in an account and region of its own, in an
    // older day folder: the newest is compared over every account and region.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const latest = trailFile('777788889999', 'ap-south-1', '20230505T0505');
    await put(latest, trailDocument('late'));
    assert.equal((await newestInSource(aws.s3, BUCKET, 'cloudtrail', layout))?.key, latest);
    await put('2024/02/01/18/50/8e9d30f7.json.log.gz', gzipSync('{}\n'));
    await put('2025/01/31/23/59/1a2b3c4d.json.log.gz', gzipSync('{}\n'));
    const github = await newestInSource(aws.s3, BUCKET, '', '{yyyy}/{MM}/{dd}/{HH}/{mm}/{*}');
    assert.equal(github?.key, '2025/01/31/23/59/1a2b3c4d.json.log.gz');
  });
});
