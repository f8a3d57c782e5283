import type { ControlObject } from '../config/presets';
import { VENDOR_TEST_OBJECT } from '../config/presets';
import type { KeyPattern } from './key-pattern';
import { DEFAULT_KEY_LAYOUT, logTypeOfKey, matchKey, parseKeyPattern, rootKeyPrefixes } from './key-pattern';

/**
 * The bucket's default key layout, shared by StrongDM, the batcher and the forwarder:
 * `<prefix>/<logType>/YYYY/MM/DD/HH/MM/<uuid>.json[.gz]`, times in UTC.
 */

/** Letters, digits, `-` and `_`: nothing that could climb out of the layout (`/`, `..`). */
export const LOG_TYPE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidLogType(value: unknown): value is string {
  return typeof value === 'string' && LOG_TYPE_PATTERN.test(value);
}

/** `/sdm/logs/` → `sdm/logs`: prefixes are compared segment by segment, without edge slashes. */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

export interface LayoutSource {
  readonly name: string;
  readonly prefix: string;
  /** Relative to the prefix (see key-pattern.ts). Default: DEFAULT_KEY_LAYOUT. */
  readonly keyLayout?: string;
  /** The log type of a layout without `{logType}`. */
  readonly logType?: string;
  /** Objects that hold no logs. Default: `<prefix>/test`, the vendor test object. */
  readonly controlObjects?: readonly ControlObject[];
}

export type KeyClassification<S extends LayoutSource> =
  | { readonly kind: 'record-object'; readonly source: S; readonly logType: string }
  | { readonly kind: 'vendor-test'; readonly source: S; readonly what: string }
  | { readonly kind: 'outside-sources' };

const controlRegexes = new Map<string, RegExp>();

function controlRegex(pattern: string): RegExp {
  let regex = controlRegexes.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern);
    controlRegexes.set(pattern, regex);
  }
  return regex;
}

/**
 * Which source an object belongs to and its log type, by the source's key layout: the `{logType}`
 * segment, or the source's own `logType`; `unknown` when the key names none (the object is still
 * forwarded: nothing is dropped for a key that strays from the layout). A source at the bucket root
 * (empty prefix) owns the keys that follow its layout exactly, and every key in the folder its layout
 * starts with (see inLeadingFolder). Control objects (`<prefix>/test`, a vendor's ownership token or
 * digest) are never forwarded.
 */
export function classifyKey<S extends LayoutSource>(
  key: string,
  sources: readonly S[],
): KeyClassification<S> {
  for (const source of sources) {
    const prefix = normalizePrefix(source.prefix);
    const rest =
      prefix === '' ? key : key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : undefined;
    if (rest === undefined) continue;
    const layout = parseKeyPattern(source.keyLayout ?? DEFAULT_KEY_LAYOUT);
    const match = matchKey(layout, rest);
    if (prefix === '' && !match && !inLeadingFolder(layout, rest)) continue;
    const control = (source.controlObjects ?? [VENDOR_TEST_OBJECT]).find((candidate) =>
      controlRegex(candidate.pattern).test(rest),
    );
    if (control) return { kind: 'vendor-test', source, what: control.what };
    const named = match?.logType ?? logTypeOfKey(layout, rest) ?? source.logType;
    return { kind: 'record-object', source, logType: isValidLogType(named) ? named : 'unknown' };
  }
  return { kind: 'outside-sources' };
}

/**
 * A root source's leading literal folder (CloudTrail's `AWSLogs/`) is its own: no other source's key
 * prefixes may overlap it. So a key there that strays from the layout (a CloudTrail Insights or
 * organization-trail file, a digest) is the source's, as under a prefix. A layout that starts with a
 * time or with text that is not a whole folder (`dt=`) gives no such folder: a key that does not
 * follow it could be anyone's.
 */
function inLeadingFolder(layout: KeyPattern, key: string): boolean {
  const [folder] = rootKeyPrefixes(layout) ?? [];
  return folder !== undefined && folder.endsWith('/') && key.startsWith(folder);
}

/** True when a key could start with a prefix of both lists (`a/b/` and `a/b/c/` do; `a/b/` and `a/bc/` do not). */
export function keyPrefixesOverlap(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.some((y) => x.startsWith(y) || y.startsWith(x)));
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `YYYY/MM/DD/HH/MM` of a UTC instant. */
export function timePath(at: Date): string {
  return [
    at.getUTCFullYear(),
    pad(at.getUTCMonth() + 1),
    pad(at.getUTCDate()),
    pad(at.getUTCHours()),
    pad(at.getUTCMinutes()),
  ].join('/');
}

export function buildObjectKey(options: {
  readonly prefix: string;
  readonly logType: string;
  readonly at: Date;
  readonly id: string;
  readonly gzip: boolean;
}): string {
  if (!isValidLogType(options.logType)) throw new RangeError(`invalid log type '${options.logType}'`);
  const prefix = normalizePrefix(options.prefix);
  const head = prefix === '' ? '' : `${prefix}/`;
  return `${head}${options.logType}/${timePath(options.at)}/${options.id}.json${options.gzip ? '.gz' : ''}`;
}

/** True when one prefix contains the other segment-wise (`a/b` and `a/b/c` overlap; `a/b` and `a/bc` do not). */
export function prefixesOverlap(a: string, b: string): boolean {
  const x = normalizePrefix(a);
  const y = normalizePrefix(b);
  if (x === '' || y === '') return true;
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}
