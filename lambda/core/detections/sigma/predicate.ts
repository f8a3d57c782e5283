/** A compiled test of one record, with a relative cost so that cheap tests run first. */
export type RecordTest = (record: Readonly<Record<string, unknown>>) => boolean;

export interface Predicate {
  readonly test: RecordTest;
  readonly cost: number;
}

const byCost = (a: Predicate, b: Predicate) => a.cost - b.cost;

/** AND of predicates, cheapest first (they have no side effects, so order changes only the cost). */
export function allOf(parts: readonly Predicate[]): Predicate {
  const sorted = [...parts].sort(byCost);
  const cost = sorted.reduce((sum, part) => sum + part.cost, 0);
  if (sorted.length === 1) return sorted[0];
  if (sorted.length === 2) {
    const [a, b] = [sorted[0].test, sorted[1].test];
    return { test: (record) => a(record) && b(record), cost };
  }
  const tests = sorted.map((part) => part.test);
  return {
    test: (record) => {
      for (let i = 0; i < tests.length; i += 1) if (!tests[i](record)) return false;
      return true;
    },
    cost,
  };
}

/** OR of predicates, cheapest first. */
export function anyOf(parts: readonly Predicate[]): Predicate {
  const sorted = [...parts].sort(byCost);
  const cost = sorted.reduce((sum, part) => sum + part.cost, 0);
  if (sorted.length === 1) return sorted[0];
  if (sorted.length === 2) {
    const [a, b] = [sorted[0].test, sorted[1].test];
    return { test: (record) => a(record) || b(record), cost };
  }
  const tests = sorted.map((part) => part.test);
  return {
    test: (record) => {
      for (let i = 0; i < tests.length; i += 1) if (tests[i](record)) return true;
      return false;
    },
    cost,
  };
}

export function not(part: Predicate): Predicate {
  const inner = part.test;
  return { test: (record) => !inner(record), cost: part.cost };
}
