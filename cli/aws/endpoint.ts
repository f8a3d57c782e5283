import { usageError } from '../shared/errors';

/** An endpoint of AWS itself (a VPC or FIPS endpoint included), not moto, LocalStack or MinIO. */
export function isAwsEndpoint(endpoint: string): boolean {
  return /\.amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);
}

/**
 * `--endpoint-url` / `AWS_ENDPOINT_URL`, refused unless http(s): `127.0.0.1:4566` would otherwise end
 * in a bare "Invalid URL", and `localhost:4566` parses as a URL of scheme `localhost:` and fails later.
 */
export function checkedEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  if (!URL.canParse(endpoint) || !['http:', 'https:'].includes(new URL(endpoint).protocol)) {
    throw usageError(
      `the endpoint '${endpoint}' (--endpoint-url or AWS_ENDPOINT_URL) is not an http:// or https:// URL. Fix: give its scheme, e.g. http://${endpoint.replace(/^[a-z]+:\/\//i, '')}`,
    );
  }
  return endpoint;
}
