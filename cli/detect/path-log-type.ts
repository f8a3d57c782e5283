import { isValidLogType } from '../../lambda/core/layout/key-layout';

/**
 * The log type a path names when it follows the default key layout
 * (`…/<logType>/YYYY/MM/DD/HH/MM/<file>`), else undefined: a local copy of the bucket, or the
 * `s3://…` source of a Splunk HEC event.
 */
export function logTypeOfPath(path: string): string | undefined {
  const match = /(?:^|\/)([^/]+)\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}\/[^/]+$/.exec(path);
  return match && isValidLogType(match[1]) ? match[1] : undefined;
}
