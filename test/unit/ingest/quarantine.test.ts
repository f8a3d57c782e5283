import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quarantineBody, quarantineKey } from '../../../lambda/core/ingest/quarantine';

describe('quarantine objects', () => {
  const at = new Date('2024-12-31T23:59:59.999Z');

  it('live under <quarantinePrefix>/ingest/YYYY/MM/DD/<id>.json (UTC day)', () => {
    assert.equal(
      quarantineKey('sluice/quarantine/', at, 'abc'),
      'sluice/quarantine/ingest/2024/12/31/abc.json',
    );
  });

  it('hold one NDJSON line per message with reason, code, message id and the body exactly as received', () => {
    const raw = 'not json at all\n{"half":';
    const body = quarantineBody(
      [{ messageId: 'm-1', code: 'INVALID_JSON', reason: 'event 0 is not valid JSON', body: raw }],
      at,
    );
    assert.ok(body.endsWith('\n'));
    assert.deepEqual(JSON.parse(body), {
      quarantinedAt: '2024-12-31T23:59:59.999Z',
      stage: 'ingest-batcher',
      code: 'INVALID_JSON',
      reason: 'event 0 is not valid JSON',
      messageId: 'm-1',
      body: raw,
    });
  });
});
