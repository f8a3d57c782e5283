import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { startHecReceiver, type HecAckOptions, type HecReceiver } from '../../support/receivers';

const CHANNEL = 'FE0ECFAD-13D5-401B-847D-77833BD77131';
const AUTH = { authorization: 'Splunk tok' };

/**
 * The HEC receiver's indexer acknowledgement must answer like HEC: these pin the answers the Splunk
 * sink relies on (channel codes 10 and 11, `ackId`s per channel from 0, `{"acks":{…}}` statuses that
 * are forgotten once `true`, code 14 without acknowledgement on the token).
 */
describe('HEC receiver with indexer acknowledgement', () => {
  let hec: HecReceiver | undefined;
  afterEach(async () => {
    await hec?.close();
    hec = undefined;
  });

  const start = async (ack?: HecAckOptions) => (hec = await startHecReceiver({ token: 'tok', ack }));
  const call = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${hec!.url}${path}`, { method: 'POST', body, headers });
    return {
      status: response.status,
      body: (await response.json()) as unknown,
      cookie: response.headers.get('set-cookie'),
    };
  };
  const send = (
    body: string,
    headers: Record<string, string> = { ...AUTH, 'x-splunk-request-channel': CHANNEL },
  ) => call('/services/collector/event', body, headers);
  const query = (
    ids: number[],
    headers: Record<string, string> = { ...AUTH, 'x-splunk-request-channel': CHANNEL },
  ) => call('/services/collector/ack', JSON.stringify({ acks: ids }), headers);

  it('needs a channel that is a GUID: code 10 without one, 11 for another string', async () => {
    await start({});
    assert.deepEqual((await send('{"event":1}', AUTH)).body, { text: 'Data channel is missing', code: 10 });
    assert.equal((await send('{"event":1}', AUTH)).status, 400);
    assert.deepEqual((await send('{"event":1}', { ...AUTH, 'x-splunk-request-channel': 'abc' })).body, {
      text: 'Invalid data channel',
      code: 11,
    });
    assert.deepEqual((await query([0], AUTH)).body, { text: 'Data channel is missing', code: 10 });
    assert.equal(hec!.events.length, 0);
  });

  it('answers an ackId per accepted request, counting from 0 per channel; ?channel= works too', async () => {
    await start({});
    assert.deepEqual((await send('{"event":1}')).body, { text: 'Success', code: 0, ackId: 0 });
    assert.deepEqual((await send('{"event":2}{"event":3}')).body, { text: 'Success', code: 0, ackId: 1 });
    const other = await call(
      '/services/collector/event?channel=0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
      '{"event":4}',
      AUTH,
    );
    assert.deepEqual(other.body, { text: 'Success', code: 0, ackId: 0 });
    assert.equal(hec!.events.length, 4);
    assert.deepEqual(
      hec!.acks.map((ack) => [ack.ackId, ack.events.length]),
      [
        [0, 1],
        [1, 2],
        [0, 1],
      ],
    );
  });

  it('with store: false, ack records keep no events (benchmarks): ackIds and counts are unchanged', async () => {
    hec = await startHecReceiver({ token: 'tok', ack: {}, store: false });
    assert.deepEqual((await send('{"event":1}{"event":2}')).body, { text: 'Success', code: 0, ackId: 0 });
    assert.equal(hec.counters.eventsAccepted, 2);
    assert.deepEqual(
      hec.acks.map((ack) => [ack.ackId, ack.events.length]),
      [[0, 0]],
    );
  });

  it('a request refused for one bad event gets no ackId (the events before it are indexed)', async () => {
    await start({});
    const refused = await send('{"event":"a"}\n{"time":1}');
    assert.deepEqual(refused.body, { text: 'Event field is required', code: 12, 'invalid-event-number': 1 });
    assert.equal(hec!.events.length, 1);
    assert.deepEqual((await send('{"event":"b"}')).body, { text: 'Success', code: 0, ackId: 0 });
  });

  it('statuses: pending first, then true once, then forgotten; unknown ids are false', async () => {
    await start({ pendingQueries: 1 });
    await send('{"event":1}');
    await send('{"event":2}');
    assert.deepEqual((await query([0, 1, 7])).body, { acks: { '0': false, '1': false, '7': false } });
    assert.deepEqual((await query([0, 1, 7])).body, { acks: { '0': true, '1': true, '7': false } });
    assert.deepEqual((await query([0, 1])).body, { acks: { '0': false, '1': false } });
    assert.equal(hec!.ackCounters.acknowledged, 2);
  });

  it('acks are per channel', async () => {
    await start({ pendingQueries: 0 });
    await send('{"event":1}');
    const elsewhere = { ...AUTH, 'x-splunk-request-channel': '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' };
    assert.deepEqual((await query([0], elsewhere)).body, { acks: { '0': false } });
    assert.deepEqual((await query([0])).body, { acks: { '0': true } });
  });

  it('manual mode: true only once acknowledge() released them', async () => {
    await start({ manual: true, pendingQueries: 0 });
    await send('{"event":1}');
    assert.deepEqual((await query([0])).body, { acks: { '0': false } });
    assert.equal(hec!.acknowledge(), 1);
    assert.deepEqual((await query([0])).body, { acks: { '0': true } });
  });

  it('fates: a dropped request is answered 200 with an ackId but never indexed nor acknowledged; a lost one is indexed', async () => {
    await start({ fates: ['drop', 'lose'], pendingQueries: 0 });
    assert.deepEqual((await send('{"event":"dropped"}')).body, { text: 'Success', code: 0, ackId: 0 });
    assert.deepEqual((await send('{"event":"kept"}')).body, { text: 'Success', code: 0, ackId: 1 });
    assert.deepEqual(
      hec!.events.map((event) => event.event),
      ['kept'],
    );
    for (let round = 0; round < 3; round += 1)
      assert.deepEqual((await query([0, 1])).body, { acks: { '0': false, '1': false } });
  });

  it('an indexer restart loses the pending ack states, and the channel counts from 0 again', async () => {
    await start({ pendingQueries: 0 });
    await send('{"event":1}');
    hec!.restartIndexers();
    assert.deepEqual((await query([0])).body, { acks: { '0': false } });
    assert.equal(hec!.acks[0].fate, 'lose');
    assert.deepEqual((await send('{"event":2}')).body, { text: 'Success', code: 0, ackId: 0 });
    assert.equal(hec!.events.length, 2, 'the events indexed before the restart stay');
  });

  it("a restart can take the pending requests' events with it (losePendingEvents); acknowledged ones stay", async () => {
    await start({ pendingQueries: 0 });
    await send('{"event":1}');
    assert.deepEqual((await query([0])).body, { acks: { '0': true } });
    await send('{"event":2}');
    hec!.restartIndexers({ losePendingEvents: true });
    assert.deepEqual(
      hec!.events.map((event) => event.event),
      [1],
    );
    assert.equal(hec!.counters.eventsAccepted, 1);
    assert.equal(hec!.acks[1].fate, 'drop');
    assert.deepEqual((await send('{"event":2}')).body, { text: 'Success', code: 0, ackId: 0 });
    assert.equal(hec!.counters.duplicates, 0, 'the lost copy does not count');
  });

  it('unknownChannel: invalid: a query on a channel the indexer does not know is answered code 11', async () => {
    await start({ pendingQueries: 0, unknownChannel: 'invalid' });
    assert.deepEqual(await query([0]), {
      status: 400,
      body: { text: 'Invalid data channel', code: 11 },
      cookie: null,
    });
    await send('{"event":1}');
    assert.deepEqual((await query([0])).body, { acks: { '0': true } });
    hec!.restartIndexers();
    assert.equal((await query([1])).status, 400);
  });

  it('without acknowledgement on the token: no ackId, and ack queries are answered code 14', async () => {
    await start(undefined);
    assert.deepEqual((await send('{"event":1}')).body, { text: 'Success', code: 0 });
    assert.deepEqual(await query([0]), {
      status: 400,
      body: { text: 'ACK is disabled', code: 14 },
      cookie: null,
    });
  });

  it('turning acknowledgement off on the token makes the queries answer code 14', async () => {
    await start({});
    await send('{"event":1}');
    hec!.setAckEnabled(false);
    assert.deepEqual((await query([0])).body, { text: 'ACK is disabled', code: 14 });
  });

  it('behind a sticky load balancer: the cookie names the indexer; without it requests go round', async () => {
    await start({ indexers: 2, pendingQueries: 0 });
    const first = await send('{"event":1}');
    assert.equal(first.cookie, 'AWSALB=0; Path=/; Max-Age=604800');
    const sticky = { ...AUTH, 'x-splunk-request-channel': CHANNEL, cookie: 'AWSALB=0' };
    assert.deepEqual((await send('{"event":2}', sticky)).body, { text: 'Success', code: 0, ackId: 1 });
    // Without the cookie the next request reaches the other indexer: its own channel, from 0.
    const roaming = await send('{"event":3}');
    assert.deepEqual(roaming.body, { text: 'Success', code: 0, ackId: 0 });
    assert.equal(roaming.cookie, 'AWSALB=1; Path=/; Max-Age=604800');
    assert.deepEqual((await query([0, 1], sticky)).body, { acks: { '0': true, '1': true } });
    assert.deepEqual(hec!.ackCounters.byIndexer, [3, 1]);
  });
});
