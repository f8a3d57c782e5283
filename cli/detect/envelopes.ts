import { isValidLogType } from '../../lambda/core/layout/key-layout';
import { logTypeOfPath } from './path-log-type';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The fields of a Splunk HEC event (`/services/collector/event`); any other makes a record. */
const HEC_FIELDS: ReadonlySet<string> = new Set([
  'time',
  'host',
  'source',
  'sourcetype',
  'index',
  'event',
  'fields',
]);

export interface HecEnvelope {
  /** The record. */
  readonly event: JsonObject;
  readonly sourcetype: string;
  /** Where the forwarder read the record: `s3://<bucket>/<key>`. */
  readonly source?: string;
}

/**
 * The HEC event a record is (what sluice's Splunk sink and a `file` destination in the `splunk-hec`
 * format write), else undefined. Strict on purpose: an object `event` and a string `sourcetype`, no
 * field HEC does not define, each of the right type; so an audit record with an `event` field of its
 * own (and any other field) stays a record.
 */
export function hecEnvelopeOf(value: JsonObject): HecEnvelope | undefined {
  const { event, sourcetype, source, time } = value;
  if (!isObject(event) || typeof sourcetype !== 'string') return undefined;
  if (!Object.keys(value).every((key) => HEC_FIELDS.has(key))) return undefined;
  if (
    time !== undefined &&
    typeof time !== 'number' &&
    !(typeof time === 'string' && /^\d+(\.\d+)?$/.test(time))
  )
    return undefined;
  if (![source, value.host, value.index].every((field) => field === undefined || typeof field === 'string'))
    return undefined;
  if (value.fields !== undefined && !isObject(value.fields)) return undefined;
  return { event, sourcetype, source: source as string | undefined };
}

/** What an envelope says of its record's source and log type. */
export interface EnvelopeLogType {
  /** The log type, when the envelope names it reliably for the source read. */
  readonly logType?: string;
  /** The sourcetype, when it names another source than the one read. */
  readonly otherSourcetype?: string;
}

/** `<source>:<logType>`, sluice's default sourcetype (the `file` destination's, always). */
const SOURCETYPE = /^([a-z0-9-]{1,32}):([A-Za-z0-9_-]{1,64})$/;

/**
 * The log type a HEC event names for records of `source`: its sourcetype when it is
 * `<source>:<logType>` (sluice's default template, always the `file` destination's), else the key
 * layout path its `source` names (a custom sourcetype). A sourcetype of another source gives none:
 * its records are not that source's, and are reported.
 */
export function hecLogType(envelope: HecEnvelope, source: string): EnvelopeLogType {
  const parts = SOURCETYPE.exec(envelope.sourcetype);
  if (parts && parts[1] !== source) return { otherSourcetype: envelope.sourcetype };
  if (parts && isValidLogType(parts[2])) return { logType: parts[2] };
  return { logType: envelope.source === undefined ? undefined : logTypeOfPath(envelope.source) };
}

/** Fields of a search hit besides the `_`-prefixed ones (`_index`, `_id`, `_score`, `_type`, …). */
const HIT_FIELDS: ReadonlySet<string> = new Set([
  'sort',
  'fields',
  'highlight',
  'inner_hits',
  'matched_queries',
  'ignored_field_values',
]);

export interface SearchHit {
  /** The document: the record. */
  readonly source: JsonObject;
  /** Its `_id`: the forwarder's record id when sluice indexed it. */
  readonly id?: string;
}

/**
 * The Elasticsearch search hit a record is (`{"_index":…,"_id":…,"_source":{…}}`, a line of an
 * elasticdump export or of `hits.hits`), else undefined. Strict: a string `_index`, an object
 * `_source`, and only the fields a hit has.
 */
export function searchHitOf(value: JsonObject): SearchHit | undefined {
  const { _index, _source, _id } = value;
  if (typeof _index !== 'string' || !isObject(_source)) return undefined;
  if (!Object.keys(value).every((key) => key.startsWith('_') || HIT_FIELDS.has(key))) return undefined;
  return { source: _source, id: typeof _id === 'string' ? _id : undefined };
}
