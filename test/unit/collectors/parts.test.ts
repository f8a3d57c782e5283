import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collectRecord } from '../../../lambda/core/collectors/collected-record';
import { collectorConfig } from '../../../lambda/core/collectors/config';
import { contentId, withIdField } from '../../../lambda/core/collectors/event-id';
import { jwtExpiry, sessionCookie } from '../../../lambda/core/collectors/http/cookies';
import { nextLink } from '../../../lambda/core/collectors/http/link-header';
import { recordsAt } from '../../../lambda/core/collectors/response-records';
import { ARN } from './support';

const BASE = new URL('https://api.example.com/v1/events?page=1');

describe('the next link of a Link header', () => {
  it('reads rel="next" among several links, with commas inside the URL', () => {
    const header =
      '<https://api.example.com/v1/events?ids=1,2&after=x>; rel="next", <https://api.example.com/v1/events>; rel="first"';
    assert.equal(nextLink(header, BASE)?.toString(), 'https://api.example.com/v1/events?ids=1,2&after=x');
  });
  it("reads the bare form Cirrus's client expects, relative links, and rel lists", () => {
    assert.equal(
      nextLink('https://api.example.com/logs/v1?after=abc; rel="next"', BASE)?.toString(),
      'https://api.example.com/logs/v1?after=abc',
    );
    assert.equal(
      nextLink('</v1/events?page=2>; rel="prev next"', BASE)?.toString(),
      'https://api.example.com/v1/events?page=2',
    );
    assert.equal(nextLink('<https://api.example.com/v1/events>; rel="last"', BASE), undefined);
    assert.equal(nextLink(undefined, BASE), undefined);
  });
});

describe('the session cookie of a login answer', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const jwt = (exp: number) =>
    ['e30', Buffer.from(JSON.stringify({ exp })).toString('base64url'), 'sig'].join('.');

  it('expires at Max-Age before Expires, and no later than the JWT exp', () => {
    const cookie = sessionCookie(
      ['other=1', 'stellarbridge=abc; Path=/; Expires=Wed, 01 Jan 2025 02:00:00 GMT; Max-Age=600; HttpOnly'],
      'stellarbridge',
      now,
    );
    assert.deepEqual(cookie, { name: 'stellarbridge', value: 'abc', expiresAt: now + 600_000 });
    const token = jwt(now / 1000 + 60);
    assert.equal(
      sessionCookie(`stellarbridge=${token}; Max-Age=600`, 'stellarbridge', now)?.expiresAt,
      now + 60_000,
    );
    assert.equal(jwtExpiry('not-a-jwt'), undefined);
  });
  it('counts a cookie set already expired (a logout) as absent', () => {
    assert.equal(sessionCookie('stellarbridge=; Max-Age=0', 'stellarbridge', now), undefined);
  });
});

describe('the events of an answer', () => {
  it('keeps each event as the API wrote it, numbers beyond 2^53 included, at a nested path', () => {
    const text =
      '{"meta":{"n":2},"data":{"items":[\n  {"id": 12345678901234567890, "a": "x"},\n  {"id": 2}\n]}}';
    const result = recordsAt(text, 'data.items');
    assert.ok(result.ok);
    assert.deepEqual(
      result.records.map((record) => record.line),
      ['{"id": 12345678901234567890, "a": "x"}', '{"id": 2}'],
    );
  });
  it('names what is wrong with an answer that is not the documented shape', () => {
    assert.deepEqual(recordsAt('{"data": {}}', 'data'), {
      ok: false,
      reason: '"data" is not an array of events',
    });
    assert.deepEqual(recordsAt('[1]', ''), {
      ok: false,
      reason: 'event 0 of the answer is not a JSON object',
    });
    assert.deepEqual(recordsAt('<html>', ''), { ok: false, reason: 'the answer is not JSON' });
  });
});

describe('event ids', () => {
  it('are the same for the same event whatever its field order, and added as the last member', () => {
    assert.equal(contentId({ a: 1, b: { c: 2, d: 3 } }), contentId({ b: { d: 3, c: 2 }, a: 1 }));
    assert.notEqual(contentId({ a: 1 }), contentId({ a: 2 }));
    assert.equal(withIdField('{"a": 1}', { a: 1 }, 'sluice_event_id', 'X'), '{"a": 1,"sluice_event_id":"X"}');
    assert.equal(withIdField('{}', {}, 'sluice_event_id', 'X'), '{"sluice_event_id":"X"}');
  });
});

describe('an id beyond 2^53', () => {
  // JSON.parse rounds 9007199254740993 to 9007199254740992: read as a number, the two ids below were
  // one, and the engine dropped the second event as written already.
  const text =
    '{"data":[{"meta":{"id":9007199254740993},"at":"2024-06-05T08:00:00Z"},' +
    '{"meta":{"id":9007199254740992},"at":"2024-06-05T08:00:01Z"},{"meta":{"id":7},"at":"2024-06-05T08:00:02Z"}]}';

  it('is the digits the API wrote, so that two events never share one', () => {
    const result = recordsAt(text, 'data');
    assert.ok(result.ok);
    const records = result.records.map((raw, index) =>
      collectRecord(raw, index, { timestampPath: 'at', idPath: 'meta.id' }, {}),
    );
    assert.deepEqual(
      records.map((record) => record.id),
      ['9007199254740993', '9007199254740992', '7'],
    );
    assert.equal(JSON.parse(records[0].line).sluice_event_id, '9007199254740993');
  });

  it('tells apart events without an id that differ only there (their content ids)', () => {
    const [a, b] = [
      '{"bytes":9007199254740993,"at":"2024-06-05T08:00:00Z","tags":[{"n":12345678901234567891}]}',
      '{"tags":[{"n":12345678901234567891}],"at":"2024-06-05T08:00:00Z","bytes":9007199254740992}',
    ];
    const id = (line: string) => contentId(JSON.parse(line), line);
    assert.notEqual(id(a), id(b));
    assert.equal(
      id(a),
      id('{"at":"2024-06-05T08:00:00Z","tags":[{"n":12345678901234567891}],"bytes":9007199254740993}'),
    );
    // Every other event keeps the id it had (the scheme is unchanged).
    const plain = '{"b":[1,{"c":"1234567890123456789"}],"a":1.5e3}';
    assert.equal(id(plain), contentId(JSON.parse(plain)));
    const result = recordsAt(`[${a},${b}]`, '');
    assert.ok(result.ok);
    const [first, second] = result.records.map((raw, index) =>
      collectRecord(raw, index, { timestampPath: 'at' }, {}),
    );
    assert.notEqual(first.id, second.id);
  });
});

describe('collectors[] configuration', () => {
  it('accepts the worked GitHub audit log example', () => {
    const text = readFileSync(
      join(__dirname, '..', '..', '..', 'examples', 'collectors', 'http-json-github-audit-log.json'),
      'utf8',
    );
    const parsed = collectorConfig.safeParse(JSON.parse(text));
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
  });
  it('fills the defaults: every 5 minutes, a first run 7 days back, 1,000 events per object', () => {
    const parsed = collectorConfig.parse({
      type: 'stellarbridge-events',
      name: 'sb',
      source: 'stellarbridge',
      logType: 'events',
      orgUrl: 'https://acme.stellarbridge.app',
      loginSecretArn: ARN('sb'),
    });
    assert.equal(parsed.everyMinutes, 5);
    assert.equal(parsed.firstRunDays, 7);
    assert.equal(parsed.maxRecordsPerObject, 1000);
  });
  it('refuses credentials inline, a Cirrus limit above 1,000, an unknown filter, and plain http off loopback', () => {
    const problems = (value: unknown) =>
      collectorConfig
        .safeParse(value)
        .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    const cirrus = { type: 'cirrus-siem', name: 'c', source: 'c', logType: 'siem' };
    assert.match(
      problems({ ...cirrus, credentialsSecretArn: 'my-api-secret' }).join('\n'),
      /credentialsSecretArn: must be a Secrets Manager secret ARN/,
    );
    assert.match(problems({ ...cirrus, credentialsSecretArn: ARN('c'), limit: 5000 }).join('\n'), /limit/);
    assert.match(
      problems({ ...cirrus, credentialsSecretArn: ARN('c'), query: { tenantt: 'x' } }).join('\n'),
      /query/,
    );
    assert.match(
      problems({ ...cirrus, credentialsSecretArn: ARN('c'), apiUrl: 'http://siem.example.com/logs' }).join(
        '\n',
      ),
      /must use https/,
    );
  });
});
