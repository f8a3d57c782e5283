/** The Logs Ingestion API version sluice speaks (the API's only stable version). */
export const INGESTION_API_VERSION = '2023-01-01';

/** `<endpoint>/dataCollectionRules/<dcr>/streams/<stream>?api-version=2023-01-01`. */
export function ingestionUrl(endpoint: string, dcrImmutableId: string, stream: string): URL {
  const url = new URL(endpoint);
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = `${base}/dataCollectionRules/${encodeURIComponent(dcrImmutableId)}/streams/${encodeURIComponent(stream)}`;
  url.search = '';
  url.searchParams.set('api-version', INGESTION_API_VERSION);
  return url;
}

/** `<authorityHost>/<tenantId>/oauth2/v2.0/token`: Entra ID's v2.0 token endpoint for the tenant. */
export function tokenUrl(authorityHost: string, tenantId: string): URL {
  const url = new URL(authorityHost);
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = `${base}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
  url.search = '';
  return url;
}
