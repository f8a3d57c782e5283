const EVENT_PATH = '/services/collector/event';
const ACK_PATH = '/services/collector/ack';

/** The configured URL's path up to (not including) `/services/collector…`, without a trailing slash. */
function basePath(configured: URL): string {
  const path = configured.pathname.replace(/\/+$/, '');
  if (path.endsWith(EVENT_PATH)) return path.slice(0, -EVENT_PATH.length);
  if (path.endsWith('/services/collector')) return path.slice(0, -'/services/collector'.length);
  return path;
}

/**
 * The HEC event endpoint for a configured URL. Operators paste the base URL, `/services/collector` or the
 * full event path; all three mean the same endpoint. Query strings (e.g. `?channel=`) are kept.
 */
export function hecEventUrl(configured: string): URL {
  const url = new URL(configured);
  url.pathname = `${basePath(url)}${EVENT_PATH}`;
  return url;
}

/** The indexer acknowledgement endpoint beside the event endpoint (`/services/collector/ack`). */
export function hecAckUrl(configured: string): URL {
  const url = new URL(configured);
  url.pathname = `${basePath(url)}${ACK_PATH}`;
  return url;
}
