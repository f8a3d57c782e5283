import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../../lambda/core/config/load';
import { startCollectorMoto, type CollectorMoto } from '../../support/collector-moto';
import { lambdaContext } from '../../support/event-source';
import { startLinkPagedAuditApi, type LinkPagedAuditApi } from '../../support/receivers/link-paged-audit-api';

const TOKEN = 'ghp_capped_pages_token';
/** The API's largest page, below the worked example's `limit` (100). */
const MAX_PER_PAGE = 25;
const BACKLOG = 110;

describe('the collector Lambda handler on an API that caps pages below `limit` (moto, local GitHub-like API)', () => {
  let aws: CollectorMoto;
  let api: LinkPagedAuditApi;
  let secretArn: string;

  before(async () => {
    aws = await startCollectorMoto();
    secretArn = await aws.createSecret('github', TOKEN);
    api = await startLinkPagedAuditApi({ token: TOKEN, org: 'acme-corp', maxPerPage: MAX_PER_PAGE });
  });
  after(async () => {
    await api.close();
    await aws.stop();
  });

  async function writtenIds(prefix: string): Promise<string[]> {
    return (await aws.writtenEvents(prefix)).map((event) => event._document_id as string);
  }

  it('reads the whole backlog in one scheduled run, following the next link after every short page', async () => {
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < BACKLOG; i++) {
      api.events.push({
        '@timestamp': start + i * 1000,
        _document_id: `d${i}`,
        action: 'repo.create',
        actor: 'ana',
      });
    }
    const example = JSON.parse(
      readFileSync(join(__dirname, '../../../examples/collectors/http-json-github-audit-log.json'), 'utf8'),
    ) as Record<string, unknown>;
    const config = parseConfig({
      sources: [{ name: 'github', prefix: 'github/acme-corp', timestampField: '@timestamp' }],
      collectors: [{ ...example, url: api.url, auth: { type: 'header', secretArn } }],
    });
    const handler = aws.handler(config, 'github-audit');

    const outcome = await handler({}, lambdaContext(300_000));

    assert.equal(outcome.status, 'caught-up');
    assert.equal(outcome.recordsWritten, BACKLOG);
    const ids = await writtenIds('github/acme-corp/audit/');
    assert.deepEqual(
      ids.sort(),
      Array.from({ length: BACKLOG }, (_, i) => `d${i}`).sort(),
      'every event of the backlog is in the bucket after one run',
    );
    assert.ok(api.requests.every((request) => request.params.get('per_page') === '100'));
    assert.equal(api.requests.length, Math.ceil(BACKLOG / MAX_PER_PAGE), 'no request after the last page');
    const state = await aws.checkpoints.read('github-audit');
    assert.equal(state?.lastRunStatus, 'caught-up');
    assert.equal(Date.parse(state?.checkpoint?.newestEventAt ?? ''), start + (BACKLOG - 1) * 1000);
  });
});
