import { randomUUID } from 'node:crypto';

/**
 * `sluice verify`'s canary: one record whose id is also its object's file name,
 * `<prefix>/<logType>/YYYY/MM/DD/HH/MM/sluice-canary-<uuid>.json`. The name, not the log type (which
 * `--log-type` may set to a vendor's), is what keeps canaries out of replays.
 */
const CANARY_ID_PREFIX = 'sluice-canary-';
const CANARY_FILE =
  /(?:^|\/)sluice-canary-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$/;

export function newCanaryId(): string {
  return `${CANARY_ID_PREFIX}${randomUUID()}`;
}

/** True for the key of an object `sluice verify` wrote. */
export function isCanaryKey(key: string): boolean {
  return CANARY_FILE.test(key);
}
