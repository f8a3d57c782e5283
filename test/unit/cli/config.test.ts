import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SluiceError } from '../../../lambda/core/errors';
import { parseConfig } from '../../../lambda/core/config/load';
import { OUTPUTS } from '../../../lib/sluice-stack';
import { OUTPUT_NAMES } from '../../../cli/aws/deployment';
import { loadCliConfig, parseCliConfig } from '../../../cli/shared/config';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hec-AbCdEf';
const SOURCE = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };

describe('the CLI configuration', () => {
  it('accepts file destinations next to the deployable ones, in file order', () => {
    const cli = parseCliConfig(
      {
        sources: [SOURCE],
        destinations: [
          { type: 'file', name: 'local', path: 'out/hec.ndjson', format: 'splunk-hec' },
          { type: 'splunk-hec', name: 'splunk', url: 'https://splunk.example.com:8088', tokenSecretArn: ARN },
          { type: 'file', name: 'raw', path: 'out/raw.ndjson' },
        ],
      },
      'test',
      'test.json',
    );
    assert.deepEqual(
      cli.destinations.map((destination) => [destination.type, destination.name]),
      [
        ['file', 'local'],
        ['splunk-hec', 'splunk'],
        ['file', 'raw'],
      ],
    );
    assert.equal(cli.destinations[2].type === 'file' && cli.destinations[2].format, 'ndjson');
    assert.deepEqual(
      cli.config.destinations.map((destination) => destination.name),
      ['splunk'],
      'the stack configuration never sees a file destination',
    );
  });

  it('names problems by their position in the file, file destinations included', () => {
    assert.throws(
      () =>
        parseCliConfig(
          {
            sources: [SOURCE],
            destinations: [
              { type: 'file', name: 'dup', path: 'a' },
              { type: 'https', name: 'dup', url: 'http://collector.example.com/in' },
              { type: 'file', name: 'Bad Name', path: '' },
            ],
          },
          'test',
          'test.json',
        ),
      (error: unknown) => {
        assert.ok(error instanceof SluiceError && error.code === 'CONFIG_INVALID');
        const problems = error.context.problems as string[];
        assert.ok(
          problems.some((line) => line.startsWith('destinations[2].name')),
          problems.join('\n'),
        );
        assert.ok(
          problems.some((line) => line.startsWith('destinations[2].path')),
          problems.join('\n'),
        );
        assert.ok(
          problems.some((line) => line.startsWith('destinations[1].url')),
          problems.join('\n'),
        );
        return true;
      },
    );
  });

  it('keeps file destinations out of a deployable configuration (cdk synth refuses them)', () => {
    assert.throws(
      () => parseConfig({ sources: [SOURCE], destinations: [{ type: 'file', name: 'local', path: 'x' }] }),
      (error: unknown) => error instanceof SluiceError && error.code === 'CONFIG_INVALID',
    );
  });

  it('ships a valid local configuration for sluice dev', () => {
    const cli = loadCliConfig(join(__dirname, '..', '..', '..', 'examples', 'local.json'), process.cwd());
    assert.ok(cli.destinations.every((destination) => destination.type === 'file'));
    assert.ok(cli.config.sources.some((source) => source.preset === 'strongdm'));
    assert.ok(
      cli.config.sources.some((source) => source.ingest),
      'the batcher has an ingest source to run for',
    );
  });

  it('reads the same stack output names the stack writes', () => {
    for (const [name, value] of Object.entries(OUTPUT_NAMES)) {
      assert.equal((OUTPUTS as Record<string, unknown>)[name], value, `OUTPUTS.${name}`);
    }
  });
});
