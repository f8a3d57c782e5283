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

type ViewClass = new (event: ScannedEvent) => FieldView;

/**
 * One class per list of scanned names: each object's reader has its own list, but a source's lists
 * are alike, and rules that meet one prototype per source stay fast where one per object would make
 * their property reads megamorphic. The last list asked for is checked first: an object's records
 * come one after another.
 */
const classesByNames = new Map<string, ViewClass>();
const classesByList = new WeakMap<readonly string[], ViewClass>();
let lastList: readonly string[] | undefined;
let lastClass: ViewClass | undefined;

function viewClassOf(names: readonly string[]): ViewClass {
  if (names === lastList) return lastClass!;
  let View = classesByList.get(names);
  if (View === undefined) {
    const key = names.join('\u0000');
    View = classesByNames.get(key) ?? newViewClass(names);
    classesByNames.set(key, View);
    classesByList.set(names, View);
  }
  lastList = names;
  lastClass = View;
  return View;
}

function newViewClass(names: readonly string[]): ViewClass {
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
