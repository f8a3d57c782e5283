import type { Machine } from './machine';

/** One run of a process, measured from outside (bench/lib/rusage.py). */
export interface CommandSample {
  readonly wallMs: number;
  /** User + system CPU of the process, all threads. */
  readonly cpuMs: number;
  readonly maxRssKiB: number;
}

export type ForwardSample = CommandSample;

export interface CliReport {
  readonly objects: number;
  readonly records: number;
  readonly rawBytes: number;
  readonly runs: { startup: number; status: number; firstRequest: number; forward: number };
  readonly version: readonly CommandSample[];
  readonly help: readonly CommandSample[];
  readonly forwardHelp: readonly CommandSample[];
  readonly versionTsx: readonly CommandSample[];
  /** `awsMs`: time with at least one request to moto in flight. */
  readonly status: readonly (CommandSample & { awsMs: number })[];
  /** From the spawn to the first request at the HEC receiver; `awsMs`: moto's share (the token). */
  readonly firstRequest: readonly { ms: number; awsMs: number }[];
  readonly forward: {
    readonly shipper: readonly ForwardSample[];
    readonly gzipOff: readonly ForwardSample[];
    readonly gzipOn: readonly ForwardSample[];
    /** `--concurrency 1`: one object after another, as `forward` worked before. */
    readonly sequential: readonly ForwardSample[];
    /** The same records as one object (gzip off). */
    readonly oneObject: readonly ForwardSample[];
    /** Gzip off, to the HEC receiver that answers DISTANT_HEC_DELAY_MS late. */
    readonly distant: {
      readonly concurrent: readonly ForwardSample[];
      readonly sequential: readonly ForwardSample[];
      readonly oneObject: readonly ForwardSample[];
    };
    readonly parse: readonly ForwardSample[];
  };
}

/** How late the "distant" HEC receiver answers: a SIEM across a network (bench/children/receivers.ts). */
export const DISTANT_HEC_DELAY_MS = 25;

export const CLI_TARGETS = {
  startupWallMs: 250,
  statusOwnWallMs: 500,
  firstRequestMs: 500,
  cpuOfShipper: 0.4,
} as const;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const range = (values: readonly number[]) =>
  values.length > 1 ? ` (${seconds(Math.min(...values))}–${seconds(Math.max(...values))})` : '';
const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;
const verdict = (value: number, target: number) => (value <= target ? 'met' : '**missed**');

function startupRow(label: string, samples: readonly CommandSample[], target?: number): string {
  const wall = median(samples.map((s) => s.wallMs));
  const goal = target === undefined ? '–' : `≤ ${seconds(target)}: ${verdict(wall, target)}`;
  return `| ${label} | ${samples.length} | ${seconds(wall)}${range(samples.map((s) => s.wallMs))} | ${seconds(median(samples.map((s) => s.cpuMs)))} | ${mib(median(samples.map((s) => s.maxRssKiB)))} | ${goal} |`;
}

/** The targets of the CLI table, in one line each (also printed by `npm run bench -- --cli`). */
export function cliVerdicts(cli: CliReport): string[] {
  const wall = (samples: readonly CommandSample[]) => median(samples.map((s) => s.wallMs));
  const statusOwn = median(cli.status.map((s) => s.wallMs - s.awsMs));
  const first = median(cli.firstRequest.map((s) => s.ms));
  const ratio = cpuRatio(cli);
  return [
    `--version ${seconds(wall(cli.version))}, --help ${seconds(wall(cli.help))} (≤ ${seconds(CLI_TARGETS.startupWallMs)}): ${verdict(Math.max(wall(cli.version), wall(cli.help)), CLI_TARGETS.startupWallMs)}`,
    `status ${seconds(statusOwn)} besides its AWS calls (≤ ${seconds(CLI_TARGETS.statusOwnWallMs)}): ${verdict(statusOwn, CLI_TARGETS.statusOwnWallMs)}`,
    `forward to its first request ${seconds(first)} (≤ ${seconds(CLI_TARGETS.firstRequestMs)}): ${verdict(first, CLI_TARGETS.firstRequestMs)}`,
    `whole forward ${ratio.toFixed(2)} × the shipper's CPU (≤ ${CLI_TARGETS.cpuOfShipper}): ${verdict(ratio, CLI_TARGETS.cpuOfShipper)}`,
  ];
}

export function renderCliSection(cli: CliReport, command: string): string {
  const status = cli.status;
  const statusWall = median(status.map((s) => s.wallMs));
  const statusAws = median(status.map((s) => s.awsMs));
  const statusOwn = status.map((s) => s.wallMs - s.awsMs);
  const first = cli.firstRequest.map((s) => s.ms);
  const firstAws = median(cli.firstRequest.map((s) => s.awsMs));
  const shipperCpu = median(cli.forward.shipper.map((s) => s.cpuMs));
  const forwardRow = (label: string, samples: readonly ForwardSample[], target?: number) => {
    const cpu = median(samples.map((s) => s.cpuMs));
    const wall = median(samples.map((s) => s.wallMs));
    const ratio = cpu / shipperCpu;
    const goal = target === undefined ? '–' : `≤ ${target.toFixed(2)}: ${verdict(ratio, target)}`;
    return `| ${label} | ${seconds(wall)} | ${seconds(cpu)}${range(samples.map((s) => s.cpuMs))} | ${Math.round((cli.records / cpu) * 1000).toLocaleString('en-US')} | ${ratio.toFixed(2)} | ${mib(median(samples.map((s) => s.maxRssKiB)))} | ${goal} |`;
  };
  return `## CLI

Measured with \`${command}\`: the CLI as \`npm ci\` builds it (\`node bin/sluice.mjs\`, running
dist/cli, from a copy of the package so that edits during the run cannot switch it to tsx), each run a
fresh process measured from outside (\`bench/lib/rusage.py\`: wall from the fork to the exit; CPU is
user + system of all the process's threads). Medians, with the range over the runs.

| command | runs | wall | CPU | peak RSS | target |
|---|--:|--:|--:|--:|---|
${startupRow('`sluice --version`', cli.version, CLI_TARGETS.startupWallMs)}
${startupRow('`sluice --help`', cli.help, CLI_TARGETS.startupWallMs)}
${startupRow('`sluice forward --help`', cli.forwardHelp)}
${startupRow('`sluice --version` through tsx (no build, or a source edited since)', cli.versionTsx)}
| \`sluice status\` against moto: all | ${status.length} | ${seconds(statusWall)}${range(status.map((s) => s.wallMs))} | ${seconds(median(status.map((s) => s.cpuMs)))} | ${mib(median(status.map((s) => s.maxRssKiB)))} | |
| … of which waiting for moto (its AWS calls) | | ${seconds(statusAws)} | | | |
| … the rest: sluice itself | | **${seconds(median(statusOwn))}**${range(statusOwn)} | | | ≤ ${seconds(CLI_TARGETS.statusOwnWallMs)}: ${verdict(median(statusOwn), CLI_TARGETS.statusOwnWallMs)} |
| \`sluice forward\` (${cli.objects} objects) to its first request at the HEC receiver | ${first.length} | **${seconds(median(first))}**${range(first)} | | | ≤ ${seconds(CLI_TARGETS.firstRequestMs)}: ${verdict(median(first), CLI_TARGETS.firstRequestMs)} |

\`status\` reads the stack's outputs, the depth of 4 queues, the newest object per source and the
quarantine from moto; "waiting for moto" is the time with at least one of its requests in flight,
timed by a pass-through proxy in front of moto (moto is a Python server and slower than AWS; AWS's
own latency would replace it). The first request of \`forward\` comes after start-up, the HEC token
from Secrets Manager (moto: ${seconds(firstAws)}), listing the files and filling the first batch
(1 MB, or the end of an object) with 4 objects read at once (the default \`--concurrency\`); timed by
a proxy in front of the receiver.

### Whole \`forward\` beside seed 000's Python shipper

The same ${cli.objects} StrongDM objects (${cli.records.toLocaleString('en-US')} records, ${(cli.rawBytes / 1e6).toFixed(1)} MB of NDJSON files) to the
same HEC receiver (the receivers' process, which indexes every event; a run counts only if all
${cli.records.toLocaleString('en-US')} arrived), start-up included. The shipper is seed 000's (\`bench/shipper/shipper.py\`:
\`json.loads\` per line, an HEC envelope \`json.dumps\`'d per record, one \`requests.post\` per 100
records), reading the same files. It sends bodies uncompressed, so the target row is sluice
with destination gzip off; gzip on (the default) is shown too, and so are the same records forwarded
one object after another and as one single object (wall time: several objects at once must not be
slower than one big one), also to a second HEC receiver that answers every request ${DISTANT_HEC_DELAY_MS} ms late,
as a SIEM across a network does (the local one answers at once, so the waiting that working on
several objects at once hides barely exists there).

| process | wall | CPU | records per CPU-s | × shipper's CPU | peak RSS | target |
|---|--:|--:|--:|--:|--:|---|
${forwardRow('seed 000 shipper (Python)', cli.forward.shipper)}
${forwardRow('`sluice forward`, destination gzip off', cli.forward.gzipOff, CLI_TARGETS.cpuOfShipper)}
${forwardRow('`sluice forward`, destination gzip on (default)', cli.forward.gzipOn)}
${forwardRow('`sluice forward --concurrency 1` (one object after another, as before), gzip off', cli.forward.sequential)}
${forwardRow(`\`sluice forward\` of the same records as one object, gzip off`, cli.forward.oneObject)}
${forwardRow(`\`sluice forward\`, gzip off, to a HEC answering ${DISTANT_HEC_DELAY_MS} ms late`, cli.forward.distant.concurrent)}
${forwardRow(`\`sluice forward --concurrency 1\`, the same`, cli.forward.distant.sequential)}
${forwardRow(`\`sluice forward\` of the one object, the same`, cli.forward.distant.oneObject)}
${forwardRow('node: read the files, `JSON.parse` each line, nothing else', cli.forward.parse)}

**Targets:** ${cliVerdicts(cli).join('; ')}.
${WHERE_THE_CPU_GOES}`;
}

function cpuRatio(cli: CliReport): number {
  return median(cli.forward.gzipOff.map((s) => s.cpuMs)) / median(cli.forward.shipper.map((s) => s.cpuMs));
}

/**
 * Where the whole forward's CPU goes, from V8 CPU profiles of it (2026-12-01, gzip off, 2 cores).
 * Shown whatever the verdict: runs of the same build land on both sides of the target.
 */
const WHERE_THE_CPU_GOES = `
Records are read for the three fields sluice needs (log type, time, id), not built: each line is
checked to be one JSON object by a scan of its bytes that says exactly what \`JSON.parse\` of its
text would (lambda/core/records/json-scan.ts, property-tested against \`JSON.parse\`), and only
those fields' values are decoded (with detections, also the fields their rules read); a record is
decoded and parsed only when something asks for its value (a pretty-printed record to compact, a
detection rule that searches keywords). Before it (2026-12-01, eight runs
of this section at load averages 0.7-4.7) the whole \`forward\` took 0.36-0.44 × the shipper's CPU
(1.25 s against 3.47 s in the last of them); in runs of this build and the one before it, interleaved
on this machine, it takes 11-15 % less CPU (18 % with \`--concurrency 1\`), and three runs of this
section gave 0.33-0.35 ×. What that CPU goes to, from V8 CPU profiles of it (2026-12-01, gzip off):
start-up about 0.18 s (Node itself 0.04 s; the
configuration schema, zod included, about 0.05 s; Secrets Manager's client for the HEC token 0.05 s;
the command and the forwarder core the rest); the scan of the records' bytes about 0.2 s (it replaced
decoding each line and \`JSON.parse\` of it, about 0.35 s with the garbage collection of the values
it built); Node's HTTP client about 0.1 s for about 200 requests; copying the records into request
bodies, the socket writes and the file reads about 0.15 s, much of it in the kernel; garbage
collection 0.05-0.1 s; the rest of the per-record work (lines, outbound record, timestamp, ids,
batching) about 0.15 s. 100 objects four at a time cost 0.05-0.3 s more than the same records as one
object or one object after another (0.15 s in interleaved runs): four objects' batches wait at once,
so twice the records survive each young-generation collection (about 0.06 s more of it), each
object's last batch is a request of its own (about 200 requests against 120), and the receivers
parse beside sluice on the 2 cores.
Measured and not worth keeping: V8 flags (\`--max-semi-space-size\`, \`--single-threaded-gc\`,
\`--maglev\`, \`--always-sparkplug\`) within the runs' noise; a build without whitespace and comments
(0.01 s of start-up, and unreadable stack traces); decoding 64 KiB of lines at once and parsing
slices of it (\`JSON.parse\` of the slices is slower: a window with one character beyond Latin-1 is
two-byte text); 1 MiB file reads (more CPU and memory), 32-128 KiB ones (more CPU: the reader's
per-chunk work), file reads sized to the file (no change); reusing request-body buffers (no change:
the bodies' page faults were not the cost); sharing a destination's requests in flight among the
objects, as the Lambda does (no change).
`;

/** A `npm run bench -- --cli` run, as saved in bench/out/cli-report.json. */
export interface CliRun {
  readonly cli: CliReport;
  readonly command: string;
  readonly machineBefore: Machine;
  readonly machineAfter: Machine;
  readonly finishedAt: string;
}

/** The CLI section of a `--cli` run, with the machine it ran on. */
export function renderCliRun(run: CliRun): string {
  const m = run.machineBefore;
  return `${renderCliSection(run.cli, run.command)}
Machine: ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}; load average before ${m.loadAverage}, after ${run.machineAfter.loadAverage}; ${run.finishedAt}.
`;
}

/**
 * BENCHMARKS.md with its CLI section replaced by `section` (`npm run bench -- --cli` measures only
 * the CLI; the other sections keep the numbers of the last full run).
 */
export function spliceCliSection(markdown: string, section: string): string {
  const start = markdown.indexOf('\n## CLI\n');
  if (start >= 0) {
    const next = markdown.indexOf('\n## ', start + 1);
    return `${markdown.slice(0, start + 1)}${section}${next >= 0 ? markdown.slice(next) : ''}`;
  }
  const before = markdown.indexOf('\n## Cost per TB');
  return before >= 0
    ? `${markdown.slice(0, before + 1)}${section}\n${markdown.slice(before + 1)}`
    : `${markdown}\n${section}`;
}
