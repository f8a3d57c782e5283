import { DEFAULT_KEY_LAYOUT } from '../layout/key-pattern';
import type { RecordFormat } from '../records/read-event';

/** An object a vendor writes that holds no logs (a connectivity test, an ownership token, a digest). */
export interface ControlObject {
  /** A regular expression (its source) matched against the key without the source prefix. */
  readonly pattern: string;
  /** What it is, for the log line that says why it was not forwarded. */
  readonly what: string;
}

/** What sluice knows about each vendor, so a source can say `"preset": "strongdm"` and little else. */
export interface VendorPreset {
  /** IAM principals the vendor writes with, when the vendor has fixed ones (StrongDM's role, Cloudflare's user). */
  readonly principals: readonly string[];
  /** An AWS service that writes (CloudTrail): allowed by a bucket policy statement of its own, per trail. */
  readonly servicePrincipal?: 'cloudtrail.amazonaws.com';
  /** The field that carries each log type's own unique id; log types not listed get a hash id. */
  readonly idFieldByLogType: Readonly<Record<string, string>>;
  /** The field holding a record's time. */
  readonly timestampField: string;
  /** Log types whose time is in another field than `timestampField`. */
  readonly timestampFieldByLogType?: Readonly<Record<string, string>>;
  /** Where the vendor writes, relative to the source prefix (see key-pattern.ts). */
  readonly keyLayout: string;
  /** The log type of every record, for a layout without `{logType}`. */
  readonly logType?: string;
  readonly format: RecordFormat;
  /** Objects the vendor writes that are never forwarded. */
  readonly controlObjects: readonly ControlObject[];
}

/** `<prefix>/test`, the object a vendor's Test button writes (StrongDM, seed 003); never forwarded, whatever the source. */
export const VENDOR_TEST_OBJECT: ControlObject = { pattern: '^test$', what: "the vendor's test object" };

export const VENDOR_PRESETS = {
  strongdm: {
    principals: ['arn:aws:iam::910226215634:role/StrongDMLogStream'],
    idFieldByLogType: { activities: 'id', queries: 'uuid' },
    timestampField: 'timestamp',
    keyLayout: DEFAULT_KEY_LAYOUT,
    format: 'auto',
    controlObjects: [VENDOR_TEST_OBJECT],
  },
  /**
   * GitHub Enterprise Cloud audit log streaming to Amazon S3: gzip NDJSON objects at the bucket root,
   * `YYYY/MM/DD/HH/MM/<uuid>.json.log.gz` (the stream has no key prefix setting); `@timestamp` in epoch
   * milliseconds, `_document_id` the event's id. The writer is your own IAM role (OIDC) or user (keys).
   */
  'github-enterprise': {
    principals: [],
    idFieldByLogType: { audit: '_document_id' },
    timestampField: '@timestamp',
    keyLayout: '{yyyy}/{MM}/{dd}/{HH}/{mm}/{*}',
    logType: 'audit',
    format: 'ndjson',
    controlObjects: [],
  },
  /**
   * Cloudflare Logpush to Amazon S3: gzip NDJSON objects in `{DATE}` (YYYYMMDD) folders under the
   * job's path; one dataset per job, so the log type (the dataset) is the source's `logType`. Written
   * by Cloudflare's IAM user; the time field depends on the dataset.
   */
  'cloudflare-logpush': {
    principals: ['arn:aws:iam::391854517948:user/cloudflare-logpush'],
    idFieldByLogType: { http_requests: 'RayID', audit_logs: 'ID' },
    timestampField: 'Datetime',
    timestampFieldByLogType: { http_requests: 'EdgeStartTimestamp', audit_logs: 'When' },
    keyLayout: '{yyyy}{MM}{dd}/{*}',
    format: 'ndjson',
    controlObjects: [
      { pattern: '(^|/)ownership-challenge[^/]*$', what: "Cloudflare's ownership challenge file" },
    ],
  },
  /**
   * AWS CloudTrail trails: gzip JSON documents `{"Records": [...]}` under
   * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`;
   * digest files (`…/CloudTrail-Digest/…`) hold hashes, not events, and are never forwarded.
   */
  cloudtrail: {
    principals: [],
    servicePrincipal: 'cloudtrail.amazonaws.com',
    idFieldByLogType: { cloudtrail: 'eventID' },
    timestampField: 'eventTime',
    keyLayout: 'AWSLogs/{*}/CloudTrail/{*}/{yyyy}/{MM}/{dd}/{*}_CloudTrail_{*}_{yyyy}{MM}{dd}T{HH}{mm}Z_{*}',
    logType: 'cloudtrail',
    format: 'records-array',
    controlObjects: [{ pattern: '(^|/)CloudTrail-Digest/', what: 'a CloudTrail digest file' }],
  },
} as const satisfies Record<string, VendorPreset>;

export type VendorPresetName = keyof typeof VENDOR_PRESETS;

export const VENDOR_PRESET_NAMES = Object.keys(VENDOR_PRESETS) as VendorPresetName[];

/** The preset of a name, typed as the general shape (the `as const` literal types are narrower). */
export function vendorPreset(name: VendorPresetName): VendorPreset {
  return VENDOR_PRESETS[name];
}
