import type { DetectionsInput, DetectionsOutput } from '../children/detections';
import type { MemoryOutput } from '../children/memory';
import { renderCliSection, type CliReport } from './cli-report';
import { renderDetectionsSection, type DetectionsForwarderRun } from './detections-report';
import type { Measured } from '../children/ingest';
import type { ObjectFormat } from '../data/objects';
import { LOG_TYPE_SHARES } from '../data/strongdm';
import { PRICES, type CostLine } from './cost';
import type { DestinationKind } from './forwarder';
import type { Machine } from './machine';
import type { HotFunction } from './profile';

export interface ThroughputRow {
  readonly destination: DestinationKind;
  /** `records-array`: CloudTrail log files, compared with the floor on their own records. */
  readonly format: ObjectFormat | 'records-array';
  readonly objectGzip: boolean;
  readonly destinationGzip: boolean;
  readonly records: number;
  readonly rawBytes: number;
  readonly storedBytes: number;
  readonly elapsedMs: number;
  readonly cpuMs: number;
  readonly wallRatio: number;
  readonly cpuRatio: number;
  /** With destination gzip: records per CPU-second against the floor that also compresses its output. */
  readonly gzipFloorCpuRatio?: number;
  /** CPU the receivers spent per round of this variant (mean over all its rounds, warm-up included). */
  readonly receiverCpuMs: number;
}

/**
 * The ratio the target applies to: records per CPU-second against the floor that does the same
 * kind of work, i.e. with compression when the destination compresses.
 */
export function targetRatioOf(row: ThroughputRow): number {
  return row.gzipFloorCpuRatio ?? row.cpuRatio;
}

export interface WhatIfRow {
  readonly label: string;
  readonly flags: readonly string[];
  readonly recordsPerSecond: number;
  readonly recordsPerCpuSecond: number;
  readonly wallRatio: number;
  readonly cpuRatio: number;
  readonly minorGcMs: number;
  readonly majorGcMs: number;
}

export interface Report {
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly command: string;
  readonly machineBefore: Machine;
  readonly machineAfter: Machine;
  readonly v8Flags: readonly string[];
  readonly workload: { objects: number; recordsPerObject: number; warmupRounds: number; rounds: number };
  readonly floor: {
    records: number;
    rawBytes: number;
    elapsedMs: number;
    recordsPerSecond: number;
    bytesPerSecond: number;
    gzipElapsedMs: number;
    gzipRecordsPerSecond: number;
  };
  /** The floor on the CloudTrail records (absent from reports written before it existed). */
  readonly cloudTrailFloor?: Report['floor'];
  readonly rows: readonly ThroughputRow[];
  /** The detection engine alone (absent from reports written before it existed). */
  readonly detections?: { readonly input: DetectionsInput; readonly output: DetectionsOutput };
  /** The forwarder with and without the StrongDM pack (absent from reports written before it existed). */
  readonly forwarderDetections?: DetectionsForwarderRun;
  readonly targetRatio: number;
  readonly memory: readonly MemoryOutput[];
  readonly memoryTargetBytes: number;
  readonly ingest: readonly Measured[];
  readonly costRows: readonly { row: ThroughputRow; cost: CostLine }[];
  /** Mean size of the generated vendor objects (uncompressed), the basis of the request costs. */
  readonly meanObjectBytes: number;
  readonly profiles: readonly { name: string; path: string; functions: readonly HotFunction[] }[];
  readonly whatIf: readonly WhatIfRow[];
  /** The CLI table (absent from reports written before it existed). */
  readonly cli?: CliReport;
  readonly quick: boolean;
}

const MB = 1e6;
const MiB = 1024 ** 2;
const fixed = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const perSecond = (count: number, ms: number) => (count / ms) * 1000;
const ratio = (value: number, target: number) => `${value.toFixed(2)}${value >= target ? '' : ' ✗'}`;
const plainRatio = (value: number) => value.toFixed(2);
const dollars = (value: number) => (value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(3)}`);

const DESTINATION_LABELS: Record<DestinationKind, string> = {
  hec: 'Splunk HEC',
  es: 'Elasticsearch',
  sentinel: 'Microsoft Sentinel',
  'hec-ack': 'Splunk HEC, acknowledgements on',
};
const destinationLabel = (row: ThroughputRow) => DESTINATION_LABELS[row.destination];

function objectLabel(row: ThroughputRow): string {
  if (row.format === 'records-array') return 'CloudTrail `{"Records":[…]}`, gzip';
  return `${row.format === 'ndjson' ? 'NDJSON' : 'pretty-printed'}${row.objectGzip ? ', gzip' : ''}`;
}

function throughputTable(report: Report): string {
  const header =
    "| destination | object | destination gzip | records/s | object MB/s | data MB/s | × floor (wall) | receivers' CPU per round | records per CPU-s | × floor (CPU) | × floor + gzip (CPU) |\n" +
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|';
  const lines = report.rows.map((row) => {
    const object = objectLabel(row);
    const cpu = row.destinationGzip ? plainRatio(row.cpuRatio) : ratio(row.cpuRatio, report.targetRatio);
    const gzipCpu =
      row.gzipFloorCpuRatio === undefined ? '–' : ratio(row.gzipFloorCpuRatio, report.targetRatio);
    return `| ${destinationLabel(row)} | ${object} | ${row.destinationGzip ? 'on' : 'off'} | ${fixed(perSecond(row.records, row.elapsedMs))} | ${fixed(perSecond(row.storedBytes, row.elapsedMs) / MB, 1)} | ${fixed(perSecond(row.rawBytes, row.elapsedMs) / MB, 1)} | ${plainRatio(row.wallRatio)} | ${fixed(row.receiverCpuMs)} ms | ${fixed(perSecond(row.records, row.cpuMs))} | ${cpu} | ${gzipCpu} |`;
  });
  return [header, ...lines].join('\n');
}

function memoryTable(report: Report): string {
  const header =
    '| object | records | stored | time | baseline RSS | peak RSS (VmHWM) | RSS at 10 %, 20 %, … 100 % of the object | max heap used | max external | target |\n' +
    '|---|--:|--:|--:|--:|--:|---|--:|--:|---|';
  const lines = report.memory.map((run, index) => {
    const kind = index === 0 ? 'plain NDJSON' : 'gzip NDJSON';
    const ok = run.peakRssBytes < report.memoryTargetBytes ? 'met' : 'missed';
    return `| ${fixed(run.rawBytes / MiB)} MiB ${kind} | ${fixed(run.records)} | ${fixed(run.storedBytes / MiB)} MiB | ${fixed(run.elapsedMs / 1000, 1)} s | ${fixed(run.baselineRssBytes / MiB)} MiB | **${fixed(run.peakRssBytes / MiB)} MiB** | ${run.rssByProgress.map((rss) => fixed(rss / MiB)).join(', ')} MiB | ${fixed(run.maxHeapUsedBytes / MiB)} MiB | ${fixed(run.maxExternalBytes / MiB)} MiB | ${ok} |`;
  });
  return [header, ...lines].join('\n');
}

function ingestTable(report: Report): string {
  const header =
    '| handler | events | calls | events/s | MB/s in | events per CPU-s |\n|---|--:|--:|--:|--:|--:|';
  const lines = report.ingest.map(
    (run) =>
      `| ${run.name} | ${fixed(run.events)} | ${fixed(run.calls)} | ${fixed(perSecond(run.events, run.elapsedMs))} | ${fixed(perSecond(run.bytesIn, run.elapsedMs) / MB, 1)} | ${fixed(perSecond(run.events, run.cpuMs))} |`,
  );
  return [header, ...lines].join('\n');
}

function costTable(report: Report): string {
  const header =
    '| destination | destination gzip | CPU-s per TB | Lambda GB-s per TB | compute | invocations | S3 GET | SQS | **total per TB** |\n' +
    '|---|---|--:|--:|--:|--:|--:|--:|--:|';
  const lines = report.costRows.map(
    ({ row, cost }) =>
      `| ${destinationLabel(row)} | ${row.destinationGzip ? 'on' : 'off'} | ${fixed(cost.cpuSecondsPerTb)} | ${fixed(cost.gbSecondsPerTb)} | ${dollars(cost.computeDollarsPerTb)} | ${dollars(cost.requestDollarsPerTb)} | ${dollars(cost.s3GetDollarsPerTb)} | ${dollars(cost.sqsDollarsPerTb)} | **${dollars(cost.totalDollarsPerTb)}** |`,
  );
  return [header, ...lines].join('\n');
}

function profileSection(report: Report): string {
  if (report.profiles.length === 0) return '';
  const stage = (functions: readonly HotFunction[], match: RegExp) =>
    functions.filter((hot) => match.test(hot.where)).reduce((max, hot) => Math.max(max, hot.totalShare), 0);
  const parts = report.profiles.map(({ name, path, functions }) => {
    const top = functions
      .slice(0, 15)
      .map(
        (hot) =>
          `| ${hot.where.replace(/\|/g, '\\|')} | ${(hot.selfShare * 100).toFixed(1)} % | ${(hot.totalShare * 100).toFixed(1)} % |`,
      )
      .join('\n');
    const stages = [
      ['read records (line split, decode, JSON.parse)', /^readRecords /],
      ['  of which JSON.parse', /^parseRecordText /],
      ['outbound record (log type, id, timestamp)', /^toOutboundRecord /],
      ['pipeline push (encodedSize, batching)', /^push \(lambda\/core\/forward/],
      ['request body (encode + gzip)', /^body \(lambda\/core\/sinks\/delivery-loop/],
      ['HTTP client', /\(lambda\/core\/http\/client\.ts\)$/],
      ['garbage collector', /^\(garbage collector\)/],
      ['idle (waiting for answers, or for gzip on the thread pool)', /^\(idle\)/],
    ] as const;
    const stageRows = stages
      .map(([label, match]) => `| ${label} | ${(stage(functions, match) * 100).toFixed(1)} % |`)
      .join('\n');
    return `### ${name}\n\nProfile: \`${path}\` (open in Chrome DevTools → Performance, or speedscope).\n\n| stage (time with the function on the stack) | share |\n|---|--:|\n${stageRows}\n\n| function (source) | self | total |\n|---|--:|--:|\n${top}`;
  });
  return `## Profile of the hot path (HEC, plain NDJSON)\n\nThe target was missed, so the bench profiled the last timed round of the HEC/NDJSON runs (V8's sampling profiler, the one \`node --cpu-prof\` uses, main thread only, 200 µs interval, on a non-minified bundle of the same code).\n\n${parts.join('\n\n')}\n`;
}

function whatIfSection(report: Report): string {
  if (report.whatIf.length === 0) return '';
  const rows = report.whatIf
    .map(
      (row) =>
        `| ${row.label} | ${fixed(row.recordsPerSecond)} | ${ratio(row.wallRatio, report.targetRatio)} | ${fixed(row.recordsPerCpuSecond)} | ${ratio(row.cpuRatio, report.targetRatio)} | ${fixed(row.minorGcMs)} ms | ${fixed(row.majorGcMs)} ms |`,
    )
    .join('\n');
  return `### What the profile points at, measured

HEC, plain NDJSON, destination gzip off, same records; only the one thing named changes. GC times
are the pauses V8 reports for the timed round (young-generation scavenges and full mark-compacts).

| variant | records/s | × floor (wall) | records per CPU-s | × floor (CPU) | scavenges | mark-compacts |
|---|--:|--:|--:|--:|--:|--:|
${rows}
`;
}

function gzipSection(report: Report): string {
  const hec = (gzip: boolean) =>
    report.rows.find(
      (row) =>
        row.destination === 'hec' &&
        row.format === 'ndjson' &&
        !row.objectGzip &&
        row.destinationGzip === gzip,
    );
  const on = hec(true);
  const off = hec(false);
  const { floor } = report;
  if (!on || !off) return '';
  return `## Destination gzip

Compressing is work the plain floor does not do, and it costs about as much as everything else:
the floor that also compresses its output runs at ${fixed(floor.gzipRecordsPerSecond)} records/s against
${fixed(floor.recordsPerSecond)} without (gzip level 1 alone takes ${Math.round((1 - floor.gzipRecordsPerSecond / floor.recordsPerSecond) * 100)} % of its time). Even a forwarder
that cost nothing but the floor would reach only ${(floor.gzipRecordsPerSecond / floor.recordsPerSecond).toFixed(2)} × the plain floor with gzip on, so
with destination gzip the target compares with that floor (**× floor + gzip**). On HEC, destination gzip
takes ${Math.round((1 - on.cpuRatio / off.cpuRatio) * 100)} % of the forwarder's CPU (${on.cpuRatio.toFixed(2)} × floor with it, ${off.cpuRatio.toFixed(2)} × without).

It stays on by default: bodies shrink about 4× on this data, and for a SIEM outside AWS internet
egress (about $0.09/GB) costs far more per TB than the compute gzip adds (see the cost table).
Inside the SIEM's region, \`gzip: false\` saves that compute. Bodies are compressed on libuv's thread
pool in 256 KiB output chunks (zlib's default 16 KiB took a quarter more CPU: one thread-pool trip
per chunk).
`;
}

function detectionsSection(report: Report): string {
  if (!report.detections) return '';
  const { input, output: d } = report.detections;
  const base = report.rows.find(
    (row) => row.destination === 'hec' && row.format === 'ndjson' && !row.objectGzip && !row.destinationGzip,
  );
  const forwarderNs = base ? (base.cpuMs * 1e6) / base.records : undefined;
  const share = (ns: number) =>
    forwarderNs === undefined ? '–' : `${((ns / forwarderNs) * 100).toFixed(1)} %`;
  const line = (label: string, ns: number) =>
    `| ${label} | ${fixed(ns)} | ${(ns / d.floorNsPerRecord).toFixed(2)} | ${share(ns)} |`;
  const matches = Object.entries(d.matchesPerRule)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, count]) => `${rule} ${fixed(count)}`)
    .join('; ');
  return `## Detections (the engine alone)

The StrongDM rule pack's engine without the forwarder around it (the next section measures the
forwarder with the pack, as deployed). This measures what the pack (\`detections/strongdm\`, ${d.rules}
rules) adds per record, one object after another: \`bench/children/detections.ts\` on ${fixed(d.records)} StrongDM records (seed ${input.seed}, the
forwarder workload's mix of log types, objects of 1,000 records of one log type), the fastest run of
each measure (\`repeats: ${input.repeats}\`), in a process of its own with the same V8 flags. **Engine** is
\`DetectionEngine.process\` per object with in-memory window and alert stores (matching, the correlation
windows, alert registration); the deployed stage's DynamoDB round trips are not in it. **Match** is what
running the pack's compiled predicates on each record right after it is parsed adds to the floor.
Its floor (parse + serialize each record) is measured in the same process, beside it; the forwarder's
CPU per record is the HEC, plain NDJSON, destination gzip off row above${forwarderNs === undefined ? ' (not in this run)' : ` (${fixed(forwarderNs)} ns per record of CPU)`}.

| | ns per record | × floor | % of the forwarder's CPU per record (no detections) |
|---|--:|--:|--:|
${line('floor (JSON.parse + JSON.stringify)', d.floorNsPerRecord)}
${line("match (the pack's predicates, beyond the floor)", d.matchNsPerRecord)}
${line('engine (records already parsed)', d.engineNsPerRecord)}
${line('engine, every alert document built', d.engineWithDocumentsNsPerRecord)}

Alerts: ${fixed(d.alertsOpened)} opened, ${fixed(d.alertsUpdated)} updated. Matches per rule: ${matches || 'none'}.
`;
}

/** How the hot path reached the target: measured with `npm run bench -- --focus` while changing it. */
function historySection(): string {
  return `## How the hot path got here

Measured on 2026-11-26 with \`npm run bench -- --focus\` (the floor and the HEC plain NDJSON rows only),
HEC with destination gzip off, × floor (CPU) as the bench then computed it (the fastest forwarder round
against the fastest floor run). Single runs on this shared machine vary by about ±10 %.

| change | × floor (CPU) | why |
|---|--:|---|
| as of the previous report | 0.29-0.34 | |
| the reader hands over the events of a chunk as one array; \`DestinationPipeline.push\` returns a promise only when the destination has its maximum of batches in flight | 0.33-0.42 | an \`await\` (and three generator resumptions) per record and destination |
| records keep a view of their bytes in the object's chunk instead of their text; encoders copy bytes | 0.52 | thousands of 1 KB strings waiting in batches were copied by every scavenge and promoted (scavenges 64 → 16 ms per round) |
| RFC 3339 \`Z\` timestamps read without a regular expression; a chunk's records are built before any \`await\` | 0.57-0.59 | events (text and parsed value) held across a backpressure wait were promoted |
| the bench stopped forcing a full GC before each timed round | 0.70-0.78 | V8 discards optimised code on a forced full GC: each timed round re-optimised about 30 hot functions (3-10 without), so every round started partly cold, unlike a warm Lambda |

Then the comparison itself was made fairer: 5 timed rounds instead of 3, each compared with the floor
on the same records (rounds differ in size, and the fastest forwarder round and the fastest floor run
could come from different rounds), the median round reported. Destination gzip writes 256 KiB output
chunks (see above).

What is left per record, beyond the floor's parse and serialisation: splitting lines and decoding each
into a string, the outbound record (log type, id, nanosecond timestamp), sizing and batching it,
copying it into the request body, HTTP, and the garbage of it all. The rows the target does not cover
pay for more than the floor does: gzip objects for decompressing them (the floor reads plain bytes),
pretty-printed ones for the byte-by-byte object scanner and for compacting each record to one line.
`;
}

export function renderReport(report: Report): string {
  const { machineBefore: m, floor, workload } = report;
  const duration = (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000;
  const hecPlain = report.rows.filter(
    (row) => row.destination === 'hec' && row.format === 'ndjson' && !row.objectGzip,
  );
  const verdict = hecPlain
    .map((row) => {
      const measure = row.destinationGzip ? '× floor + gzip' : '× floor';
      const met = targetRatioOf(row) >= report.targetRatio ? 'met' : '**missed**';
      return `destination gzip ${row.destinationGzip ? 'on' : 'off'}: ${targetRatioOf(row).toFixed(2)} ${measure} (CPU), ${met}`;
    })
    .join('; ');
  const shares = Object.entries(LOG_TYPE_SHARES)
    .map(([logType, share]) => `${logType} ${Math.round(share * 100)} %`)
    .join(', ');
  return `# Benchmarks

${report.quick ? '**Quick run: sizes reduced to check the harness; the numbers are not meaningful.**\n\n' : ''}| | |
|---|---|
| date | ${report.startedAt.toISOString()} (took ${fixed(duration)} s) |
| command | \`${report.command}\` |
| machine | ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform} |
| Node | ${m.node}; children run esbuild bundles (minified, source maps, as the CDK bundles the functions) with \`${report.v8Flags.join(' ')}\` (the V8 heap limits Lambda's Node.js runtime derives from 512 MB: a tenth for the young generation, the rest for the old) |
| load average (1, 5, 15 min) | before ${m.loadAverage}; after ${report.machineAfter.loadAverage} (the machine is shared: other work inflates times) |

## What is measured

* **Data.** StrongDM Log Stream records generated from a seed (\`bench/data/strongdm.ts\`): the
  vendor's fields for activities, queries and replays, ${shares} of records; queries ~0.7 KB,
  activities ~0.7 KB, replays ~3-20 KB (base64 session data). Vendor objects hold one log type and
  ${fixed(workload.recordsPerObject)} records (the vendor's cap), as NDJSON or pretty-printed (4-space
  indent, like the vendor's examples), plain or gzip (level 6).
* **Forwarder.** The real code path: \`processMessage\` → \`forwardObject\` → record reader → outbound
  record → sink encoder → keep-alive HTTP (+ gzip, level 1, when on) to local Splunk HEC and
  Elasticsearch \`_bulk\` receivers running in their own process. They authenticate, decompress and
  parse every request and count what they index; a run fails unless they indexed every record.
  S3 is replaced by the objects in memory, streamed in 64 KiB chunks. The configuration goes
  through the real schema, so every default (1 MB / 5 MB batches, 4 requests in flight, retry
  policy) is the shipped one. Notifications come in batches of 10, run as the handler runs its
  batch: objects start one after another, at most as many at once as the destination's
  \`maxConcurrency\` (4), each with its share of the requests in flight. Each variant runs in a fresh process: ${workload.warmupRounds} warm-up rounds,
  then ${workload.rounds} timed rounds of ${workload.objects} objects (${fixed(workload.objects * workload.recordsPerObject)} records,
  new records each round). Each round is compared with the floor on the same records, and the row
  shows the round with the median ratio.
* **Floor.** The least work any forwarder does: decode each NDJSON object, \`JSON.parse\` every line
  and \`JSON.stringify\` it once (\`bench/children/floor.ts\`), on the same records, same process
  settings, the fastest of 3 runs on each round's records. **Floor + gzip** also compresses each object's serialized lines as the sinks
  compress bodies (level 1): the least work of a forwarder that compresses.
* **Other destinations and readers.** Microsoft Sentinel: the Logs Ingestion API receiver (JSON arrays
  of at most 1 MB, gzip allowed, a bearer token checked on every call) with a local Entra ID token
  endpoint (one client-credentials token per process, cached). Splunk HEC with indexer
  acknowledgement: the HEC receiver with acknowledgement on the token (every request needs a channel,
  answers carry an \`ackId\`, an ackId reads \`true\` at the first query), and \`ackPollIntervalSeconds: 1\`
  in the bench configuration (default 10): records count as delivered only once acknowledged, so
  each batch of objects waits for a poll, which stretches wall time, not CPU. CloudTrail: the
  \`cloudtrail\` preset's \`records-array\` reader on gzip log files \`{"Records":[…]}\` (one document per
  file, on one line, as a trail writes it; records shaped like CloudTrail's documented management
  events, \`bench/data/cloudtrail.ts\`, seeded), ${fixed(workload.recordsPerObject)} records per file, to HEC.
  Its floor is the same as for NDJSON on the same records (the floor reads them as NDJSON lines and
  \`JSON.parse\`s + \`JSON.stringify\`s each element): finding the elements in the document, and gunzipping
  it, are the reader's work beyond the floor, as decompressing is for the gzip NDJSON rows.
* **× floor (CPU)** compares records per second of the forwarder process's CPU time (all its threads:
  gzip on the thread pool, GC and compiler helpers included) with the floor's. This is the measure the
  target applies to: it is what a Lambda, CPU-bound at 512 MB (29 % of a vCPU), pays for and what
  bounds its throughput. With destination gzip, the target applies to **× floor + gzip (CPU)**.
* **× floor (wall)** compares records/s of wall time. It is reported, not judged: the receivers run
  on this 2-core machine too and parse every event (their CPU per round is in the table, as much as
  the forwarder's), and the handler waits for the last answers of each batch of 10 objects before the
  next, so wall time here measures the receivers as much as sluice.
* Timed rounds run after warm-up without a forced garbage collection between them (a forced full
  GC makes V8 discard optimised code); every round's objects are loaded before the warm-up.

## Forwarder throughput

Floor (median round): **${fixed(floor.recordsPerSecond)} records/s, ${fixed(floor.bytesPerSecond / MB, 1)} MB/s** (${fixed(floor.records)} records, ${fixed(floor.rawBytes / MB, 1)} MB in ${fixed(floor.elapsedMs)} ms).
Floor + gzip: **${fixed(floor.gzipRecordsPerSecond)} records/s** (${fixed(floor.gzipElapsedMs)} ms).
${report.cloudTrailFloor ? `Floor on the CloudTrail records (the CloudTrail row's): **${fixed(report.cloudTrailFloor.recordsPerSecond)} records/s, ${fixed(report.cloudTrailFloor.bytesPerSecond / MB, 1)} MB/s** (${fixed(report.cloudTrailFloor.records)} records, ${fixed(report.cloudTrailFloor.rawBytes / MB, 1)} MB in ${fixed(report.cloudTrailFloor.elapsedMs)} ms).\n` : ''}
${throughputTable(report)}

"object MB/s" counts the object as stored (compressed for gzip objects); "data MB/s" the records
as written. ✗ marks a ratio below ${report.targetRatio} on the measure the target uses for that row (the
target is for the HEC rows with plain NDJSON objects; the others are shown against the same bar).${
    report.rows.some((row) => row.cpuRatio > 1)
      ? `

A ratio above 1 does not mean sluice beat the floor: the floor's time is wall time (the fastest of 3
runs), the forwarder's is CPU time, and a busy machine (see the load above) stretches the floor's wall
time far more than the forwarder's CPU time. Compare the rows with one another in such a run; "records per CPU-s" is the
steadier measure.`
      : ''
  }

**Target (HEC path ≥ ${report.targetRatio} × floor, plain NDJSON objects):** ${verdict}.

${detectionsSection(report)}
${report.forwarderDetections ? `${renderDetectionsSection(report.forwarderDetections)}\n` : ''}## Memory: one 1 GiB object

The object is generated while it is read (nothing on disk, never whole in memory) and forwarded to
**both** destinations at once with their defaults (worst case: two pipelines, each with up to 4
batches in flight). RSS is the forwarder process's, which also runs the data generator.

${memoryTable(report)}

## Ingest throughput

The batcher's handler on SQS events of ${'1,000'} messages (one event each) with an S3 client that
only counts bytes, and the HTTPS endpoint's handler on API Gateway events of 100 events each with a
queue that accepts every message: the handlers' own work (validation, log types, NDJSON, gzip),
without the network.

${ingestTable(report)}

${report.cli ? `${renderCliSection(report.cli, report.command)}\n` : ''}## Cost per TB forwarded

From the CPU time measured above (plain NDJSON objects), at the default ${report.costRows[0]?.cost.memoryMb ?? 512} MB on arm64,
which gives the function ${((report.costRows[0]?.cost.vcpuShare ?? 0) * 100).toFixed(0)} % of a vCPU (one full vCPU at 1,769 MB).
A TB is 10¹² bytes of records as written; objects average ${fixed(report.meanObjectBytes / MB, 2)} MB
(${fixed(workload.recordsPerObject)} records). List prices (us-east-1, 2025): Lambda arm64 $${PRICES.lambdaArmPerGbSecond}/GB-s and
$${PRICES.lambdaPerMillionRequests} per million invocations (10 notifications each), S3 GET $${PRICES.s3GetPerThousand} per 1,000,
SQS $${PRICES.sqsPerMillionRequests} per million requests (the notification S3 sends, plus a receive and a
delete batch per invocation).

${costTable(report)}

Assumes a Graviton core does about what one core of this machine does, and that the function is
CPU-bound (waiting for the SIEM overlaps with the other objects of its batch). Below 1,769 MB the
GB-seconds per TB do not depend on the memory setting: half the memory is half the CPU for twice as
long. Data transfer to the SIEM and CloudWatch Logs are not included (internet egress, about $0.09/GB,
would dwarf everything above for a SIEM outside AWS: keep destination gzip on there).

${gzipSection(report)}
${historySection()}
${profileSection(report)}
${whatIfSection(report)}`;
}
