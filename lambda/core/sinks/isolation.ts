import { rejectAll, type Classification, type Records } from './classification';

/**
 * Extra requests one batch may spend isolating refused records: 4 × ⌈log2 n⌉ for a batch of n records
 * (40 at 1,000, 56 at 10,000). Halving finds one bad record with 2 × ⌈log2 n⌉ extra requests, so the
 * budget isolates any two bad records of a batch (more when they lie close together), while a batch the
 * destination refuses record by record (a schema that matches no record) costs at most 1 + 4 × ⌈log2 n⌉
 * requests instead of the 2n − 1 of a full bisection. It grows with log n, like the cost of one bad
 * record, so large batches are not left with fewer halvings than small ones.
 */
export function isolationBudget(records: number): number {
  return records <= 1 ? 0 : 4 * Math.ceil(Math.log2(records));
}

/** What the refusal of a request's content means for its records. */
export interface Refusal {
  /** The rejection code its records get once they are to blame. */
  readonly code: string;
  /** The destination's answer. */
  readonly reason: string;
}

/** The isolation state of one batch: how many extra requests it has spent. */
export interface Isolation {
  readonly budget: number;
  readonly spent: number;
  /**
   * A group whose content was refused: its halves, to be sent again at once, while the budget lasts; a
   * single record is to blame (rejected with the destination's reason); once the budget is spent, the
   * group is rejected whole, its reason saying it was not isolated further.
   */
  decide(group: Records, refusal: Refusal): Classification;
}

export function createIsolation(batchRecords: number): Isolation {
  const budget = isolationBudget(batchRecords);
  let spent = 0;
  return {
    budget,
    get spent() {
      return spent;
    },
    decide(group, { code, reason }) {
      if (group.length <= 1) return rejectAll(group, code, reason);
      if (spent + 2 > budget) {
        return rejectAll(
          group,
          code,
          `${reason} (refused in a request of ${group.length} records, not isolated further: the batch spent its ${budget} isolation requests)`,
        );
      }
      spent += 2;
      const middle = Math.ceil(group.length / 2);
      return {
        delivered: [],
        rejected: [],
        retry: [],
        resend: [group.slice(0, middle), group.slice(middle)],
        reason: `${reason}: isolating the refused records, ${group.length} records split into halves`,
      };
    },
  };
}
