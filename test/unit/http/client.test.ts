import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { HttpClient } from '../../../lambda/core/http/client';
import { NetworkError } from '../../../lambda/core/http/errors';
import { gzipBody } from '../../../lambda/core/http/gzip';

type Route = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

describe('HttpClient', () => {
  let server: Server;
  let base: string;
  let connections = 0;
  const routes = new Map<string, Route>([
    [
      '/echo',
      (req, body, res) => {
        const text =
          req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString() : body.toString();
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-length': String(req.headers['content-length']),
        });
        res.end(JSON.stringify({ text, auth: req.headers.authorization ?? null }));
      },
    ],
    [
      '/busy',
      (_req, _body, res) => {
        res.writeHead(503, { 'retry-after': '7' });
        res.end('{"text":"Server is busy","code":9}');
      },
    ],
    ['/hang', () => undefined],
    ['/reset', (req) => req.socket.resetAndDestroy()],
    [
      '/half',
      (req, _body, res) => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        setTimeout(() => req.socket.destroy(), 10);
      },
    ],
    [
      '/big',
      (_req, _body, res) => {
        res.writeHead(200);
        res.end('x'.repeat(5_000));
      },
    ],
  ]);

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => routes.get(req.url ?? '')?.(req, Buffer.concat(chunks), res));
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = (
    client: HttpClient,
    path: string,
    body = 'hello',
    extra: Record<string, string> = {},
    // A ceiling: these answers come at once, however busy the machine (the timeout test passes its own).
    timeoutMs = 60_000,
  ) =>
    client.request({
      method: 'POST',
      url: new URL(path, base),
      headers: extra,
      body: Buffer.from(body),
      timeoutMs,
    });

  it('returns status, headers and body, and sets Content-Length', async () => {
    const client = new HttpClient({ maxSockets: 2 });
    const result = await post(client, '/echo', 'hello', { authorization: 'Splunk t' });
    client.close();
    assert.ok(result.ok);
    assert.equal(result.response.status, 200);
    assert.equal(result.response.headers['x-length'], '5');
    assert.deepEqual(JSON.parse(result.response.body), { text: 'hello', auth: 'Splunk t' });
  });

  it('sends gzipped bodies that the server can read', async () => {
    const client = new HttpClient({ maxSockets: 1 });
    const body = await gzipBody(Buffer.from('{"a":1}\n'.repeat(100)));
    const result = await client.request({
      method: 'POST',
      url: new URL('/echo', base),
      headers: { 'content-encoding': 'gzip' },
      body,
      timeoutMs: 60_000,
    });
    client.close();
    assert.ok(result.ok);
    assert.equal(JSON.parse(result.response.body).text, '{"a":1}\n'.repeat(100));
  });

  it('treats error statuses as answers, not errors', async () => {
    const client = new HttpClient({ maxSockets: 1 });
    const result = await post(client, '/busy');
    client.close();
    assert.ok(result.ok);
    assert.equal(result.response.status, 503);
    assert.equal(result.response.headers['retry-after'], '7');
  });

  it('reuses keep-alive sockets across requests', async () => {
    const client = new HttpClient({ maxSockets: 1 });
    const before = connections;
    for (let index = 0; index < 5; index += 1) assert.ok((await post(client, '/echo')).ok);
    client.close();
    assert.equal(connections - before, 1);
  });

  it('times out a request that gets no answer', async () => {
    const client = new HttpClient({ maxSockets: 1 });
    const result = await post(client, '/hang', 'x', {}, 50);
    client.close();
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error instanceof NetworkError);
    assert.equal(!result.ok && result.error.code, 'HTTP_TIMEOUT');
    assert.equal(!result.ok && result.error.retryable, true);
  });

  it('reports a reset connection', async () => {
    const client = new HttpClient({ maxSockets: 1 });
    const result = await post(client, '/reset');
    client.close();
    assert.equal(!result.ok && result.error.code, 'HTTP_CONNECTION_RESET');
  });

  it('reports an answer cut short as a reset', async () => {
    const client = new HttpClient({ maxSockets: 1 });
    const result = await post(client, '/half');
    client.close();
    assert.equal(!result.ok && result.error.kind, 'reset');
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new HttpClient({ maxSockets: 1 });
    const result = await client.request({
      method: 'POST',
      url: new URL(`http://127.0.0.1:${port}/`),
      headers: {},
      body: Buffer.alloc(0),
      timeoutMs: 60_000,
    });
    client.close();
    assert.equal(!result.ok && result.error.code, 'HTTP_CONNECTION_REFUSED');
  });

  it('abandons answers above maxResponseBytes', async () => {
    const client = new HttpClient({ maxSockets: 1, maxResponseBytes: 1_000 });
    const result = await post(client, '/big');
    client.close();
    assert.equal(!result.ok && result.error.code, 'HTTP_RESPONSE_TOO_LARGE');
  });
});
