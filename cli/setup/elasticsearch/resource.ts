import type { ApiRequest, WriterCredential } from './api';

export type ResourceKind =
  | 'ilm-policy'
  | 'ism-policy'
  | 'index-template'
  | 'data-stream'
  | 'role'
  | 'role-mapping'
  | 'api-key'
  | 'user';

/** A write of the plan. */
export interface PlannedWrite extends ApiRequest {
  /** Its success gives the writer its credential. */
  readonly yieldsCredential?: boolean;
  /** It makes a new thing although the read found something (a second API key of the same name). */
  readonly creates?: boolean;
}

/** What it takes to bring one resource from what the cluster holds to what sluice wants. */
export interface Reconciliation {
  /** In order; none when the cluster holds it already. */
  readonly writes: readonly PlannedWrite[];
  /** Why these credentials cannot bring it there: nothing is written for it and the run is incomplete. */
  readonly blocked?: string;
  /** Something the operator should know that needs no change from sluice. */
  readonly note?: string;
}

/** One thing `sluice setup elasticsearch` manages: how to read it and how to reconcile it. */
export interface Resource {
  readonly kind: ResourceKind;
  readonly name: string;
  /** What it is for, in the report. */
  readonly summary: string;
  readonly read: ApiRequest;
  /**
   * `current` is the body the read answered, or undefined when it answered 404; `changed` names the
   * resources this run writes before this one. Pure: the same inputs always give the same writes.
   */
  reconcile(current: unknown, changed: ReadonlySet<string>): Reconciliation;
  /** For a resource with a `yieldsCredential` write: the credential, from that write and its answer. */
  credential?(write: PlannedWrite, answer: unknown): WriterCredential;
}

export const MANAGED_BY = 'sluice';
