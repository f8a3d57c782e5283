import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllowedLogTypes, resolveLogType } from '../../../lambda/core/ingest/log-type';

describe('resolveLogType', () => {
  it("uses the event's own logType field first", () => {
    assert.deepEqual(resolveLogType({ logType: 'audit' }, { defaultLogType: 'app' }, 'from-message'), {
      ok: true,
      logType: 'audit',
    });
  });

  it("falls back to the message's log type, then to the default", () => {
    assert.deepEqual(resolveLogType({}, { defaultLogType: 'app' }, 'from-message'), {
      ok: true,
      logType: 'from-message',
    });
    assert.deepEqual(resolveLogType({}, { defaultLogType: 'app' }), { ok: true, logType: 'app' });
  });

  it('refuses an event without a log type when there is no default', () => {
    const result = resolveLogType({ a: 1 }, {});
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'LOG_TYPE_MISSING');
  });

  it('refuses log types that could leave the key layout, instead of falling back to the default', () => {
    for (const bad of ['../etc', 'a/b', '', '.', 'with space', 'x'.repeat(65), 'é', 7, null, ['a']]) {
      const result = resolveLogType({ logType: bad }, { defaultLogType: 'app' });
      assert.equal(!result.ok && result.code, 'LOG_TYPE_INVALID', String(bad));
    }
    const fromMessage = resolveLogType({}, {}, 'a/../b');
    assert.equal(!fromMessage.ok && fromMessage.code, 'LOG_TYPE_INVALID');
  });

  it('accepts letters, digits, dash and underscore up to 64 characters', () => {
    for (const good of ['activities', 'Order_Events-2', 'x'.repeat(64)]) {
      assert.deepEqual(resolveLogType({ logType: good }, {}), { ok: true, logType: good });
    }
  });

  it('enforces the allowed set on every source of the log type', () => {
    const policy = { allowed: new Set(['audit', 'access']), defaultLogType: 'audit' };
    assert.equal(resolveLogType({ logType: 'access' }, policy).ok, true);
    for (const result of [
      resolveLogType({ logType: 'other' }, policy),
      resolveLogType({}, policy, 'other'),
      resolveLogType({}, { allowed: new Set(['audit']), defaultLogType: 'app' }),
    ]) {
      assert.equal(!result.ok && result.code, 'LOG_TYPE_NOT_ALLOWED');
    }
  });
});

describe('parseAllowedLogTypes', () => {
  it('reads a comma-separated list, trimming blanks; empty means no restriction', () => {
    assert.deepEqual(parseAllowedLogTypes(' audit, access ,,'), new Set(['audit', 'access']));
    assert.equal(parseAllowedLogTypes(''), undefined);
    assert.equal(parseAllowedLogTypes(undefined), undefined);
  });

  it('throws on a name that is not a valid log type', () => {
    assert.throws(() => parseAllowedLogTypes('audit,a/b'), /a\/b/);
  });
});
