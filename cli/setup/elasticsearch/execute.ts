import type { ApiAnswer, ApiRequest, WriterCredential } from './api';
import { refused } from './errors';
import type { SetupPlan } from './plan';
import type { PlannedWrite, ResourceKind } from './resource';

/** Sends one request to the cluster; the answer whatever its status (no answer at all throws). */
export type Send = (request: ApiRequest) => Promise<ApiAnswer>;

export type ResourceStatus = 'created' | 'updated' | 'unchanged' | 'blocked';

export interface ResourceOutcome {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly summary: string;
  /** `created` / `updated` also say what a dry run would do. */
  readonly status: ResourceStatus;
  /** What was sent (or, in a dry run, would be sent), in order. */
  readonly writes: readonly PlannedWrite[];
  readonly note?: string;
  readonly blocked?: string;
}

export interface SetupOutcome {
  readonly dryRun: boolean;
  /** The resources handled, in order (up to the failure, if any). */
  readonly resources: readonly ResourceOutcome[];
  /** The writer's new credential, when one was made (never in a dry run). */
  readonly credential?: WriterCredential;
  /** Why the cluster is not fully set up (the command exits 1). */
  readonly blocked: readonly string[];
  /**
   * The error that stopped the run. Returned, not thrown: a credential made before it must still reach
   * the operator, since it is never shown again.
   */
  readonly failure?: unknown;
}

const ok = (status: number) => status >= 200 && status < 300;

/**
 * Reads each resource, reconciles it and sends only the writes that change something: a second run
 * against the same cluster sends no write at all. A dry run reads the same way and sends no write (a
 * resource that only a write before it would have made reads as missing, so its writes are what a real
 * run would send).
 */
export async function executePlan(
  plan: SetupPlan,
  send: Send,
  options: { dryRun: boolean },
): Promise<SetupOutcome> {
  const outcomes: ResourceOutcome[] = [];
  const changed = new Set<string>();
  let credential: WriterCredential | undefined;
  let failure: unknown;
  try {
    for (const resource of plan.resources) {
      const answer = await send(resource.read);
      if (answer.status !== 404 && !ok(answer.status))
        throw refused(resource.read, answer.status, answer.body);
      const current = answer.status === 404 ? undefined : answer.body;
      const reconciliation = resource.reconcile(current, changed);
      const base = {
        kind: resource.kind,
        name: resource.name,
        summary: resource.summary,
        note: reconciliation.note,
      };
      if (reconciliation.blocked) {
        outcomes.push({ ...base, status: 'blocked', writes: [], blocked: reconciliation.blocked });
        continue;
      }
      const { writes } = reconciliation;
      if (writes.length > 0) changed.add(resource.name);
      if (!options.dryRun) {
        for (const write of writes) {
          const written = await send(write);
          if (!ok(written.status)) throw refused(write, written.status, written.body);
          if (write.yieldsCredential && resource.credential) {
            credential = resource.credential(write, written.body);
          }
        }
      }
      outcomes.push({ ...base, status: statusOf(current, writes), writes });
    }
  } catch (error) {
    failure = error;
  }
  const blocked = [
    ...plan.blocked,
    ...outcomes.flatMap((outcome) =>
      outcome.blocked ? [`${outcome.kind} ${outcome.name}: ${outcome.blocked}`] : [],
    ),
  ];
  return { dryRun: options.dryRun, resources: outcomes, credential, blocked, failure };
}

function statusOf(current: unknown, writes: readonly PlannedWrite[]): ResourceStatus {
  if (writes.length === 0) return 'unchanged';
  return current === undefined || writes.some((write) => write.creates) ? 'created' : 'updated';
}
