import { isValidLogType, LOG_TYPE_PATTERN } from '../layout/key-layout';
import type { Rejection } from './events';

/** Which log types producers may use. */
export interface LogTypePolicy {
  /** Used when an event has no `logType` field. Default: none (such events are refused). */
  readonly defaultLogType?: string;
  /** When set, only these log types are accepted. Default: any name matching `LOG_TYPE_PATTERN`. */
  readonly allowed?: ReadonlySet<string>;
}

export type LogTypeResult =
  | { readonly ok: true; readonly logType: string }
  | { readonly ok: false; readonly code: Rejection['code']; readonly reason: string };

/** A value that failed the pattern, quoted for a reason line (bounded: it may be anything). */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function check(
  logType: unknown,
  where: string,
  policy: LogTypePolicy,
  options: { readonly showValue?: boolean } = {},
): LogTypeResult {
  if (!isValidLogType(logType)) {
    const shown = options.showValue ? ` ${quoted(logType)}` : '';
    return {
      ok: false,
      code: 'LOG_TYPE_INVALID',
      reason: `${where}${shown} must match ${LOG_TYPE_PATTERN.source}`,
    };
  }
  if (policy.allowed && !policy.allowed.has(logType)) {
    return {
      ok: false,
      code: 'LOG_TYPE_NOT_ALLOWED',
      reason: `${where} '${logType}' is not an allowed log type`,
    };
  }
  return { ok: true, logType };
}

/**
 * The log type of an event: its own `logType` field when it has one (which must then be valid:
 * a bad value is refused, not silently replaced), else `fallback` (the ingest queue message's
 * `logType` attribute, named as such in a refusal), else the policy's default.
 */
export function resolveLogType(
  value: Readonly<Record<string, unknown>>,
  policy: LogTypePolicy,
  fallback?: string,
): LogTypeResult {
  if (Object.hasOwn(value, 'logType')) return check(value.logType, "'logType'", policy);
  if (fallback !== undefined) {
    return check(fallback, "has no 'logType' field, and the message attribute logType", policy, {
      showValue: true,
    });
  }
  if (policy.defaultLogType !== undefined)
    return check(policy.defaultLogType, 'the default log type', policy);
  return {
    ok: false,
    code: 'LOG_TYPE_MISSING',
    reason: "has no 'logType' field and there is no default log type",
  };
}

/** `a, b ,c` → {a, b, c}; empty → undefined (no restriction). Throws on a name outside the pattern. */
export function parseAllowedLogTypes(list: string | undefined): ReadonlySet<string> | undefined {
  const names = (list ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) return undefined;
  const bad = names.find((name) => !isValidLogType(name));
  if (bad !== undefined)
    throw new RangeError(`allowed log type '${bad}' does not match ${LOG_TYPE_PATTERN.source}`);
  return new Set(names);
}
