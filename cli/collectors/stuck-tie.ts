import type { CollectorState } from '../../lambda/adapters/dynamodb-checkpoint-store';
import { CollectorCodes } from '../../lambda/core/collectors/codes';

/**
 * The instant a collector cannot read past (its last run failed with COLLECTOR_TIES_EXCEED_PAGE), as
 * `sluice status` and `sluice collect checkpoint` show it: the next runs stop there too, so the
 * operator needs the instant and the one command that moves past it.
 */
export interface StuckTie {
  /** The second (or millisecond) every run stops before, RFC 3339. */
  readonly at: string;
  readonly unit: 'second' | 'millisecond';
  /** The API's page held this many events of that instant: at least that many share it. Null when not recorded. */
  readonly atLeastEvents: number | null;
  /** Moves the checkpoint past that instant, after saying what it skips and asking. */
  readonly command: string;
}

/**
 * Null unless the last run stopped at a tie whose instant was recorded (a failure stored before
 * `lastErrorTiesAt` existed has none: the next run, stopping there again, records it).
 */
export function stuckTie(
  collector: string,
  state: CollectorState | undefined,
  precisionMs: number,
): StuckTie | null {
  if (state?.lastErrorCode !== CollectorCodes.TIES_EXCEED_PAGE || state.lastErrorTiesAt === undefined)
    return null;
  return {
    at: state.lastErrorTiesAt,
    unit: precisionMs === 1 ? 'millisecond' : 'second',
    atLeastEvents: state.lastErrorTiesEvents ?? null,
    command: `sluice collect checkpoint ${collector} --skip-second`,
  };
}

/** One line for an operator: the instant, how crowded it is, and the way past it. */
export function describeStuckTie(collector: string, tie: StuckTie): string {
  const instant = tie.unit === 'second' ? `second ${tie.at.slice(0, 19)}Z` : `millisecond ${tie.at}`;
  const crowd =
    tie.atLeastEvents === null
      ? 'a whole page of events shares it'
      : `at least ${tie.atLeastEvents} events (a whole page) share it`;
  return `collector ${collector} is stuck at ${instant}: ${crowd}, and every run stops before it. Fix the configuration (epoch-millis, a larger limit, a continuation), or skip the rest of that ${tie.unit} on purpose (those events are never collected): ${tie.command}`;
}
