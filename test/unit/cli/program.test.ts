import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMoveTaskUnsupported } from '../../../cli/redrive/redrive';
import { runCliCaptured } from './support/run-cli';

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCliCaptured(args, { env });

const COMMANDS = ['status', 'redrive', 'replay', 'verify', 'forward', 'run', 'detect', 'dev'];

describe('the sluice command line', () => {
  it('has --help on every command', async () => {
    const top = await run(['--help']);
    assert.equal(top.code, 0);
    for (const command of COMMANDS) {
      assert.match(top.out, new RegExp(`\\n  ${command} `), `${command} is listed`);
      const help = await run([command, '--help']);
      assert.equal(help.code, 0, command);
      assert.match(help.out, new RegExp(`^Usage: sluice ${command} `), command);
    }
    for (const sub of ['validate', 'test', 'backtest']) {
      const help = await run(['detect', sub, '--help']);
      assert.equal(help.code, 0, `detect ${sub}`);
      assert.match(help.out, new RegExp(`^Usage: sluice detect ${sub} `), `detect ${sub}`);
    }
    for (const command of ['redrive', 'replay', 'verify', 'forward']) {
      assert.match((await run([command, '--help'])).out, /--dry-run/, `${command} supports --dry-run`);
    }
  });

  it("wraps every command list at 80 columns (the subcommands' summaries included)", async () => {
    for (const group of [[], ['setup'], ['detect'], ['collect']]) {
      const help = (await run([...group, '--help'])).out;
      const commands = help.slice(help.indexOf('\nCommands:\n')).split('\n\n')[0];
      for (const line of commands.split('\n')) {
        assert.ok(line.length <= 80, `sluice ${group.join(' ')} --help: ${line.length} columns: ${line}`);
      }
    }
  });

  it('refuses an endpoint without http:// or https:// (exit 2), naming the fix', async () => {
    for (const [args, env] of [
      [['status', '--endpoint-url', '127.0.0.1:4566'], {}],
      [['status', '--endpoint-url', 'localhost:4566'], {}],
      [['status'], { AWS_ENDPOINT_URL: '127.0.0.1:4566' }],
    ] as const) {
      const result = await run([...args, '--region', 'us-east-1'], env);
      assert.equal(result.code, 2, result.err);
      assert.match(
        result.err,
        /^error \[USAGE\]: the endpoint '(127\.0\.0\.1|localhost):4566' \(--endpoint-url or AWS_ENDPOINT_URL\) is not an http:\/\/ or https:\/\/ URL\. Fix: give its scheme, e\.g\. http:\/\/(127\.0\.0\.1|localhost):4566\n$/,
      );
    }
  });

  it('answers usage errors with exit code 2 and the reason', async () => {
    const missing = await run(['replay', '--source', 'strongdm']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--from/);
    const badChoice = await run(['redrive', '--from-dlq', 'nope']);
    assert.equal(badChoice.code, 2);
    const badNumber = await run(['redrive', '--max', '-3']);
    assert.equal(badNumber.code, 2);
    assert.match(badNumber.err, /--max/);
  });

  it('help for a command it does not know is a usage error naming it (and the one meant), at every level', async () => {
    for (const [args, unknown, meant] of [
      [['help', 'foo'], 'foo', undefined],
      [['help', 'stats'], 'stats', 'status'],
      [['detect', 'help', 'valdate'], 'valdate', 'validate'],
      [['setup', 'help', 'nope'], 'nope', undefined],
    ] as const) {
      const result = await run([...args]);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.out, '', 'no help printed as if asked for');
      assert.match(result.err, new RegExp(`^error: unknown command '${unknown}'\n`));
      if (meant) assert.match(result.err, new RegExp(`\\(Did you mean ${meant}\\?\\)`));
    }
    for (const args of [['help'], ['help', 'status'], ['detect', 'help', 'validate']]) {
      const result = await run(args);
      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.out, /^Usage: sluice /);
    }
  });

  it('documents the exit codes detect, replay, run and pull return, usage errors (2) included', async () => {
    for (const command of [
      ['detect', 'validate'],
      ['detect', 'test'],
      ['detect', 'backtest'],
      ['replay'],
      ['run'],
      ['pull'],
    ]) {
      const help = (await run([...command, '--help'])).out;
      assert.match(help, /^Exit code: 0[\s\S]*?\b2 (when|bad usage)/m, `${command.join(' ')} documents 2`);
    }
    const missingRules = await run(['detect', 'validate', 'no-such-folder']);
    assert.equal(missingRules.code, 2, missingRules.err);
    const missingRecords = await run(['detect', 'test', 'no-such-rules', 'no-such.ndjson']);
    assert.equal(missingRecords.code, 2, missingRecords.err);
    const noConfig = await run([
      '--config',
      'does-not-exist.json',
      'replay',
      '--source',
      'a',
      '--from',
      '1h',
      '--to',
      'now',
    ]);
    assert.equal(noConfig.code, 2, noConfig.err);
    const runBadOption = await run(['run', '--batch-size', '11']);
    assert.equal(runBadOption.code, 2, runBadOption.err);
    const runNoConfig = await run(['--config', 'does-not-exist.json', 'run']);
    assert.equal(runNoConfig.code, 2, runNoConfig.err);
    const pullBoth = await run(['pull', 'cirrus', '--out', 'events.ndjson', '--to-bucket']);
    assert.equal(pullBoth.code, 2, pullBoth.err);
    const pullNoConfig = await run(['--config', 'does-not-exist.json', 'pull', 'cirrus']);
    assert.equal(pullNoConfig.code, 2, pullNoConfig.err);
  });

  it('ends sluice run with exit code 1, as its --help says, when the object queue cannot be read', async () => {
    // An SQS endpoint that knows no queue: the worker cannot start.
    const sqs = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender',
        });
        response.end(
          JSON.stringify({
            __type: 'com.amazonaws.sqs#QueueDoesNotExist',
            message: 'The specified queue does not exist.',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => sqs.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(sqs.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'sluice-run-exit-'));
    try {
      writeFileSync(
        join(dir, 'sluice.config.json'),
        JSON.stringify({
          sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
          destinations: [{ type: 'file', name: 'local', path: 'out.ndjson' }],
        }),
      );
      const help = (await run(['run', '--help'])).out;
      assert.match(help, /^Exit code: [\s\S]*?\b1 when it cannot start\b/m);
      const result = await runCliCaptured(['run'], {
        cwd: dir,
        env: {
          AWS_ENDPOINT_URL: endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          SLUICE_BUCKET: 'audit',
          SLUICE_OBJECT_QUEUE_URL: `${endpoint}/123456789012/gone`,
        },
      });
      assert.equal(result.code, 1, result.err);
      assert.match(result.err, /queue does not exist/i);
    } finally {
      sqs.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad destination URL of sluice dev as a usage error naming the option', async () => {
    const result = await run(['dev', '--once', '--splunk-url', 'http://splunk:8088']);
    assert.equal(result.code, 2);
    assert.match(result.err, /^error \[USAGE\]: --splunk-url: 'http:\/\/splunk:8088' must use https:\/\//);
    assert.doesNotMatch(result.err, /"code"|"path"/, 'no raw validation issues');
  });

  it('explains a missing configuration file with the fix', async () => {
    const result = await run(['--config', 'does-not-exist.json', 'verify']);
    assert.equal(result.code, 2);
    assert.match(result.err, /CONFIG_NOT_FOUND.*does-not-exist\.json.*Fix:/s);
  });

  it('falls back from the message move task only when the endpoint lacks it', () => {
    const withStatus = (name: string, status: number, message = '') =>
      Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    assert.equal(
      isMoveTaskUnsupported(withStatus('SyntaxError', 500, 'Deserialization error: to see the raw response')),
      true,
      'moto',
    );
    assert.equal(isMoveTaskUnsupported(withStatus('UnsupportedOperation', 400)), true);
    assert.equal(isMoveTaskUnsupported(withStatus('InvalidAction', 400)), true);
    assert.equal(isMoveTaskUnsupported(withStatus('Whatever', 501)), true);
    assert.equal(
      isMoveTaskUnsupported(withStatus('AccessDenied', 403)),
      false,
      'a refusal is reported, not worked around',
    );
    assert.equal(isMoveTaskUnsupported(withStatus('InvalidParameterValue', 400)), false);
  });

  it('runs as the package bin (node bin/sluice.mjs) from any folder', () => {
    const bin = join(__dirname, '..', '..', '..', 'bin', 'sluice.mjs');
    const result = spawnSync(process.execPath, [bin, '--version'], {
      cwd: '/',
      encoding: 'utf8',
      timeout: 300_000, // a guard against hanging: tsx compiling the CLI is slow on a busy machine
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\d+\.\d+\.\d+/);
  });

  it('with --json, ends a failed command with one JSON line on stderr', async () => {
    const result = await run([
      '--json',
      'replay',
      '--source',
      'strongdm',
      '--from',
      'garbage',
      '--to',
      'now',
    ]);
    assert.equal(result.code, 2);
    const lines = result.err.trim().split('\n');
    assert.equal(lines.length, 1, result.err);
    const line = JSON.parse(lines[0]) as { level: string; code: string; message: string };
    assert.equal(line.level, 'error');
    assert.equal(line.code, 'USAGE');
    assert.match(line.message, /--from 'garbage' is not a time/);
  });

  it('stops quietly when its reader closes the pipe (sluice --help | head -1)', () => {
    const bin = join(__dirname, '..', '..', '..', 'bin', 'sluice.mjs');
    const result = spawnSync('bash', ['-c', `node "${bin}" --help | head -1; exit \${PIPESTATUS[0]}`], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(result.stdout.trim(), 'Usage: sluice [options] [command]');
    assert.doesNotMatch(result.stderr, /EPIPE/);
    assert.equal(result.status, 0, result.stderr);
  });
});
