import { bundledConfigText } from '../adapters/bundled-config-text';
import { sourcesWithAlerts } from '../core/config/alerts-source';
import type { DestinationConfig } from '../core/config/destinations';
import { VENDOR_TEST_OBJECT, type ControlObject } from '../core/config/presets';
import { DEFAULT_KEY_LAYOUT } from '../core/layout/key-pattern';
import type { SluiceConfig } from '../core/config/schema';
import type { AlertRouteConfig } from '../core/detections/routing/config';
import { parseTimespan } from '../core/detections/timespan';
import { SluiceError } from '../core/errors';
import type { SourceWithPrefix } from '../core/forward/process-message';

/** A source as the forwarder reads it, with the preset detection rules bind to (`logsource.product`). */
export interface RuntimeSource extends SourceWithPrefix {
  /** Default: none. */
  readonly preset?: string;
}

/** What the detections stage and the alert routes need (present when `detections` is configured). */
export interface DetectionsRuntimeConfig {
  readonly dedupPeriodMs: number;
  readonly latenessMs: number;
  /** Alert objects are written under `<alertsPrefix>/sluice-alerts/`. */
  readonly alertsPrefix: string;
  readonly routes: readonly AlertRouteConfig[];
}

/** What the forwarder needs at run time: ARNs and settings only, never a secret value. */
export interface ForwarderRuntimeConfig {
  /** The configured sources, then (with detections) the alerts source. */
  readonly sources: readonly RuntimeSource[];
  readonly destinations: readonly DestinationConfig[];
  readonly quarantinePrefix: string;
  readonly maxRecordBytes: number;
  readonly maxObjectBytes: number;
  /** Default: none (no detections). */
  readonly detections?: DetectionsRuntimeConfig;
}

export const RUNTIME_CONFIG_ENV = 'SLUICE_FORWARDER_CONFIG';
/**
 * Where the configuration is when it does not fit in the environment (Lambda allows 4 KB of
 * variables in all): a file beside the handler in the bundle, which the stack writes at synth.
 */
export const RUNTIME_CONFIG_FILE = 'forwarder-config.json';
/** Another path for that file (tests, a forwarder run outside its bundle). Default: beside the handler. */
export const RUNTIME_CONFIG_FILE_ENV = 'SLUICE_FORWARDER_CONFIG_FILE';

function isDefaultControl(controls: readonly ControlObject[]): boolean {
  return controls.length === 1 && controls[0].pattern === VENDOR_TEST_OBJECT.pattern;
}

export function runtimeConfigOf(config: SluiceConfig): ForwarderRuntimeConfig {
  return {
    // The environment holds at most 4 KB: what is at its default is left out.
    sources: sourcesWithAlerts(config).map((source) => ({
      name: source.name,
      prefix: source.prefix,
      ...(source.preset === undefined ? {} : { preset: source.preset }),
      ...(source.keyLayout === DEFAULT_KEY_LAYOUT ? {} : { keyLayout: source.keyLayout }),
      ...(source.logType === undefined ? {} : { logType: source.logType }),
      ...(isDefaultControl(source.controlObjects) ? {} : { controlObjects: source.controlObjects }),
      format: source.format,
      timestampField: source.timestampField,
      ...(Object.keys(source.timestampFieldByLogType).length === 0
        ? {}
        : { timestampFieldByLogType: source.timestampFieldByLogType }),
      idFieldByLogType: source.idFieldByLogType,
    })),
    destinations: config.destinations,
    quarantinePrefix: config.quarantinePrefix,
    maxRecordBytes: config.forwarder.maxRecordBytes,
    maxObjectBytes: config.forwarder.maxObjectBytes,
    ...(config.detections ? { detections: detectionsRuntimeConfigOf(config.detections) } : {}),
  };
}

function detectionsRuntimeConfigOf(
  detections: NonNullable<SluiceConfig['detections']>,
): DetectionsRuntimeConfig {
  return {
    dedupPeriodMs: parseTimespan(detections.dedupPeriod),
    latenessMs: parseTimespan(detections.lateness),
    alertsPrefix: detections.alerts.prefix,
    routes: detections.routes,
  };
}

export function readRuntimeConfig(env: NodeJS.ProcessEnv): ForwarderRuntimeConfig {
  const { text, origin } = bundledConfigText(env, {
    variable: RUNTIME_CONFIG_ENV,
    file: RUNTIME_CONFIG_FILE,
    fileVariable: RUNTIME_CONFIG_FILE_ENV,
    handlerDir: __dirname,
    role: 'forwarder',
  });
  let parsed: ForwarderRuntimeConfig;
  try {
    parsed = JSON.parse(text) as ForwarderRuntimeConfig;
  } catch (error) {
    throw new SluiceError(
      'RUNTIME_CONFIG_INVALID',
      `${origin} is not JSON (${(error as Error).message}); deploy the forwarder with the sluice stack`,
    );
  }
  if (!Array.isArray(parsed.sources) || !Array.isArray(parsed.destinations)) {
    throw new SluiceError('RUNTIME_CONFIG_INVALID', `${origin} lacks sources or destinations`);
  }
  return parsed;
}
