/**
 * Parses of the objects and arrays scanned fields hold, one per distinct text: the records of an
 * object repeat them (StrongDM's `resourceTags` of the few resources a log stream names), and
 * `JSON.parse` of one costs several times what looking its text up does. The values are shared
 * between records, hence frozen: a reader that tried to change one would throw, not change another
 * record's field.
 */
export class SharedParses {
  private readonly parsed = new Map<string, unknown>();

  /** At most this many texts are kept; then the cache starts again (texts that never repeat). */
  constructor(private readonly capacity = 256) {}

  parse(text: string): unknown {
    let value = this.parsed.get(text);
    if (value === undefined) {
      value = deepFreeze(JSON.parse(text));
      if (this.parsed.size >= this.capacity) this.parsed.clear();
      this.parsed.set(text, value);
    }
    return value;
  }
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
