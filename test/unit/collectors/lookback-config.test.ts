import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectorRunSettings } from '../../../lambda/collector/collect';
import { collectorRuntimeConfigOf } from '../../../lambda/collector/runtime-config';
import { parseConfig } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';

const config = (collector: Record<string, unknown> = {}) => ({
  sources: [{ name: 'cirrus', prefix: 'cirrus/siem' }],
  collectors: [
    {
      type: 'cirrus-siem',
      name: 'cirrus-main',
      source: 'cirrus',
      logType: 'siem',
      credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/cirrus-AbCdEf',
      ...collector,
    },
  ],
});

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    assert.ok(error instanceof SluiceError, String(error));
    return error.context.problems as string[];
  }
  assert.fail('configuration was accepted');
}

describe("a collector's lookbackSeconds", () => {
  it('defaults to 300 s, and reaches the run as milliseconds', () => {
    const parsed = parseConfig(config());
    assert.equal(parsed.collectors[0].lookbackSeconds, 300);
    const settings = collectorRunSettings(
      collectorRuntimeConfigOf(parseConfig(config({ lookbackSeconds: 0 })), 'cirrus-main'),
    );
    assert.equal(settings.lookbackMs, 0);
  });

  it('is refused, with the allowed range, when negative, fractional or beyond a day', () => {
    for (const value of [-1, 1.5, 86_401]) {
      const problems = problemsOf(config({ lookbackSeconds: value }));
      const problem = problems.find((line) => line.includes('lookbackSeconds'));
      assert.ok(problem, `no problem for ${value}: ${problems.join('\n')}`);
      assert.match(problem, /seconds from 0 to 86400|at most 86400/);
    }
  });
});
