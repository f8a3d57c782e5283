import { hasField } from '../../records/field-view';
import type { OutboundRecord } from '../../records/types';
import type { RulesForLogType } from '../rule-index';
import { copyableKeysOf } from '../top-level-keys';

/**
 * The value a matched record keeps until its batch runs: the top-level fields its log type's
 * correlations read (group-by, value_count) as its own, and the record, as which it serializes
 * (`JSON.stringify` calls `toJSON`, which parses the record's text again).
 *
 * What the engine reads from a matched record's value: those fields, through the rules' paths, and
 * the value as a sample, which the stage's stores and alert objects keep as JSON (5 per group and
 * batch in the window store, 5 per alert). A few samples parsed again cost less than every matched
 * record kept parsed from its read to its batch: those values outlive V8's young generation and are
 * promoted.
 */
export class NotedValue {
  [field: string]: unknown;
  readonly #record: OutboundRecord;

  constructor(record: OutboundRecord, value: Readonly<Record<string, unknown>>, fields: readonly string[]) {
    this.#record = record;
    for (let f = 0; f < fields.length; f += 1) {
      const field = fields[f];
      if (hasField(value, field)) this[field] = value[field];
    }
  }

  /** The record as read. */
  toJSON(): Readonly<Record<string, unknown>> {
    return this.#record.value;
  }
}

/**
 * The top-level keys the correlations bound to a log type read (see copyableKeysOf). Undefined when
 * a key would be reserved: such records keep their parsed value.
 */
export function readFieldsOf(bound: RulesForLogType): readonly string[] | undefined {
  const paths: string[] = [];
  for (const correlations of bound.correlations) {
    for (const { rule } of correlations) {
      for (const { name } of rule.field ? [...rule.groupBy, rule.field] : rule.groupBy) paths.push(name);
    }
  }
  return copyableKeysOf(paths);
}
