import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unboundReason, validateRules } from '../../../cli/detect/validate';

describe('`sluice detect validate`', () => {
  it('warns with the line and column of the rule that runs nowhere', () => {
    const { report } = validateRules(
      [
        {
          path: 'rules/a.yml',
          text: 'title: a\nlogsource: {product: strongdm}\ndetection: {s: {a: 1}, condition: s}\n',
        },
        {
          path: 'rules/okta.yml',
          text: '# okta\ntitle: okta\nlogsource: {product: okta}\ndetection: {s: {a: 1}, condition: s}\n',
        },
      ],
      [{ name: 'sdm', preset: 'strongdm' }],
    );
    assert.equal(report.unbound.length, 1);
    assert.equal(
      unboundReason(report.unbound[0], report.sources ?? []),
      'rules/okta.yml:2:1: rule "okta" runs nowhere: logsource product "okta" is no configured source\'s preset or name (sdm)',
    );
  });
});
