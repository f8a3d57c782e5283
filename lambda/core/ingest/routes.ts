import type { BodyFormat } from './body';

/**
 * The endpoint's paths. The generic path takes NDJSON or a JSON array; the HEC-compatible paths
 * are the ones Splunk clients call (Fluent Bit's `splunk` output, Vector's `splunk_hec_logs`,
 * seed 000's shipper): `event` takes HEC envelopes, `raw` takes NDJSON (Fluent Bit's
 * `Splunk_Send_Raw On`), `health` answers health checks.
 */
export const GENERIC_PATH = '/v1/events';
export const HEC_EVENT_PATHS = [
  '/services/collector',
  '/services/collector/event',
  '/services/collector/event/1.0',
];
export const HEC_RAW_PATHS = ['/services/collector/raw', '/services/collector/raw/1.0'];
export const HEC_HEALTH_PATHS = ['/services/collector/health', '/services/collector/health/1.0'];

export type Route =
  | { readonly kind: 'ingest'; readonly dialect: 'plain' | 'hec'; readonly format: BodyFormat }
  | { readonly kind: 'health' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly dialect: 'plain' | 'hec'; readonly allow: string };

export function matchRoute(method: string, rawPath: string): Route {
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  const verb = method.toUpperCase();
  if (HEC_HEALTH_PATHS.includes(path)) {
    return verb === 'GET' ? { kind: 'health' } : { kind: 'method-not-allowed', dialect: 'hec', allow: 'GET' };
  }
  const ingest: Route | undefined =
    path === GENERIC_PATH
      ? { kind: 'ingest', dialect: 'plain', format: 'json' }
      : HEC_EVENT_PATHS.includes(path)
        ? { kind: 'ingest', dialect: 'hec', format: 'hec' }
        : HEC_RAW_PATHS.includes(path)
          ? { kind: 'ingest', dialect: 'hec', format: 'json' }
          : undefined;
  if (!ingest) return { kind: 'not-found' };
  if (verb !== 'POST') return { kind: 'method-not-allowed', dialect: ingest.dialect, allow: 'POST' };
  return ingest;
}
