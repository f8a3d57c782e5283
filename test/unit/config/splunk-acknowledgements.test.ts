import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../lambda/core/config/load';
import { SluiceError } from '../../../lambda/core/errors';

const strongdm = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };
const splunk = (extra: Record<string, unknown> = {}) => ({
  sources: [strongdm],
  destinations: [
    {
      type: 'splunk-hec',
      name: 'splunk',
      url: 'https://splunk.example.com:8088',
      tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hec-AbCdEf',
      ...extra,
    },
  ],
});

describe('Splunk indexer acknowledgement settings', () => {
  it('are off by default; polling every 10 s, resending after 120 s once on', () => {
    const [hec] = parseConfig(splunk()).destinations;
    assert.equal(hec.type === 'splunk-hec' && hec.acknowledgements, false);
    assert.equal(hec.type === 'splunk-hec' && hec.ackPollIntervalSeconds, 10);
    assert.equal(hec.type === 'splunk-hec' && hec.ackTimeoutSeconds, 120);
  });

  it('refuse an ack timeout not longer than the poll interval, naming both and the fix', () => {
    let problems: string[] = [];
    try {
      parseConfig(splunk({ acknowledgements: true, ackPollIntervalSeconds: 30, ackTimeoutSeconds: 30 }));
    } catch (error) {
      assert.ok(error instanceof SluiceError);
      problems = error.context.problems as string[];
    }
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0],
      /^destinations\[0\]\.ackTimeoutSeconds: 30 s is not longer than ackPollIntervalSeconds \(30 s\).*Fix:/,
    );
  });

  it('a bad value in one of them is reported on its own', () => {
    let problems: string[] = [];
    try {
      parseConfig(splunk({ ackPollIntervalSeconds: 0 }));
    } catch (error) {
      assert.ok(error instanceof SluiceError);
      problems = error.context.problems as string[];
    }
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], /^destinations\[0\]\.ackPollIntervalSeconds: /);
  });
});
