import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from '../../../cli/commands/forward';

describe("sluice forward's summary", () => {
  const report = (skipped: number) => ({
    dryRun: true,
    objects: { listed: skipped + 1, forwarded: 0, failed: 0, skipped },
    bytes: 10,
    destinations: ['splunk'],
    skipped: Array.from({ length: skipped }, (_, i) => ({
      key: `other/${i}.json`,
      reason: 'outside every source prefix; pass --source to read it as one',
    })),
    failures: [],
    quarantine: 'sluice-quarantine',
  });

  it('says why each object was skipped, not only how many', () => {
    const lines = render(report(2)).split('\n');
    assert.deepEqual(lines.slice(1), [
      'skipped: other/0.json: outside every source prefix; pass --source to read it as one',
      'skipped: other/1.json: outside every source prefix; pass --source to read it as one',
    ]);
  });

  it('shows the first ten of a large prefix and leaves the rest to --json', () => {
    const lines = render(report(25)).split('\n');
    assert.equal(lines.length, 12);
    assert.equal(lines.at(-1), 'skipped: 15 more (--json lists them)');
  });
});
