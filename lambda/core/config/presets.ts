/** What sluice knows about each vendor, so a source can say `"preset": "strongdm"` and nothing else. */
export interface VendorPreset {
  /** IAM principals the vendor writes with (seed 003: StrongDM's Log Stream role). */
  readonly principals: readonly string[];
  /** The field that carries each log type's own unique id; log types not listed get a hash id. */
  readonly idFieldByLogType: Readonly<Record<string, string>>;
}

export const VENDOR_PRESETS = {
  strongdm: {
    principals: ['arn:aws:iam::910226215634:role/StrongDMLogStream'],
    idFieldByLogType: { activities: 'id', queries: 'uuid' },
  },
} as const satisfies Record<string, VendorPreset>;

export type VendorPresetName = keyof typeof VENDOR_PRESETS;

export const VENDOR_PRESET_NAMES = Object.keys(VENDOR_PRESETS) as VendorPresetName[];
