import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startCollectorReceiver, type CollectorReceiver } from '../../support/receivers';
import { activities, sluice, workspace } from './helpers';

interface ForwardResult {
  objects: { listed: number; forwarded: number; failed: number; skipped: number };
  stats: { records: number; destinations: Record<string, { delivered: number; failed: number }> };
}

/**
 * In front of the collector: holds each request until `size` requests are held at once (or a
 * generous ceiling passes, so a one-at-a-time forwarder fails the assertion instead of hanging),
 * then lets them through together. Counts the most requests it ever held at once.
 */
async function startGate(
  target: string,
  size: number,
): Promise<{ url: string; maxHeld: () => number; close: () => Promise<void> }> {
  let held: (() => void)[] = [];
  let maxHeld = 0;
  const releaseAll = () => {
    const waiting = held;
    held = [];
    for (const release of waiting) release();
  };
  const forward = (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse) => {
    const upstream = request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const ceiling = setTimeout(releaseAll, 60_000);
      held.push(() => {
        clearTimeout(ceiling);
        forward(req, Buffer.concat(chunks), res);
      });
      maxHeld = Math.max(maxHeld, held.length);
      if (held.length >= size) releaseAll();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    maxHeld: () => maxHeld,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('sluice forward works on several objects at once', () => {
  let collector: CollectorReceiver;
  let dir: string;
  let config: string;

  before(async () => {
    collector = await startCollectorReceiver();
  });
  after(() => collector.close());
  beforeEach(() => {
    collector.records.length = 0;
  });

  /** `objects` files of `records` activities each, ids `at-o<object>-<n>`. */
  function folder(name: string, objects: number, records: number): string {
    const path = join(dir, name, 'activities', '2024', '02', '01', '18', '50');
    mkdirSync(path, { recursive: true });
    for (let object = 0; object < objects; object += 1)
      writeFileSync(join(path, `${String(object).padStart(3, '0')}.json`), activities(`o${object}`, records));
    return name;
  }

  function workspaceFor(url: string): void {
    ({ dir, config } = workspace({
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [
        { type: 'https', name: 'collector', url: `${url}/ingest`, gzip: false, maxConcurrency: 8 },
      ],
    }));
  }

  it('delivers every record of many objects exactly once, each object in order, with exact counts', async () => {
    workspaceFor(collector.url);
    const objects = 40;
    const records = 25;
    const run = await sluice(
      ['forward', folder('many', objects, records), '--concurrency', '7', '--json', '--config', config],
      {
        env: { PATH: process.env.PATH },
        cwd: dir,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<ForwardResult>();
    assert.deepEqual(report.objects, { listed: objects, forwarded: objects, failed: 0, skipped: 0 });
    assert.equal(report.stats.records, objects * records);
    assert.equal(report.stats.destinations.collector.delivered, objects * records);

    const ids = collector.records.map((record) => String((record as { id: unknown }).id));
    assert.equal(ids.length, objects * records);
    assert.equal(new Set(ids).size, ids.length, 'no record twice');
    for (let object = 0; object < objects; object += 1) {
      const own = ids.filter((id) => id.startsWith(`at-o${object}-`));
      assert.deepEqual(
        own,
        Array.from({ length: records }, (_, n) => `at-o${object}-${n}`),
        `object ${object}: every record, in order`,
      );
    }
  });

  it('has --concurrency objects in flight at once', async () => {
    const gate = await startGate(collector.url, 4);
    try {
      workspaceFor(gate.url);
      const run = await sluice(
        ['forward', folder('gated', 4, 3), '--concurrency', '4', '--json', '--config', config],
        {
          env: { PATH: process.env.PATH },
          cwd: dir,
        },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.json<ForwardResult>().objects.forwarded, 4);
      assert.equal(gate.maxHeld(), 4, 'four objects waited for their answer at the same time');
      assert.equal(collector.records.length, 12);
    } finally {
      await gate.close();
    }
  });
});
