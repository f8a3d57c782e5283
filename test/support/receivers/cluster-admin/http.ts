/** Answers of the cluster-admin receiver, in the shapes Elasticsearch and OpenSearch use. */

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export type Flavor = 'elasticsearch' | 'opensearch';

/** `{"error": {"root_cause": [...], "type", "reason"}, "status"}`: the REST error of both products. */
export function esError(status: number, type: string, reason: string): Reply {
  return { status, body: { error: { root_cause: [{ type, reason }], type, reason }, status } };
}

/** The OpenSearch security plugin's own answers: `{"status": "NOT_FOUND", "message": "…"}`. */
export function securityAnswer(status: number, statusText: string, message: string): Reply {
  return { status, body: { status: statusText, message } };
}

export const ok = (body: unknown = { acknowledged: true }): Reply => ({ status: 200, body });

export function noHandler(method: string, path: string): Reply {
  return {
    status: 400,
    body: { error: `no handler found for uri [${path}] and method [${method}]`, status: 400 },
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Elasticsearch's simple wildcard match (`*` only), as index patterns and privilege names use it. */
export function wildcardMatch(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(name);
}

export const clone = <T>(value: T): T => structuredClone(value);

/** Time values as ILM and ISM accept them (`30d`, `0ms`, `12h`). */
export const TIME_VALUE = /^\d+(d|h|m|s|ms|micros|nanos)$/;
