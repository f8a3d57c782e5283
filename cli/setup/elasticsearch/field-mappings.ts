import type { VendorPresetName } from '../../../lambda/core/config/presets';

/**
 * How each field a vendor documents is mapped. Every log type's data stream keeps dynamic mapping for
 * anything else, so a new vendor field is still indexed; these only pin the fields whose guessed type
 * would be wrong or useless (ids as text, timestamps as text, durations as strings, tag maps exploding).
 */
type FieldKind =
  | 'date'
  | 'keyword'
  /** Full-text search plus exact match and aggregations on `<field>.keyword`. */
  | 'text+keyword'
  | 'text'
  /** Numbers the vendor writes as strings ("durationMs": "20"): Elasticsearch coerces them. */
  | 'long'
  /** An object with arbitrary keys (`resourceTags`): one field, not one per key. */
  | 'tags'
  /** Kept in `_source`, never indexed (replay payload chunks). */
  | 'opaque'
  | 'entities';

/**
 * StrongDM Log Stream (seed 003). Addresses are keywords, not `ip`: the vendor's own examples carry
 * values such as `456.456.456.456` that an `ip` field would refuse, quarantining the record.
 */
const STRONGDM_FIELDS: Readonly<Record<string, FieldKind>> = {
  timestamp: 'date',
  formatVersion: 'keyword',
  logType: 'keyword',
  id: 'keyword',
  uuid: 'keyword',
  hash: 'keyword',
  actorAccountID: 'keyword',
  actorEmail: 'keyword',
  actorExternalID: 'keyword',
  actorFirstName: 'keyword',
  actorLastName: 'keyword',
  activity: 'text+keyword',
  description: 'text',
  ipAddress: 'keyword',
  userAgent: 'keyword',
  entities: 'entities',
  durationMs: 'long',
  query: 'text+keyword',
  queryCategory: 'keyword',
  resourceID: 'keyword',
  resourceName: 'keyword',
  resourceTags: 'tags',
  resourceType: 'keyword',
  sourceIp: 'keyword',
  chunkID: 'keyword',
  queryUUID: 'keyword',
  events: 'opaque',
};

const STRONGDM_COMMON = ['timestamp', 'formatVersion', 'logType'];
const ACTOR = ['actorAccountID', 'actorEmail', 'actorExternalID', 'actorFirstName', 'actorLastName'];

const STRONGDM_LOG_TYPES: Readonly<Record<string, readonly string[]>> = {
  activities: [...ACTOR, 'id', 'activity', 'description', 'ipAddress', 'userAgent', 'entities'],
  queries: [
    ...ACTOR,
    'uuid',
    'durationMs',
    'hash',
    'query',
    'queryCategory',
    'resourceID',
    'resourceName',
    'resourceTags',
    'resourceType',
    'sourceIp',
  ],
  replays: ['chunkID', 'events', 'hash', 'queryUUID'],
};

interface PresetFields {
  readonly fields: Readonly<Record<string, FieldKind>>;
  readonly common: readonly string[];
  readonly byLogType: Readonly<Record<string, readonly string[]>>;
}

const PRESET_FIELDS: Readonly<Partial<Record<VendorPresetName, PresetFields>>> = {
  strongdm: { fields: STRONGDM_FIELDS, common: STRONGDM_COMMON, byLogType: STRONGDM_LOG_TYPES },
};

/** The log types a preset's vendor writes (StrongDM: activities, queries, replays). */
export function knownLogTypes(preset: VendorPresetName | undefined): readonly string[] {
  return preset ? Object.keys(PRESET_FIELDS[preset]?.byLogType ?? {}) : [];
}

/** Above this many characters a keyword is not indexed (Lucene's term limit is 32766 bytes). */
const KEYWORD_IGNORE_ABOVE = 8191;

function mappingOf(kind: FieldKind, flatObject: string | undefined): Record<string, unknown> {
  switch (kind) {
    case 'date':
    case 'keyword':
    case 'text':
    case 'long':
      return { type: kind };
    case 'text+keyword':
      return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE } } };
    case 'tags':
      return flatObject ? { type: flatObject } : { type: 'object' };
    case 'opaque':
      return { type: 'object', enabled: false };
    case 'entities':
      return {
        properties: { type: { type: 'keyword' }, id: { type: 'keyword' }, email: { type: 'keyword' } },
      };
  }
}

/**
 * The `properties` of a data stream that holds these log types of a source: `@timestamp` (every data
 * stream's time field) and the preset's fields of those log types. `flatObject` is the cluster's type
 * for arbitrary-key objects (`flattened`, `flat_object`, or undefined for a plain object).
 */
export function propertiesFor(
  preset: VendorPresetName | undefined,
  logTypes: readonly string[],
  flatObject: string | undefined,
): Record<string, unknown> {
  const properties: Record<string, unknown> = { '@timestamp': { type: 'date' } };
  const known = preset ? PRESET_FIELDS[preset] : undefined;
  if (!known) return properties;
  const names = new Set([...known.common, ...logTypes.flatMap((logType) => known.byLogType[logType] ?? [])]);
  for (const name of [...names].sort()) properties[name] = mappingOf(known.fields[name], flatObject);
  return properties;
}
