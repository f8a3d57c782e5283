import { MemberLog } from './member-log';

/** One notification's worth of a rule firing for one group and period. */
export interface AlertEntry {
  /** The least id among the records whose reading made the rule fire: the opener when this entry opens the alert. */
  readonly trigger: string;
  /** Records the alert covers: the matching record, or the members of the met windows. */
  readonly members: readonly { readonly id: string; readonly eventTimeMs: number }[];
  /**
   * How many of the last members are stored records of the met windows rather than the batch's own:
   * records another batch may have registered already, which a store that remembers what it read
   * looks for before writing them (see DynamoDbAlertStore). Default: 0.
   */
  readonly stored?: number;
}

/** The alert's state after an entry, as the store answers it. */
export interface AlertRegistration {
  /** First trigger ever registered: the record that opened the alert. */
  readonly openedBy: string;
  /** Running count: distinct records the alert covers so far. */
  readonly occurrences: number;
  /** Members this entry added (0: nothing new, e.g. a redelivery). */
  readonly added: number;
  /** True once the alert's opening was delivered to its channels (see markNotified). */
  readonly notified: boolean;
  /**
   * The largest step of the running count (update-steps.ts) an alert object was recorded written
   * for (markNotified, markStepWritten): 0 before any. A step above it that the count has reached
   * is due, whichever registration comes next: a step whose object a crash or a lost answer kept
   * from being written is written then.
   */
  readonly stepWritten: number;
  readonly firstEventMs: number;
  readonly lastEventMs: number;
}

/**
 * Alert state per dedup key (rule, group, period). Registration must be idempotent per member id,
 * so running counts survive redeliveries; the DynamoDB adapter keeps a head item per alert (opener,
 * notified flag, steps written, a summary per 5 minutes of members) and the members in items
 * written once (lambda/adapters/dynamodb-alert-store.ts).
 */
export interface AlertStore {
  register(dedupKey: string, entry: AlertEntry, expiresAtMs: number): Promise<AlertRegistration>;
  /**
   * Called by the detections stage once the opening's alert object is written: later entries only
   * update. `step`: the step of the count the opening showed (0: none), recorded as markStepWritten does.
   */
  markNotified(dedupKey: string, step?: number): Promise<void>;
  /** Called by the detections stage once an update's object for `step` is written (or found written). */
  markStepWritten(dedupKey: string, step: number): Promise<void>;
}

export interface AlertState {
  readonly openedBy: string;
  readonly notified: boolean;
  readonly stepWritten: number;
  /** Record ids, by event time then id. */
  readonly memberIds: MemberLog;
  readonly firstEventMs: number;
  readonly lastEventMs: number;
  readonly expiresAtMs: number;
}

/**
 * The transition every store implements: members are a set (of event time and record id, as the
 * window store keys them) and times are min/max, so applying an entry again changes nothing
 * (redeliveries, replays). The state given is updated in place (a running alert covers thousands
 * of records: copying its set per entry would be quadratic).
 */
export function applyEntry(
  state: AlertState | undefined,
  entry: AlertEntry,
  expiresAtMs: number,
): { state: AlertState; added: number } {
  const memberIds = state?.memberIds ?? new MemberLog();
  let first = state?.firstEventMs ?? Number.POSITIVE_INFINITY;
  let last = state?.lastEventMs ?? Number.NEGATIVE_INFINITY;
  let added = 0;
  for (const member of entry.members) {
    if (memberIds.add(member.id, member.eventTimeMs)) added += 1;
    if (member.eventTimeMs < first) first = member.eventTimeMs;
    if (member.eventTimeMs > last) last = member.eventTimeMs;
  }
  return {
    state: {
      openedBy: state?.openedBy ?? entry.trigger,
      notified: state?.notified ?? false,
      stepWritten: state?.stepWritten ?? 0,
      memberIds,
      firstEventMs: first,
      lastEventMs: last,
      expiresAtMs: Math.max(state?.expiresAtMs ?? 0, expiresAtMs),
    },
    added,
  };
}

export type AlertOutcomeKind = 'opened' | 'updated' | 'unchanged';

/**
 * `opened` until the opening was delivered (so a crash before delivery retries it), then
 * `updated` when the entry added records, `unchanged` otherwise (nothing to say).
 */
export function outcomeOf(registration: AlertRegistration): AlertOutcomeKind {
  if (!registration.notified) return 'opened';
  return registration.added > 0 ? 'updated' : 'unchanged';
}

/** AlertStore in memory: unit tests, `sluice detect test` and `backtest`. */
export class MemoryAlertStore implements AlertStore {
  private readonly states = new Map<string, AlertState>();

  async register(dedupKey: string, entry: AlertEntry, expiresAtMs: number): Promise<AlertRegistration> {
    const { state, added } = applyEntry(this.states.get(dedupKey), entry, expiresAtMs);
    this.states.set(dedupKey, state);
    return {
      openedBy: state.openedBy,
      occurrences: state.memberIds.size,
      added,
      notified: state.notified,
      stepWritten: state.stepWritten,
      firstEventMs: state.firstEventMs,
      lastEventMs: state.lastEventMs,
    };
  }

  async markNotified(dedupKey: string, step = 0): Promise<void> {
    const state = this.states.get(dedupKey);
    if (state)
      this.states.set(dedupKey, { ...state, notified: true, stepWritten: Math.max(state.stepWritten, step) });
  }

  async markStepWritten(dedupKey: string, step: number): Promise<void> {
    const state = this.states.get(dedupKey);
    if (state) this.states.set(dedupKey, { ...state, stepWritten: Math.max(state.stepWritten, step) });
  }

  /** Read-only view of every alert's state (tests, backtest reports). */
  snapshot(): ReadonlyMap<string, AlertState> {
    return this.states;
  }
}
