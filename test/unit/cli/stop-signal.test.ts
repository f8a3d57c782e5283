import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { Output, type CliIo } from '../../../cli/shared/io';
import { listenForStop } from '../../../cli/shared/stop-signal';

function fakeIo() {
  const handlers: ((signal: NodeJS.Signals) => void)[] = [];
  const exits: number[] = [];
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = {
    stdout: new PassThrough(),
    stderr,
    env: {},
    cwd: '/',
    interactive: false,
    onStopSignal: (handler) => {
      handlers.push(handler);
      return () => handlers.splice(handlers.indexOf(handler), 1);
    },
    exit: (code) => void exits.push(code),
  };
  return { io, handlers, exits, err: () => err, send: (s: NodeJS.Signals) => handlers.forEach((h) => h(s)) };
}

describe('listenForStop: the CLI Ctrl-C convention', () => {
  it('asks for a graceful stop on the first signal and exits 130 on the second', async () => {
    const fake = fakeIo();
    const stop = listenForStop(fake.io, new Output(fake.io, false), 'stopping after the page in progress');
    assert.equal(stop.requested, false);
    assert.equal(stop.abortSignal.aborted, false);
    fake.send('SIGINT');
    assert.equal(stop.requested, true);
    assert.equal(stop.abortSignal.aborted, true, 'what waits (a retry) is woken by the first signal');
    assert.equal(await stop.stopped, 'SIGINT');
    assert.deepEqual(fake.exits, [], 'the first signal does not end the process');
    assert.match(fake.err(), /SIGINT: stopping after the page in progress \(a second Ctrl-C exits at once\)/);
    fake.send('SIGTERM');
    assert.deepEqual(fake.exits, [130]);
    assert.equal(stop.signal, 'SIGINT', 'the first signal is the one reported');
    stop.dispose();
    assert.equal(fake.handlers.length, 0);
  });
});
