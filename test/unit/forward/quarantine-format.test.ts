import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quarantineKey, quarantineLines } from '../../../lambda/core/forward/quarantine-format';

const object = {
  bucket: 'acme-logs',
  key: 'sdm/logs/activities/a.json',
  versionId: 'v1',
  eventTime: new Date(0),
};
const at = new Date('2024-02-01T18:50:04.123Z');

describe('quarantine entries', () => {
  it('are filed by source and time, outside every source prefix', () => {
    assert.equal(
      quarantineKey('sluice/quarantine', 'strongdm', at, 'u1'),
      'sluice/quarantine/strongdm/2024/02/01/18/50/u1.json',
    );
  });

  it('say why, where and what: the unreadable bytes as UTF-8 when they are text', () => {
    const [line] = quarantineLines(
      [
        {
          code: 'INVALID_JSON',
          reason: 'Unexpected end at position 11',
          offset: 42,
          raw: Buffer.from('{"broken": '),
        },
      ],
      object,
      at,
    )
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text));
    assert.deepEqual(line, {
      quarantinedAt: '2024-02-01T18:50:04.123Z',
      code: 'INVALID_JSON',
      reason: 'Unexpected end at position 11',
      bucket: 'acme-logs',
      key: 'sdm/logs/activities/a.json',
      versionId: 'v1',
      offset: 42,
      raw: '{"broken": ',
      rawEncoding: 'utf8',
    });
  });

  it('keep binary garbage exactly, as base64', () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    const line = JSON.parse(
      quarantineLines([{ code: 'INVALID_JSON', reason: 'x', offset: 0, raw: garbage }], object, at),
    );
    assert.equal(line.rawEncoding, 'base64');
    assert.deepEqual(Buffer.from(line.raw, 'base64'), garbage);
  });

  it('name the destination and the refused record', () => {
    const line = JSON.parse(
      quarantineLines(
        [
          {
            code: 'ES_DOCUMENT_REJECTED',
            reason: 'mapper_parsing_exception: x',
            offset: 7,
            destination: 'elastic',
            recordId: 'at-1',
            record: '{"id":"at-1"}',
          },
        ],
        object,
        at,
      ),
    );
    assert.deepEqual([line.destination, line.recordId, line.record], ['elastic', 'at-1', '{"id":"at-1"}']);
  });
});
