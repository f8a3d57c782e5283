import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../lambda/core/config/load';
import {
  buildObjectKey,
  classifyKey,
  keyPrefixesOverlap,
  prefixesOverlap,
} from '../../../lambda/core/layout/key-layout';
import { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';

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

function cloudtrailSource(prefix: string) {
  return {
    name: 'cloudtrail',
    prefix,
    preset: 'cloudtrail',
    trailArns: ['arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail'],
  };
}

describe('the key layouts of vendor presets, as the forwarder classifies keys', () => {
  const { sources: presetSources } = runtimeConfigOf(
    parseConfig({
      sources: [
        { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
        {
          name: 'github',
          prefix: '',
          preset: 'github-enterprise',
          principals: ['arn:aws:iam::111122223333:role/github-audit-log-streaming'],
        },
        {
          name: 'cf-http',
          prefix: 'cloudflare/http',
          preset: 'cloudflare-logpush',
          logType: 'http_requests',
        },
        cloudtrailSource('cloudtrail'),
      ],
    }),
  );
  const classify = (key: string) => {
    const found = classifyKey(key, presetSources);
    return found.kind === 'record-object'
      ? { source: found.source.name, logType: found.logType }
      : found.kind === 'vendor-test'
        ? { source: found.source.name, skipped: found.what }
        : found.kind;
  };

  it('reads the log type from the layout, or the source for layouts without one', () => {
    assert.deepEqual(classify('sdm/logs/queries/2024/02/01/18/50/a.json'), {
      source: 'strongdm',
      logType: 'queries',
    });
    assert.deepEqual(classify('2024/02/01/18/50/8e9d30f7.json.log.gz'), {
      source: 'github',
      logType: 'audit',
    });
    assert.deepEqual(classify('cloudflare/http/20240201/20240201T185030Z_20240201T185100Z_4d2c1a9e.log.gz'), {
      source: 'cf-http',
      logType: 'http_requests',
    });
    assert.deepEqual(
      classify(
        'cloudtrail/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/02/01/111122223333_CloudTrail_eu-west-1_20240201T1850Z_Ab12Cd34Ef56Gh78.json.gz',
      ),
      { source: 'cloudtrail', logType: 'cloudtrail' },
    );
  });

  it("never forwards the vendors' control objects: test object, ownership challenge, CloudTrail digests", () => {
    assert.deepEqual(classify('sdm/logs/test'), { source: 'strongdm', skipped: "the vendor's test object" });
    assert.deepEqual(classify('cloudflare/http/ownership-challenge-9883874e.txt'), {
      source: 'cf-http',
      skipped: "Cloudflare's ownership challenge file",
    });
    assert.deepEqual(classify('cloudflare/http/20240201/ownership-challenge.txt'), {
      source: 'cf-http',
      skipped: "Cloudflare's ownership challenge file",
    });
    for (const digest of [
      'cloudtrail/AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/02/01/111122223333_CloudTrail-Digest_eu-west-1_org-trail_eu-west-1_20240201T185131Z.json.gz',
      'cloudtrail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail-Digest/eu-west-1/2024/02/01/d.json.gz',
    ]) {
      assert.deepEqual(
        classify(digest),
        { source: 'cloudtrail', skipped: 'a CloudTrail digest file' },
        digest,
      );
    }
  });

  it('still forwards a key that strays from a layout under a prefix (nothing is dropped for its name)', () => {
    assert.deepEqual(
      classify('cloudtrail/AWSLogs/111122223333/CloudTrail-Insight/eu-west-1/2024/02/01/i.json.gz'),
      { source: 'cloudtrail', logType: 'cloudtrail' },
    );
    assert.deepEqual(classify('cloudflare/http/stray.log.gz'), {
      source: 'cf-http',
      logType: 'http_requests',
    });
    assert.deepEqual(classify('sdm/logs/file.json'), { source: 'strongdm', logType: 'unknown' });
  });

  it('gives a source at the bucket root only the keys that follow its layout', () => {
    assert.equal(classify('sluice/quarantine/strongdm/2024/02/01/18/50/x.json'), 'outside-sources');
    assert.equal(classify('2024/02/01/18/50/deeper/x.json'), 'outside-sources');
    assert.equal(classify('2024-notes.txt'), 'outside-sources');
    assert.equal(classify('test'), 'outside-sources');
  });

  it("gives a source at the bucket root every key in its layout's leading folder: CloudTrail's Insights, organization and digest files", () => {
    const { sources: atRoot } = runtimeConfigOf(
      parseConfig({
        sources: [cloudtrailSource('')],
      }),
    );
    const classifyAtRoot = (key: string) => {
      const found = classifyKey(key, atRoot);
      return found.kind === 'record-object' ? found.logType : found.kind;
    };
    for (const key of [
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/02/01/111122223333_CloudTrail_eu-west-1_20240201T1850Z_Ab12Cd34Ef56Gh78.json.gz',
      'AWSLogs/111122223333/CloudTrail-Insight/eu-west-1/2024/02/01/111122223333_CloudTrail-Insight_eu-west-1_20240201T1850Z_Ab12.json.gz',
      'AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/eu-west-1/2024/02/01/111122223333_CloudTrail_eu-west-1_20240201T1850Z_Ab12.json.gz',
    ]) {
      assert.equal(classifyAtRoot(key), 'cloudtrail', key);
    }
    assert.equal(
      classifyAtRoot('AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/02/01/d.json.gz'),
      'vendor-test',
    );
    assert.equal(classifyAtRoot('AWSLogsOther/x.json.gz'), 'outside-sources');
    assert.equal(classifyAtRoot('cloudtrail/AWSLogs/x.json.gz'), 'outside-sources');
  });

  it('compares the key prefixes of sources, the bucket root included', () => {
    assert.equal(keyPrefixesOverlap(['a/b/'], ['a/b/c/']), true);
    assert.equal(keyPrefixesOverlap(['a/b/'], ['a/bc/']), false);
    assert.equal(keyPrefixesOverlap(['0', '1', '2'], ['2fa/']), true);
    assert.equal(keyPrefixesOverlap(['0', '1', '2'], ['sdm/logs/']), false);
  });
});
