import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseSource, configuredSources } from '../../../cli/detect/sources';
import { parseConfig } from '../../../lambda/core/config/load';
import { compileDetectionRules } from '../../../lambda/core/detections/load-rules';
import { SluiceError } from '../../../lambda/core/errors';

const sdm = { name: 'sdm', prefix: 'sdm/logs', preset: 'strongdm' };
const ruleSet = compileDetectionRules([
  {
    path: 'rules/r.yml',
    text: 'title: r\nlogsource:\n  product: strongdm\n  service: queries\ndetection:\n  s:\n    query|contains: drop\n  condition: s\n',
  },
]);

describe('the sources `sluice detect` reads', () => {
  it('lists the alerts source after the configured ones when detections are on, bound by its name', () => {
    const sources = configuredSources(parseConfig({ sources: [sdm], detections: {} }));
    assert.deepEqual(
      sources.map((source) => [source.binding, source.reading.prefix, source.implicit ?? false]),
      [
        [{ name: 'sdm', preset: 'strongdm' }, 'sdm/logs', false],
        [{ name: 'sluice', preset: undefined }, 'sluice', true],
      ],
    );
    assert.equal(sources[1].reading.timestampField, 'detectedAt');
  });

  it("still reads local records as the configuration's only vendor source, the alerts source only when named", () => {
    const sources = configuredSources(parseConfig({ sources: [sdm], detections: {} }));
    assert.equal(chooseSource(undefined, sources, ruleSet).binding.name, 'sdm');
    assert.equal(chooseSource('sluice', sources, ruleSet).binding.name, 'sluice');
  });

  it('asks which source when two vendor sources are configured, naming the alerts source too', () => {
    const portal = { ...sdm, name: 'portal', prefix: 'apps/portal' };
    const sources = configuredSources(parseConfig({ sources: [sdm, portal], detections: {} }));
    assert.throws(
      () => chooseSource(undefined, sources, ruleSet),
      (error: unknown) => error instanceof SluiceError && /one of sdm, portal, sluice/.test(error.message),
    );
  });

  it('refuses a --source that is no configured source, vendor preset or product of the rules, as backtest does', () => {
    const sources = configuredSources(parseConfig({ sources: [sdm], detections: {} }));
    assert.throws(
      () => chooseSource('strongdn', sources, ruleSet, 'sluice.config.json'),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'USAGE' &&
        /source 'strongdn' is not in sluice\.config\.json.*Fix: use one of sdm, sluice, strongdm/.test(
          error.message,
        ),
    );
    assert.equal(chooseSource('strongdm', sources, ruleSet).binding.preset, 'strongdm', 'a vendor preset');
    assert.equal(chooseSource('strongdm', [], ruleSet).binding.name, 'strongdm', 'without a configuration');
  });
});
