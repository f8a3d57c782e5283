import { SluiceError } from '../../../lambda/core/errors';

/** Stable codes of `sluice setup elasticsearch` failures. */
export const SetupCodes = {
  /** The cluster answered a request with an error (its type and reason are in the message). */
  REFUSED: 'ES_SETUP_REFUSED',
  /** The admin credentials were refused (401) or lack a privilege (403). */
  UNAUTHORIZED: 'ES_SETUP_UNAUTHORIZED',
  /** `GET /` did not describe a supported Elasticsearch or OpenSearch. */
  UNSUPPORTED: 'ES_SETUP_UNSUPPORTED',
  /** No answer at all (connection refused, DNS, TLS, timeout). */
  UNREACHABLE: 'ES_SETUP_UNREACHABLE',
} as const;

/** `type: reason` of an Elasticsearch / OpenSearch error body, or a short excerpt of whatever it was. */
export function reasonOf(body: unknown): string {
  if (body && typeof body === 'object') {
    const record = body as {
      error?: { type?: unknown; reason?: unknown } | string;
      message?: unknown;
      status?: unknown;
    };
    if (typeof record.error === 'string') return record.error;
    if (record.error && typeof record.error === 'object') {
      const { type, reason } = record.error;
      return [type, reason].filter((part) => typeof part === 'string').join(': ');
    }
    // The OpenSearch security plugin answers `{"status": "…", "message": "…"}`.
    if (typeof record.message === 'string') return record.message;
    return JSON.stringify(body).slice(0, 300);
  }
  return String(body ?? '').slice(0, 300);
}

export function refused(
  request: { method: string; path: string },
  status: number,
  body: unknown,
  fix?: string,
): SluiceError {
  const unauthorized = status === 401 || status === 403;
  const defaultFix =
    status === 401
      ? 'check the admin credentials (--admin-secret-arn, SLUICE_ES_ADMIN_API_KEY or SLUICE_ES_ADMIN_USERNAME/SLUICE_ES_ADMIN_PASSWORD)'
      : status === 403
        ? 'use admin credentials that may manage index templates, lifecycle policies and security (Elasticsearch: manage_index_templates, manage_ilm, manage_security; OpenSearch: all_access or security_manager)'
        : undefined;
  const fixText = fix ?? defaultFix;
  return new SluiceError(
    unauthorized ? SetupCodes.UNAUTHORIZED : SetupCodes.REFUSED,
    `${request.method} ${request.path} answered ${status} (${reasonOf(body)})${fixText ? `. Fix: ${fixText}` : ''}`,
    { method: request.method, path: request.path, status },
  );
}
