import { sourcesWithAlerts } from '../../lambda/core/config/alerts-source';
import type { SourceConfig } from '../../lambda/core/config/sources';
import { VENDOR_PRESET_NAMES, vendorPreset, type VendorPresetName } from '../../lambda/core/config/presets';
import type { SluiceConfig } from '../../lambda/core/config/schema';
import type { ForwardSource } from '../../lambda/core/forward/forward-object';
import type { SourceWithPrefix } from '../../lambda/core/forward/process-message';
import type { SourceDescriptor } from '../../lambda/core/detections/sigma/logsource';
import type { RuleSet } from '../../lambda/core/detections/sigma/rule-set';
import { runtimeConfigOf } from '../../lambda/forwarder/runtime-config';
import { usageError } from '../shared/errors';

/** A source as detection reads it: how to read its objects (as the forwarder does) and what rules bind to. */
export interface DetectionSource {
  readonly reading: SourceWithPrefix;
  readonly binding: SourceDescriptor;
  /** The alerts source detections add: read only when named (`--source sluice`). Default: false. */
  readonly implicit?: boolean;
}

/** The configuration's sources (with detections, the alerts source last), read as the forwarder reads them. */
export function configuredSources(config: SluiceConfig): DetectionSource[] {
  const runtime = runtimeConfigOf(config).sources;
  return sourcesWithAlerts(config).map((source: SourceConfig, index) => ({
    reading: runtime[index],
    binding: { name: source.name, preset: source.preset },
    ...(index >= config.sources.length ? { implicit: true } : {}),
  }));
}

function isPreset(name: string): name is VendorPresetName {
  return (VENDOR_PRESET_NAMES as readonly string[]).includes(name);
}

/** A source of no configuration: a vendor preset's reading, or plain NDJSON/JSON with `timestamp`. */
function unconfigured(name: string): DetectionSource {
  const preset = isPreset(name) ? vendorPreset(name) : undefined;
  const reading: ForwardSource & { prefix: string } = {
    name,
    prefix: '',
    format: preset?.format ?? 'auto',
    timestampField: preset?.timestampField ?? 'timestamp',
    timestampFieldByLogType: preset?.timestampFieldByLogType,
    idFieldByLogType: preset?.idFieldByLogType ?? {},
  };
  return { reading, binding: { name, preset: preset ? name : undefined } };
}

function productsOf(ruleSet: RuleSet): string[] {
  return [
    ...new Set(
      ruleSet.detections.flatMap((rule) => (rule.logsource.product ? [rule.logsource.product] : [])),
    ),
  ];
}

/**
 * `--source` of `sluice detect test`: a configured source, a vendor preset, or a product the rules
 * name. Anything else is refused, as backtest refuses it: a typo would bind no rule, and the run
 * would report "no record matches" for the wrong reason.
 */
function requestedSource(
  requested: string,
  configured: readonly DetectionSource[],
  ruleSet: RuleSet,
  origin: string | undefined,
): DetectionSource {
  const found = configured.find((source) => source.binding.name === requested);
  if (found) return found;
  const products = productsOf(ruleSet);
  if (isPreset(requested) || products.includes(requested)) return unconfigured(requested);
  const choices = [...new Set([...configured.map((source) => source.binding.name), ...products])];
  throw usageError(
    `source '${requested}' is not ${origin ? `in ${origin}, ` : ''}a vendor preset, or a product the rules name. Fix: use one of ${[...choices, ...VENDOR_PRESET_NAMES.filter((name) => !choices.includes(name))].join(', ')}`,
  );
}

/**
 * The source local records are read as (`sluice detect test`): `--source` (a configured source, a
 * vendor preset or a product the rules name), else the configuration's only source, else the one
 * product the rules name. `origin` names the configuration file in messages.
 */
export function chooseSource(
  requested: string | undefined,
  configured: readonly DetectionSource[],
  ruleSet: RuleSet,
  origin?: string,
): DetectionSource {
  if (requested) return requestedSource(requested, configured, ruleSet, origin);
  // The alerts source is read only when named: "the configuration's only source" is a vendor's.
  const own = configured.filter((source) => !source.implicit);
  if (own.length === 1) return own[0];
  const products = productsOf(ruleSet);
  if (own.length === 0 && products.length === 1) return unconfigured(products[0]);
  const choices = configured.length > 0 ? configured.map((source) => source.binding.name) : products;
  throw usageError(
    `which source are the records from? Fix: pass --source${choices.length > 0 ? ` (one of ${choices.join(', ')})` : ''}`,
  );
}
