"""
Runs a command and writes what it cost as JSON to OUT: wall time from just before the fork to its
exit, CPU of the process and its threads (user, system: from wait4, exact), peak RSS, exit status,
and the CLOCK_MONOTONIC time of the fork (the clock Node's process.hrtime reads, so other processes
can time events against the start).

  python3 bench/lib/rusage.py OUT COMMAND [ARG…]
"""
import json
import os
import sys
import time


def main():
    out, command = sys.argv[1], sys.argv[2:]
    started = time.monotonic_ns()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    ended = time.monotonic_ns()
    with open(out, "w") as handle:
        json.dump(
            {
                "startedAtNs": str(started),
                "wallMs": (ended - started) / 1e6,
                "userMs": usage.ru_utime * 1000,
                "systemMs": usage.ru_stime * 1000,
                "maxRssKiB": usage.ru_maxrss,
                "exitCode": os.waitstatus_to_exitcode(status),
            },
            handle,
        )


if __name__ == "__main__":
    main()
