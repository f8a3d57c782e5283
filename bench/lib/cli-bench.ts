import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseConfig } from '../../lambda/core/config/load';
import { AwsClients, awsSettings } from '../../cli/aws/clients';
import { createLocalStack } from '../../cli/dev/local-stack';
import { BUILD_INFO, buildCli, PACKAGE_ROOT, type BuildInfo } from '../../scripts/build-cli';
import { motoClientConfig, startMoto } from '../../test/support/moto';
import { vendorObjects } from '../data/objects';
import { BENCH_DIR, OUT_DIR, bundle } from './bundle';
import { DISTANT_HEC_DELAY_MS, type CliReport, type CommandSample, type ForwardSample } from './cli-report';
import { BENCH_HEC_TOKEN } from './forwarder';
import { startRequestClock } from './request-clock';
import { timedRun } from './timed-run';

export interface CliBenchInput {
  readonly quick: boolean;
  readonly seed: number;
  /** Base URL of the HEC receiver (the receivers' process): sluice and the shipper send to it. */
  readonly hecUrl: string;
  /** The HEC receiver that answers DISTANT_HEC_DELAY_MS late. */
  readonly distantHecUrl: string;
  /** Events a HEC receiver has accepted so far. */
  readonly hecEvents: (receiver: 'hec' | 'distantHec') => Promise<number>;
  readonly log: (message: string) => void;
}

const STACK_NAME = 'SluiceBench';
const TOKEN_SECRET = 'sluice/bench-hec';

/**
 * The package as `npm ci` leaves it (bin, dist/cli, and the sources the bin checks the build
 * against), copied to a temporary folder (outside the tree: no stray sources for tsc): edits made
 * to the working tree during the run cannot turn the measured CLI into the tsx fallback.
 * node_modules is the working tree's (the tsx row needs it).
 */
async function packageCopy(dir: string): Promise<string> {
  const built = await buildCli({ outdir: join(dir, 'dist', 'cli') });
  const info = JSON.parse(readFileSync(join(built.outdir, BUILD_INFO), 'utf8')) as BuildInfo;
  for (const file of [...info.inputs, 'bin/sluice.mjs', 'bin/built-cli.mjs']) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(PACKAGE_ROOT, file), join(dir, file), { preserveTimestamps: true });
  }
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(built.outdir, BUILD_INFO), JSON.stringify({ ...info, builtAt: Date.now() }));
  return join(dir, 'bin', 'sluice.mjs');
}

async function createSecret(endpoint: string, value: string): Promise<string> {
  const client = new SecretsManagerClient(motoClientConfig(endpoint));
  try {
    return (await client.send(new CreateSecretCommand({ Name: TOKEN_SECRET, SecretString: value }))).ARN!;
  } finally {
    client.destroy();
  }
}

function sample(cost: { wallMs: number; cpuMs: number; maxRssKiB: number }): CommandSample {
  return { wallMs: cost.wallMs, cpuMs: cost.cpuMs, maxRssKiB: cost.maxRssKiB };
}

/**
 * The CLI as an operator runs it: start-up of `--version`, `--help` and `status` (against moto, its
 * AWS calls timed apart), `forward` to its first request, and a whole `forward` of 100 StrongDM
 * objects to the HEC receiver beside seed 000's Python shipper on the same files and receiver.
 */
export async function measureCli(input: CliBenchInput): Promise<CliReport> {
  const packaged = mkdtempSync(join(tmpdir(), 'sluice-bench-package-'));
  try {
    return await measureIn(packaged, input);
  } finally {
    rmSync(packaged, { recursive: true, force: true });
  }
}

async function measureIn(packaged: string, input: CliBenchInput): Promise<CliReport> {
  const { quick, log } = input;
  const runs = quick
    ? { startup: 3, status: 2, firstRequest: 1, forward: 1 }
    : { startup: 10, status: 5, firstRequest: 3, forward: 3 };
  const objects = quick ? 10 : 100;
  const recordsPerObject = 1000;
  const root = join(OUT_DIR, 'cli');
  log('cli: building the CLI into a copy of the package');
  const bin = await packageCopy(packaged);
  const parseFiles = await bundle('children/parse-files.ts');

  log(`cli: writing ${objects} StrongDM objects of ${recordsPerObject} records`);
  const workload = join(root, 'workload');
  rmSync(workload, { recursive: true, force: true });
  const files: string[] = [];
  let rawBytes = 0;
  for (const object of vendorObjects({
    seed: input.seed,
    objects,
    recordsPerObject,
    format: 'ndjson',
    gzip: false,
  })) {
    const path = join(workload, object.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, object.body);
    files.push(path);
    rawBytes += object.rawBytes;
  }
  files.sort();
  const records = objects * recordsPerObject;
  // The same records as one object (the comparison: many objects must not take longer).
  const single = join(
    workload,
    'single',
    'sdm',
    'logs',
    'queries',
    '2024',
    '02',
    '01',
    '18',
    '50',
    'all.json',
  );
  mkdirSync(dirname(single), { recursive: true });
  writeFileSync(single, Buffer.concat(files.map((file) => readFileSync(file))));

  // The bench's own SDK clients (the secret, the stack) on Node 20: no release notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const moto = await startMoto();
  const motoClock = await startRequestClock(moto.endpoint);
  const hecClock = await startRequestClock(input.hecUrl);
  try {
    const tokenSecretArn = await createSecret(moto.endpoint, BENCH_HEC_TOKEN);
    const sources = [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }];
    const aws = new AwsClients(
      awsSettings({
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
      }),
    );
    try {
      await createLocalStack(aws, parseConfig({ stackName: STACK_NAME, sources }), {
        bucket: 'acme-audit-logs',
        region: 'us-east-1',
      });
    } finally {
      aws.destroy();
    }
    const configFile = (name: string, url: string, gzip: boolean) => {
      const path = join(workload, name);
      writeFileSync(
        path,
        JSON.stringify({
          stackName: STACK_NAME,
          sources,
          destinations: [
            { type: 'splunk-hec', name: 'splunk', url, tokenSecretArn, index: 'security', gzip },
          ],
        }),
      );
      return path;
    };
    const env = (endpoint: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });

    const startup = async (label: string, args: string[], count: number): Promise<CommandSample[]> => {
      log(`cli: ${label} × ${count}`);
      const samples: CommandSample[] = [];
      for (let run = 0; run < count; run += 1)
        samples.push(
          sample(await timedRun(process.execPath, args, { cwd: workload, env: env(moto.endpoint) })),
        );
      return samples;
    };
    const version = await startup('sluice --version', [bin, '--version'], runs.startup);
    const help = await startup('sluice --help', [bin, '--help'], runs.startup);
    const forwardHelp = await startup('sluice forward --help', [bin, 'forward', '--help'], runs.startup);
    const versionTsx = await startup(
      'sluice --version through tsx',
      ['--import', 'tsx', join(dirname(bin), 'sluice.ts'), '--version'],
      runs.startup,
    );

    log(`cli: sluice status × ${runs.status}`);
    const statusConfig = configFile('status.json', input.hecUrl, true);
    const status: (CommandSample & { awsMs: number })[] = [];
    for (let run = 0; run < runs.status; run += 1) {
      motoClock.clear();
      const cost = await timedRun(
        process.execPath,
        [bin, 'status', '--stack', STACK_NAME, '--config', statusConfig],
        { cwd: workload, env: env(motoClock.url) },
      );
      status.push({ ...sample(cost), awsMs: motoClock.busyMs() });
    }

    log(`cli: sluice forward to its first request × ${runs.firstRequest}`);
    const clockedConfig = configFile('clocked.json', hecClock.url, false);
    const firstRequest: { ms: number; awsMs: number }[] = [];
    for (let run = 0; run < runs.firstRequest; run += 1) {
      motoClock.clear();
      hecClock.clear();
      const startedAt = process.hrtime.bigint();
      const child = spawn(
        process.execPath,
        [bin, 'forward', 'sdm/logs', '--config', clockedConfig, '--json'],
        { cwd: workload, env: env(motoClock.url), stdio: 'ignore' },
      );
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const ceiling = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const first = await Promise.race([hecClock.firstRequest(), exited.then(() => undefined)]);
      clearTimeout(ceiling);
      child.kill('SIGKILL');
      await exited;
      // Requests already sent still reach the receiver: let them land before the counted runs.
      await hecClock.idle();
      if (first === undefined) throw new Error('sluice forward exited before its first request');
      firstRequest.push({ ms: Number(first - startedAt) / 1e6, awsMs: motoClock.busyMs() });
    }

    const delivered = async (
      label: string,
      receiver: 'hec' | 'distantHec',
      run: () => Promise<ForwardSample>,
    ): Promise<ForwardSample> => {
      const before = await input.hecEvents(receiver);
      const result = await run();
      const received = (await input.hecEvents(receiver)) - before;
      if (received !== records)
        throw new Error(`${label}: the HEC receiver indexed ${received} of ${records} records`);
      return result;
    };
    const forwardRuns = async (
      label: string,
      once: () => Promise<ForwardSample>,
      receiver: 'hec' | 'distantHec' = 'hec',
    ): Promise<ForwardSample[]> => {
      log(`cli: ${label} × ${runs.forward}`);
      const samples: ForwardSample[] = [];
      for (let run = 0; run < runs.forward; run += 1) samples.push(await delivered(label, receiver, once));
      return samples;
    };
    const sluiceForward = (gzip: boolean, args: string[] = [], cwd = workload, url = input.hecUrl) => {
      const config = configFile(
        `${url === input.hecUrl ? 'near' : 'distant'}-gzip-${gzip ? 'on' : 'off'}.json`,
        url,
        gzip,
      );
      return async () =>
        sample(
          await timedRun(
            process.execPath,
            [bin, 'forward', 'sdm/logs', '--config', config, '--json', ...args],
            {
              cwd,
              env: env(moto.endpoint),
            },
          ),
        );
    };
    const shipper = await forwardRuns('seed 000 shipper', async () =>
      sample(
        await timedRun('python3', [join(BENCH_DIR, 'shipper', 'shipper.py'), ...files], {
          cwd: workload,
          env: {
            PATH: process.env.PATH,
            SIEM_KIND: 'splunk',
            SIEM_URL: `${input.hecUrl}/services/collector/event`,
            SIEM_TOKEN: BENCH_HEC_TOKEN,
          },
        }),
      ),
    );
    const gzipOff = await forwardRuns('sluice forward, destination gzip off', sluiceForward(false));
    const gzipOn = await forwardRuns('sluice forward, destination gzip on', sluiceForward(true));
    const sequential = await forwardRuns(
      'sluice forward --concurrency 1',
      sluiceForward(false, ['--concurrency', '1']),
    );
    const oneObject = await forwardRuns(
      'sluice forward of one object',
      sluiceForward(false, [], join(workload, 'single')),
    );
    const distantRuns = (label: string, args: string[], cwd = workload) =>
      forwardRuns(
        `${label}, answers ${DISTANT_HEC_DELAY_MS} ms late`,
        sluiceForward(false, args, cwd, input.distantHecUrl),
        'distantHec',
      );
    const distant = {
      concurrent: await distantRuns('sluice forward', []),
      sequential: await distantRuns('sluice forward --concurrency 1', ['--concurrency', '1']),
      oneObject: await distantRuns('sluice forward of one object', [], join(workload, 'single')),
    };
    log(`cli: read + JSON.parse × ${runs.forward}`);
    const parse: ForwardSample[] = [];
    for (let run = 0; run < runs.forward; run += 1) {
      const cost = await timedRun(process.execPath, [parseFiles, ...files], { cwd: workload });
      if (Number(cost.stdout.trim()) !== records)
        throw new Error(`parse-files read ${cost.stdout.trim()} records`);
      parse.push(sample(cost));
    }

    return {
      objects,
      records,
      rawBytes,
      runs,
      version,
      help,
      forwardHelp,
      versionTsx,
      status,
      firstRequest,
      forward: { shipper, gzipOff, gzipOn, sequential, oneObject, distant, parse },
    };
  } finally {
    await Promise.all([motoClock.close(), hecClock.close()]);
    await moto.stop();
    rmSync(workload, { recursive: true, force: true });
  }
}
