/** The numbers `sluice status` judges a deployment by. */
export interface HealthInput {
  readonly queues: readonly {
    readonly name: string;
    readonly kind: 'queue' | 'dlq';
    /** Which queue pair: a DLQ is re-driven with `sluice redrive --from-dlq <side>`. */
    readonly side: 'object' | 'ingest';
    readonly visible: number;
    readonly inFlight: number;
    /** ApproximateAgeOfOldestMessage, when CloudWatch has it. */
    readonly oldestAgeSeconds?: number;
  }[];
  /** Collectors whose last run failed, and collectors behind (`collectorHealth`). Default: none. */
  readonly collectors?: { readonly failing: readonly string[]; readonly behind: readonly string[] };
}

export interface Thresholds {
  /** A queue whose oldest message waited longer than this is a backlog. Default: 900 s (the backlog alarm's). */
  readonly maxAgeSeconds: number;
  /** Without an age, a queue with more visible messages than this is a backlog. Default: 1000. */
  readonly maxVisible: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { maxAgeSeconds: 900, maxVisible: 1000 };

export type VerdictState = 'healthy' | 'backlog' | 'failing';

export interface Verdict {
  readonly state: VerdictState;
  /** One line: the state and why. */
  readonly summary: string;
  readonly reasons: readonly string[];
}

/** The command that moves one DLQ back (`--from-dlq` defaults to the object DLQ). */
export function redriveCommand(side: 'object' | 'ingest'): string {
  return side === 'object' ? 'sluice redrive' : `sluice redrive --from-dlq ${side}`;
}

/**
 * failing: a DLQ holds messages (records wait for an operator: fix the cause, then the redrive
 * command of that DLQ);
 * backlog: a queue's oldest message is older than the threshold (or, without CloudWatch, too many wait);
 * healthy: neither.
 */
export function verdictOf(input: HealthInput, thresholds: Thresholds = DEFAULT_THRESHOLDS): Verdict {
  const dead = input.queues.filter((queue) => queue.kind === 'dlq' && queue.visible + queue.inFlight > 0);
  const failing = dead.map((queue) => `${queue.name} holds ${queue.visible + queue.inFlight} message(s)`);
  const collectorsFailing = input.collectors?.failing ?? [];
  if (failing.length > 0) {
    const commands =
      dead.length === 1
        ? redriveCommand(dead[0].side)
        : dead.map((queue) => `${redriveCommand(queue.side)} (${queue.name})`).join(' and ');
    return {
      state: 'failing',
      summary: [
        `failing: ${failing.join('; ')}. Fix the cause, then run ${commands}`,
        ...collectorsFailing,
      ].join('; '),
      reasons: [...failing, ...collectorsFailing],
    };
  }
  if (collectorsFailing.length > 0) {
    return {
      state: 'failing',
      summary: `failing: ${collectorsFailing.join('; ')}`,
      reasons: [...collectorsFailing],
    };
  }
  const backlog = input.queues
    .filter((queue) => queue.kind === 'queue')
    .flatMap((queue) => {
      if (queue.oldestAgeSeconds !== undefined && queue.oldestAgeSeconds > thresholds.maxAgeSeconds) {
        return [
          `${queue.name}'s oldest message waited ${Math.round(queue.oldestAgeSeconds)} s (> ${thresholds.maxAgeSeconds} s)`,
        ];
      }
      if (queue.oldestAgeSeconds === undefined && queue.visible > thresholds.maxVisible) {
        return [`${queue.name} has ${queue.visible} messages waiting (> ${thresholds.maxVisible})`];
      }
      return [];
    });
  backlog.push(...(input.collectors?.behind ?? []));
  if (backlog.length > 0) {
    return { state: 'backlog', summary: `backlog: ${backlog.join('; ')}`, reasons: backlog };
  }
  const waiting = input.queues
    .filter((queue) => queue.kind === 'queue')
    .reduce((sum, queue) => sum + queue.visible + queue.inFlight, 0);
  return {
    state: 'healthy',
    summary: `healthy: no dead letters${waiting > 0 ? `, ${waiting} message(s) in progress` : ', queues empty'}`,
    reasons: [],
  };
}
