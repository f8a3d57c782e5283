import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  entryIdentity,
  quarantineLines,
  quarantineName,
  storedIdentities,
} from '../../../lambda/core/forward/quarantine-format';

const object = {
  bucket: 'acme-logs',
  key: 'sdm/logs/activities/a.json',
  versionId: 'v1',
  eventTime: new Date(0),
};
const at = new Date('2024-02-01T18:50:04.123Z');

describe('quarantine entries', () => {
  it("are filed by source and the object's time: its key's time folders when it follows the layout", () => {
    const laidOut = { ...object, key: 'sdm/logs/activities/2024/02/01/18/50/u.json', eventTime: at };
    assert.match(
      quarantineName('strongdm', laidOut, 'etag-1', 0),
      /^strongdm\/2024\/02\/01\/18\/50\/[A-Za-z0-9_-]{27}-0\.json$/,
    );
    const written = new Date('2024-03-05T07:09:59Z');
    assert.match(
      quarantineName('strongdm', { ...object, key: 'exports/audit.json', eventTime: written }, 'e', 2),
      /^strongdm\/2024\/03\/05\/07\/09\/[A-Za-z0-9_-]{27}-2\.json$/,
      'else when S3 saw the object',
    );
    assert.match(
      quarantineName('strongdm', { ...object, key: 'x/2024/13/01/00/00/u.json', eventTime: written }, 'e', 0),
      /^strongdm\/2024\/03\/05\/07\/09\//,
      'folders that are not a real minute are not the layout',
    );
  });

  it('name the same files for the same bytes, whenever and however they are read', () => {
    const laidOut = { ...object, key: 'sdm/logs/activities/2024/02/01/18/50/u.json' };
    const first = quarantineName('strongdm', { ...laidOut, versionId: 'v1', eventTime: at }, 'etag-1', 0);
    // A replay a month later: no versionId, another event time (the listing's LastModified).
    const replay = { ...laidOut, versionId: undefined, eventTime: new Date('2024-03-01T00:00:00Z') };
    assert.equal(quarantineName('strongdm', replay, 'etag-1', 0), first);
    assert.notEqual(quarantineName('strongdm', replay, 'etag-2', 0), first, 'other bytes, other files');
    assert.notEqual(quarantineName('strongdm', replay, 'etag-1', 1), first);
  });

  it('are recognised when read back, by offset and refusing destination', () => {
    const file = quarantineLines(
      [
        { code: 'INVALID_JSON', reason: 'x', offset: 3, raw: Buffer.from('{') },
        { code: 'ES_DOCUMENT_REJECTED', reason: 'y', offset: 9, destination: 'elastic', record: '{}' },
      ],
      object,
      at,
    );
    assert.deepEqual(storedIdentities(`${file}not json\n{"offset":"7"}\n`), [
      entryIdentity({ offset: 3 }),
      entryIdentity({ offset: 9, destination: 'elastic' }),
    ]);
    assert.notEqual(entryIdentity({ offset: 9 }), entryIdentity({ offset: 9, destination: 'elastic' }));
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
