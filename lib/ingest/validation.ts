import { Token } from 'aws-cdk-lib';
import { SluiceError } from '../../lambda/core/errors';
import { isValidLogType, LOG_TYPE_PATTERN, normalizePrefix } from '../../lambda/core/layout/key-layout';

const PREFIX_PATTERN = /^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/;

function invalid(message: string): never {
  throw new SluiceError('INGEST_PROPS_INVALID', message);
}

/** A plain key prefix (no token, no `.`/`..` segment), without edge slashes. */
export function checkPrefix(what: string, value: string): string {
  if (Token.isUnresolved(value)) invalid(`${what} must be a plain string, not a token`);
  const prefix = normalizePrefix(value);
  if (
    !PREFIX_PATTERN.test(prefix) ||
    prefix.split('/').some((segment) => segment === '.' || segment === '..')
  ) {
    invalid(`${what} '${value}' must be path segments of letters, digits and !_.'()- separated by '/'`);
  }
  return prefix;
}

/** The default log type and the allowed set, checked against the key layout and each other. */
export function checkLogTypes(owner: string, defaultLogType?: string, allowed?: readonly string[]): void {
  for (const name of [...(defaultLogType === undefined ? [] : [defaultLogType]), ...(allowed ?? [])]) {
    if (!isValidLogType(name)) invalid(`${owner}: log type '${name}' must match ${LOG_TYPE_PATTERN.source}`);
  }
  if (allowed && allowed.length === 0)
    invalid(`${owner}: allowedLogTypes must list at least one log type (omit it to allow any)`);
  if (allowed && defaultLogType !== undefined && !allowed.includes(defaultLogType)) {
    invalid(`${owner}: defaultLogType '${defaultLogType}' is not in allowedLogTypes`);
  }
}

export function checkInteger(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    invalid(`${what} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}
