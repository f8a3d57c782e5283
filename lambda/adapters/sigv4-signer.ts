import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RequestSigner } from '../core/sinks/types';

type CredentialProvider = ReturnType<typeof defaultProvider>;

// One provider for the process: it memoises the Lambda role's credentials and refreshes them before expiry.
let sharedProvider: CredentialProvider | undefined;
const credentials = (): CredentialProvider => (sharedProvider ??= defaultProvider());

/**
 * SigV4 for Amazon OpenSearch Service (`es`) and OpenSearch Serverless (`aoss`). It signs the exact bytes
 * that are sent (the gzipped body when gzip is on) and adds `x-amz-content-sha256`, which Serverless
 * requires. Returns only the headers to add: `authorization`, `x-amz-date`, `x-amz-content-sha256` and,
 * with temporary credentials, `x-amz-security-token`.
 */
export function createSigV4Signer(
  region: string,
  service: 'es' | 'aoss',
  provider: CredentialProvider = credentials(),
): RequestSigner {
  const signer = new SignatureV4({
    service,
    region,
    credentials: provider,
    sha256: Sha256,
    applyChecksum: true,
  });
  return {
    async sign(request) {
      const query: Record<string, string | string[]> = {};
      for (const [name, value] of request.url.searchParams) {
        const existing = query[name];
        query[name] =
          existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
      }
      const headers: Record<string, string> = { ...request.headers, host: request.url.host };
      const signed = await signer.sign({
        method: request.method,
        protocol: request.url.protocol,
        hostname: request.url.hostname,
        port: request.url.port ? Number(request.url.port) : undefined,
        path: request.url.pathname,
        query,
        headers,
        body: request.body,
      });
      const added: Record<string, string> = {};
      for (const [name, value] of Object.entries(signed.headers)) {
        if (headers[name] !== value) added[name.toLowerCase()] = value;
      }
      return added;
    },
  };
}
