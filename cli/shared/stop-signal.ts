import { EXIT } from './errors';
import type { CliIo, Output } from './io';

/** The first SIGINT/SIGTERM a long-running command received (see `listenForStop`). */
export interface StopRequest {
  /** True once the first signal arrived: the command finishes what it holds, then ends. */
  readonly requested: boolean;
  /** The first signal, once it arrived. */
  readonly signal: NodeJS.Signals | undefined;
  /** Resolves with the first signal. */
  readonly stopped: Promise<NodeJS.Signals>;
  /**
   * Aborted by the first signal: hand it to what waits (an API request's retries) so that the wait
   * ends at once rather than at the next point where `requested` is read.
   */
  readonly abortSignal: AbortSignal;
  /** Stops listening (the signals' default action applies again). */
  dispose(): void;
}

/**
 * The CLI's Ctrl-C convention for every long-running command: the first SIGINT or SIGTERM asks the
 * command to stop gracefully (it finishes what it holds, so nothing it has read is lost, and prints
 * its summary), and a second one ends the process at once with code 130, whatever the command is
 * waiting on (an API that never answers, a retry loop). Without the second, a listener on SIGINT
 * would leave no way to interrupt a command that cannot reach its next stopping point.
 *
 * `finishing` says what the first signal leads to, for the operator ("stopping after the page in
 * progress").
 */
export function listenForStop(io: CliIo, output: Output, finishing: string): StopRequest {
  let signal: NodeJS.Signals | undefined;
  let resolveStopped: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStopped = resolve));
  const abort = new AbortController();
  const dispose = io.onStopSignal((received) => {
    if (signal !== undefined) {
      output.warn(`second signal (${received}): exiting now, code ${EXIT.interrupted}`);
      io.exit(EXIT.interrupted);
      return;
    }
    signal = received;
    output.note(`${received}: ${finishing} (a second Ctrl-C exits at once)`, { signal: received });
    resolveStopped(received);
    abort.abort();
  });
  return {
    get requested() {
      return signal !== undefined;
    },
    get signal() {
      return signal;
    },
    stopped,
    abortSignal: abort.signal,
    dispose,
  };
}
