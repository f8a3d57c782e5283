const EVENT_PATH = '/services/collector/event';

/**
 * The HEC event endpoint for a configured URL. Operators paste the base URL, `/services/collector` or the
 * full event path; all three mean the same endpoint. Query strings (e.g. `?channel=`) are kept.
 */
export function hecEventUrl(configured: string): URL {
  const url = new URL(configured);
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(EVENT_PATH)) url.pathname = path;
  else if (path.endsWith('/services/collector')) url.pathname = `${path}/event`;
  else url.pathname = `${path}${EVENT_PATH}`;
  return url;
}
