import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildObjectKey, classifyKey, prefixesOverlap } from '../../../lambda/core/layout/key-layout';

const sources = [
  { name: 'strongdm', prefix: 'sdm/logs' },
  { name: 'portal', prefix: 'apps/portal/' },
];

describe('the key layout', () => {
  it('finds the source and log type of a vendor object', () => {
    const found = classifyKey('sdm/logs/activities/2024/02/01/18/50/0b7c.json', sources);
    assert.equal(found.kind, 'record-object');
    assert.equal(found.kind === 'record-object' && found.source.name, 'strongdm');
    assert.equal(found.kind === 'record-object' && found.logType, 'activities');
  });

  it("recognises the vendor's connectivity test object", () => {
    assert.equal(classifyKey('sdm/logs/test', sources).kind, 'vendor-test');
  });

  it('treats keys outside every prefix, or merely sharing characters, as outside', () => {
    assert.equal(classifyKey('sdm/logsX/activities/a.json', sources).kind, 'outside-sources');
    assert.equal(classifyKey('elsewhere/a.json', sources).kind, 'outside-sources');
  });

  it('calls the log type unknown when the key has no log type segment', () => {
    const found = classifyKey('apps/portal/file.json', sources);
    assert.equal(found.kind === 'record-object' && found.logType, 'unknown');
  });

  it('builds UTC keys with zero-padded time segments', () => {
    const key = buildObjectKey({
      prefix: '/apps/portal/',
      logType: 'login',
      at: new Date('2024-03-04T05:06:59.999Z'),
      id: 'abc',
      gzip: true,
    });
    assert.equal(key, 'apps/portal/login/2024/03/04/05/06/abc.json.gz');
  });

  it('refuses a log type that could climb out of the layout', () => {
    assert.throws(
      () => buildObjectKey({ prefix: 'p', logType: '../x', at: new Date(), id: 'a', gzip: false }),
      RangeError,
    );
  });

  it('compares prefixes segment by segment', () => {
    assert.equal(prefixesOverlap('a/b', 'a/b/c'), true);
    assert.equal(prefixesOverlap('a/b', 'a/bc'), false);
    assert.equal(prefixesOverlap('/a/b/', 'a/b'), true);
  });
});
