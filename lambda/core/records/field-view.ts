import type { RecordEvent } from './read-event';

const hasOwn = Object.prototype.hasOwnProperty;
const EVENT = Symbol('scanned record');
const INDEXES = Symbol('field indexes');

type ScannedEvent = Required<Pick<RecordEvent, 'fieldNames' | 'field' | 'hasField'>>;

/**
 * The fields a reader scanned in a record (ReaderOptions.fields), as an object whose fields are
 * decoded only when read: the rules of a log type read a few of the fields their source's rules
 * need, and most of what they read decides early (the cheapest tests run first), so a nested object
 * or a long statement a record carries is seldom decoded.
 *
 * Its fields are getters of its class, not properties of its own: whether it has one is
 * `hasField(view, name)`, not `hasOwnProperty`. It lives as long as the record is being built: it
 * reads from the chunk the record came from.
 */
abstract class FieldView {
  declare readonly [INDEXES]: ReadonlyMap<string, number>;
  readonly [EVENT]: ScannedEvent;

  constructor(event: ScannedEvent) {
    this[EVENT] = event;
  }
}

/** One class per list of scanned names (the reader's: one per source), its getters made once. */
const classes = new WeakMap<readonly string[], new (event: ScannedEvent) => FieldView>();

function viewClassOf(names: readonly string[]): new (event: ScannedEvent) => FieldView {
  const known = classes.get(names);
  if (known) return known;
  class View extends FieldView {}
  const indexes = new Map<string, number>();
  names.forEach((name, index) => {
    // `__proto__` would be the object's prototype, not a field (rules never read one: see RuleIndex.fieldsOf).
    if (name === '__proto__') return;
    indexes.set(name, index);
    Object.defineProperty(View.prototype, name, {
      get(this: FieldView) {
        return this[EVENT].field(index);
      },
    });
  });
  Object.defineProperty(View.prototype, INDEXES, { value: indexes });
  classes.set(names, View);
  return View;
}

/** The view of a record read for its fields (`event.fieldNames` set), for the rules. */
export function fieldViewOf(event: RecordEvent): Readonly<Record<string, unknown>> {
  const scanned = event as ScannedEvent;
  const View = viewClassOf(scanned.fieldNames);
  return new View(scanned) as unknown as Readonly<Record<string, unknown>>;
}

/**
 * Whether `node` has the field `key` of its own: hasOwnProperty, which also answers for a record's
 * field view (its fields are not its own properties).
 */
export function hasField(node: object, key: string): boolean {
  if (hasOwn.call(node, key)) return true;
  if (!(node instanceof FieldView)) return false;
  const index = node[INDEXES].get(key);
  return index !== undefined && node[EVENT].hasField(index);
}
