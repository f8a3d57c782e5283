import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BUILD_INFO, buildCli, PACKAGE_ROOT, type BuiltCli } from '../../../scripts/build-cli';

const REGISTER_MODULE_LOG = pathToFileURL(
  join(PACKAGE_ROOT, 'test', 'support', 'module-log', 'register.mjs'),
).href;
const COMMANDS = ['status', 'redrive', 'replay', 'verify', 'forward', 'run', 'detect', 'dev'];

/** What must not load before a command runs: the SDK, the forwarder and detection cores, the configuration schema. */
const HEAVY = [
  /node_modules\/@aws-sdk\//,
  /node_modules\/@smithy\//,
  /^lambda\/core\/forward\//,
  /^lambda\/core\/detections\//,
  /node_modules\/yaml\//,
  /node_modules\/zod\//,
];

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** URLs of the modules the process loaded, in order. */
  readonly loaded: readonly string[];
}

let work: string;
let runs = 0;

/** Runs `node <script> <args>` from `/` (not the package), logging every module it loads. */
function runNode(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  runs += 1;
  const log = join(work, `modules-${runs}.txt`);
  const result = spawnSync(process.execPath, ['--import', REGISTER_MODULE_LOG, script, ...args], {
    cwd: '/',
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH, SLUICE_MODULE_LOG: log, ...env },
  });
  const loaded = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, loaded };
}

/** The sources bundled into the output files the process loaded. */
function bundledInputs(built: BuiltCli, loaded: readonly string[]): string[] {
  return loaded
    .filter((url) => url.startsWith('file:'))
    .map((url) => relative(built.outdir, fileURLToPath(url)))
    .flatMap((file) => built.outputs[file] ?? []);
}

function heavyIn(inputs: readonly string[]): string[] {
  return inputs.filter((input) => HEAVY.some((pattern) => pattern.test(input)));
}

describe('the compiled CLI (dist/cli, run by bin/sluice.mjs)', () => {
  let built: BuiltCli;
  let packaged: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'sluice-built-cli-'));
    // A package of its own: the bin and a build, nothing else (no sources, no node_modules).
    packaged = join(work, 'package');
    mkdirSync(join(packaged, 'bin'), { recursive: true });
    for (const file of ['sluice.mjs', 'built-cli.mjs'])
      copyFileSync(join(PACKAGE_ROOT, 'bin', file), join(packaged, 'bin', file));
    built = await buildCli({ outdir: join(packaged, 'dist', 'cli') });
    // No sources here to be newer than the build: the bin must take it.
    writeFileSync(join(built.outdir, BUILD_INFO), JSON.stringify({ builtAt: Date.now(), inputs: [] }));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('answers --version and --help without loading the AWS SDK, the forwarder core or the schema', () => {
    const bin = join(packaged, 'bin', 'sluice.mjs');
    const helps = [
      ['--version'],
      ['--help'],
      ...COMMANDS.map((command) => [command, '--help']),
      ...['validate', 'test', 'backtest'].map((sub) => ['detect', sub, '--help']),
    ];
    for (const args of helps) {
      const run = runNode(bin, args);
      assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`);
      assert.ok(run.loaded.includes(pathToFileURL(built.entry).href), `${args.join(' ')} ran the build`);
      assert.deepEqual(
        run.loaded.filter((url) => url.includes('/node_modules/')),
        [],
        `${args.join(' ')} loads nothing outside the build`,
      );
      assert.deepEqual(heavyIn(bundledInputs(built, run.loaded)), [], `${args.join(' ')} stays light`);
    }
    const version = runNode(bin, ['--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const help = runNode(bin, ['forward', '--help']);
    assert.match(help.stdout, /^Usage: sluice forward \[options\] <paths\.\.\.>/);
    assert.match(help.stdout, /--concurrency <n>/);
  });

  it('loads a command’s dependencies when the command runs', () => {
    // status against an endpoint that refuses connections: the SDK is loaded, the call fails at once.
    const run = runNode(join(packaged, 'bin', 'sluice.mjs'), ['status'], {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_MAX_ATTEMPTS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLUICE_BUCKET: 'sluice-test',
      SLUICE_OBJECT_QUEUE_URL: 'http://127.0.0.1:1/000000000000/objects',
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /ECONNREFUSED/);
    const inputs = bundledInputs(built, run.loaded);
    assert.ok(
      inputs.some((input) => input.includes('node_modules/@aws-sdk/client-sqs/')),
      'the SQS client was loaded',
    );
    assert.deepEqual(
      inputs.filter((input) => input.startsWith('lambda/core/forward/')),
      [],
      'status does not load the forwarder core',
    );
  });

  it('loads for `forward` of local files only the AWS clients its destinations need', () => {
    const dir = join(work, 'forward-local');
    const folder = join(dir, 'sdm', 'logs', 'activities', '2024', '02', '01', '18', '50');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'one.json'),
      '{"id":"at-1","logType":"activities","timestamp":"2024-02-01T18:50:04Z"}\n',
    );
    const configWith = (name: string, destination: Record<string, unknown>): string => {
      const path = join(dir, `${name}.json`);
      const sources = [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }];
      writeFileSync(path, JSON.stringify({ stackName: 'Sluice', sources, destinations: [destination] }));
      return path;
    };
    // Secrets Manager is unreachable here: a secret read fails at once.
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_MAX_ATTEMPTS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const forward = (config: string) =>
      runNode(
        join(packaged, 'bin', 'sluice.mjs'),
        ['forward', join(dir, 'sdm'), '--config', config, '--json'],
        env,
      );
    const sdkClients = (run: Run) =>
      [
        ...new Set(
          bundledInputs(built, run.loaded).flatMap(
            (input) => /node_modules\/@aws-sdk\/(client-[^/]+)\//.exec(input)?.[1] ?? [],
          ),
        ),
      ].sort();

    const toFile = forward(
      configWith('file', { type: 'file', name: 'archive', path: join(dir, 'archive.ndjson') }),
    );
    assert.equal(toFile.status, 0, toFile.stderr);
    assert.equal(readFileSync(join(dir, 'archive.ndjson'), 'utf8').split('\n').filter(Boolean).length, 1);
    assert.deepEqual(sdkClients(toFile), [], 'a file destination needs no AWS client');

    const toHec = forward(
      configWith('hec', {
        type: 'splunk-hec',
        name: 'splunk',
        url: 'http://127.0.0.1:1',
        tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/hec-AbCdEf',
      }),
    );
    assert.equal(toHec.status, 1, toHec.stderr);
    assert.deepEqual(
      sdkClients(toHec),
      ['client-secrets-manager'],
      'a token in Secrets Manager needs its client only',
    );
  });

  it('finds the shipped rule packs from the build, not from the working directory', () => {
    cpSync(join(PACKAGE_ROOT, 'detections'), join(packaged, 'detections'), { recursive: true });
    const run = runNode(join(packaged, 'bin', 'sluice.mjs'), ['detect', 'validate', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { files: string[]; problems: unknown[] };
    assert.deepEqual(report.problems, []);
    // The command ran from `/`: files are named relative to it.
    assert.ok(
      report.files.length > 0 &&
        report.files.every((file) => resolve('/', file).startsWith(join(packaged, 'detections'))),
      report.files.join(', '),
    );
  });

  it('runs the TypeScript through tsx when there is no build', () => {
    const sources = join(work, 'sources');
    mkdirSync(join(sources, 'bin'), { recursive: true });
    for (const file of [
      'sluice.mjs',
      'built-cli.mjs',
      'tsx-esbuild.mjs',
      'esbuild-ignoring-sigint',
      'sluice.ts',
    ])
      copyFileSync(join(PACKAGE_ROOT, 'bin', file), join(sources, 'bin', file));
    for (const dir of ['cli', 'lambda', 'node_modules'])
      symlinkSync(join(PACKAGE_ROOT, dir), join(sources, dir));
    const run = runNode(join(sources, 'bin', 'sluice.mjs'), ['--version'], { SLUICE_DEBUG: 'true' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.match(run.stderr, /running the TypeScript sources through tsx \(no build in /);
  });

  it('is taken only while no source it was built from changed', async () => {
    const { builtCli } = await import('../../../bin/built-cli.mjs');
    const root = join(work, 'freshness');
    const outdir = join(root, 'dist', 'cli');
    mkdirSync(join(root, 'cli'), { recursive: true });
    mkdirSync(outdir, { recursive: true });
    assert.match(builtCli(root).reason ?? '', /^no build in /);

    writeFileSync(join(root, 'cli', 'main.ts'), '');
    const builtAt = Date.now();
    const past = new Date(builtAt - 60_000);
    utimesSync(join(root, 'cli', 'main.ts'), past, past);
    writeFileSync(join(outdir, BUILD_INFO), JSON.stringify({ builtAt, inputs: ['cli/main.ts'] }));
    assert.deepEqual(builtCli(root), { entry: join(outdir, 'sluice.mjs') });

    const later = new Date(builtAt + 1_000);
    utimesSync(join(root, 'cli', 'main.ts'), later, later);
    assert.deepEqual(builtCli(root), { reason: 'cli/main.ts changed after the build' });

    rmSync(join(root, 'cli', 'main.ts'));
    assert.deepEqual(builtCli(root), { reason: 'cli/main.ts is gone' });
  });

  it('keeps the chunks of the previous build for one more build (commands already running load them late)', async () => {
    const outdir = join(work, 'rebuilt');
    await buildCli({ outdir });
    // As if the build before had a chunk this one does not.
    const info = JSON.parse(readFileSync(join(outdir, BUILD_INFO), 'utf8')) as { files: string[] };
    writeFileSync(join(outdir, 'chunk-EARLIER.mjs'), 'export {};\n');
    writeFileSync(
      join(outdir, BUILD_INFO),
      JSON.stringify({ ...info, files: [...info.files, 'chunk-EARLIER.mjs'] }),
    );
    writeFileSync(join(outdir, 'chunk-UNKNOWN.mjs'), 'export {};\n');

    await buildCli({ outdir });
    assert.ok(existsSync(join(outdir, 'chunk-EARLIER.mjs')), 'the previous build’s chunk stays');
    assert.ok(!existsSync(join(outdir, 'chunk-UNKNOWN.mjs')), 'a file of no build goes');
    await buildCli({ outdir });
    assert.ok(!existsSync(join(outdir, 'chunk-EARLIER.mjs')), 'two builds later it goes');
    assert.deepEqual(
      readdirSync(work).filter((name) => name.startsWith('rebuilt.')),
      [],
      'no staging left',
    );
  });
});
