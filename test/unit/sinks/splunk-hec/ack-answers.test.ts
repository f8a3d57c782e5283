import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpRequest, HttpResponse, HttpResult } from '../../../../lambda/core/http/client';
import {
  ackQueryBody,
  classifyAckAnswer,
  readAckId,
} from '../../../../lambda/core/sinks/splunk-hec/ack-answers';
import { HecSession } from '../../../../lambda/core/sinks/splunk-hec/hec-session';
import { hecAckUrl } from '../../../../lambda/core/sinks/splunk-hec/url';

const answer = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('HEC indexer acknowledgement answers', () => {
  it('readAckId: the ackId of an event answer, none when the token has acknowledgement off', () => {
    assert.equal(readAckId('{"text":"Success","code":0,"ackId":7}'), 7);
    assert.equal(readAckId('{"text":"Success","code":0,"ackId":0}'), 0);
    assert.equal(readAckId('{"text":"Success","code":0}'), undefined);
    assert.equal(readAckId('{"ackId":"7"}'), undefined);
    assert.equal(readAckId('<html>OK</html>'), undefined);
  });

  it('the query body lists the ackIds', () => {
    assert.equal(ackQueryBody([1, 2, 3]), '{"acks":[1,2,3]}');
  });

  it('statuses: the ids answered true are acknowledged, false and missing ones are not', () => {
    const result = classifyAckAnswer(answer(200, { acks: { '1': true, '2': false, '3': true } }));
    assert.deepEqual(result.kind === 'statuses' && [...result.acknowledged].sort(), [1, 3]);
  });

  it('code 14 (ACK is disabled): fails as HEC_ACK_DISABLED with the fix', () => {
    const result = classifyAckAnswer(answer(400, { text: 'ACK is disabled', code: 14 }));
    assert.equal(result.kind, 'failed');
    assert.equal(result.kind === 'failed' && result.code, 'HEC_ACK_DISABLED');
    assert.match(
      result.kind === 'failed' ? result.message : '',
      /enable indexer acknowledgement on the token/,
    );
  });

  it('code 11 (Invalid data channel) on the ack endpoint: HEC no longer knows the channel, not a configuration to change', () => {
    const result = classifyAckAnswer(answer(400, { text: 'Invalid data channel', code: 11 }));
    assert.equal(result.kind, 'channel-unknown');
    if (result.kind !== 'channel-unknown') return;
    assert.match(result.reason, /no longer knows the channel: an indexer restart or idle-channel cleanup/);
    assert.equal(result.code, 'HEC_REQUEST_REJECTED');
    assert.match(result.message, /twice running.*Fix: enable sticky sessions/);
    assert.doesNotMatch(`${result.reason} ${result.message}`, /set acknowledgements: true/);
  });

  it('code 10 (Data channel is missing) on the ack endpoint: something drops the header sluice sent', () => {
    const result = classifyAckAnswer(answer(400, { text: 'Data channel is missing', code: 10 }));
    assert.equal(result.kind === 'failed' && result.code, 'HEC_REQUEST_REJECTED');
    const message = result.kind === 'failed' ? result.message : '';
    assert.match(message, /pass that header/);
    assert.doesNotMatch(message, /set acknowledgements: true/);
  });

  it('busy, 5xx, 429 and gateway pages: asked again later', () => {
    for (const response of [
      answer(503, { text: 'Server is busy', code: 9 }),
      answer(500, { text: 'Internal server error', code: 8 }),
      answer(429, ''),
      answer(502, '<html>Bad Gateway</html>'),
    ]) {
      assert.equal(classifyAckAnswer(response).kind, 'unavailable');
    }
  });

  it('401/403: the auth path; 404: refused; a 200 without statuses: unexpected', () => {
    assert.deepEqual(classifyAckAnswer(answer(403, { text: 'Invalid token', code: 4 })), {
      kind: 'auth-refused',
      status: 403,
      message: 'Invalid token',
    });
    const missing = classifyAckAnswer(answer(404, { text: 'The requested URL was not found', code: 404 }));
    assert.equal(missing.kind === 'failed' && missing.code, 'HEC_REQUEST_REJECTED');
    const odd = classifyAckAnswer(answer(200, { text: 'Success', code: 0 }));
    assert.equal(odd.kind === 'failed' && odd.code, 'DESTINATION_UNEXPECTED_ANSWER');
  });

  it('the ack endpoint sits beside the event endpoint, whatever URL was configured', () => {
    for (const url of [
      'https://splunk.example.com:8088',
      'https://splunk.example.com:8088/services/collector',
      'https://splunk.example.com:8088/services/collector/event/',
    ]) {
      assert.equal(hecAckUrl(url).href, 'https://splunk.example.com:8088/services/collector/ack');
    }
    assert.equal(
      hecAckUrl('https://proxy.example.com/splunk/services/collector/event').href,
      'https://proxy.example.com/splunk/services/collector/ack',
    );
  });
});

describe('HecSession', () => {
  it('one random GUID channel per session, on every request', () => {
    const one = new HecSession();
    const other = new HecSession();
    assert.match(one.channel, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(one.channel, other.channel);
    assert.deepEqual(one.headers(), { 'x-splunk-request-channel': one.channel });
  });

  it('its first request goes alone: the others wait for the cookie it brings back, then go together', async () => {
    const session = new HecSession();
    const seen: { cookie?: string; concurrent: number }[] = [];
    let running = 0;
    const answers: (() => void)[] = [];
    const inner = {
      request: async (request: HttpRequest): Promise<HttpResult> => {
        running += 1;
        seen.push({ cookie: request.headers.cookie, concurrent: running });
        await new Promise<void>((resolve) => answers.push(resolve));
        running -= 1;
        return {
          ok: true,
          response: { status: 200, headers: { 'set-cookie': ['AWSALB=indexer-2; Path=/'] }, body: '{}' },
        };
      },
    };
    const transport = session.transport(inner);
    const request = {
      method: 'POST',
      url: new URL('https://splunk.example.com'),
      headers: {},
      body: new Uint8Array(),
      timeoutMs: 1_000,
    };
    const results = [1, 2, 3].map(() => transport.request(request));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, 1, 'the first request went alone');
    answers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      seen.map((entry) => entry.cookie),
      [undefined, 'AWSALB=indexer-2', 'AWSALB=indexer-2'],
    );
    assert.equal(seen[2].concurrent, 2, 'then together');
    for (const answer of answers.splice(0)) answer();
    await Promise.all(results);
  });

  it('sends back the cookies a load balancer sets (sticky sessions), and forgets deleted ones', () => {
    const session = new HecSession('0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d');
    session.remember({ 'set-cookie': ['AWSALB=abc123; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/'] });
    session.remember({ 'set-cookie': ['AWSALBCORS=abc123; Path=/; SameSite=None; Secure'] });
    assert.equal(session.headers().cookie, 'AWSALB=abc123; AWSALBCORS=abc123');
    session.remember({ 'set-cookie': ['AWSALB=def456; Path=/'] });
    session.remember({ 'set-cookie': ['AWSALBCORS=; Max-Age=0; Path=/'] });
    assert.equal(session.headers().cookie, 'AWSALB=def456');
  });
});
