import { DETECTIONS_CPU_TARGET, type DetectionsRow, type DetectionsSizes } from './detections-forwarder';
import { costPerTb, PRICES } from './cost';
import { MAX_GAP_MS, OBJECT_RECORDS } from './detection-workload';
import { ON_DEMAND_USD_PER_MILLION, totalUnits, type CapacityTally } from './dynamodb-capacity';
import type { Machine } from './machine';

/** The rows of one measurement, with what is needed to render them again (bench/render.ts --detections). */
export interface DetectionsForwarderRun {
  readonly command: string;
  readonly sizes: DetectionsSizes;
  readonly rows: readonly DetectionsRow[];
  readonly machineBefore: Machine;
  readonly machineAfter: Machine;
  readonly finishedAt: string;
}

export const DETECTIONS_SECTION = '## Detections in the forwarder';

const fixed = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percent = (share: number) => `${share >= 0 ? '+' : ''}${(share * 100).toFixed(1)} %`;
const verdict = (share: number) => (share <= DETECTIONS_CPU_TARGET ? 'met' : '**missed**');

const STORES_LABEL: Readonly<Record<DetectionsRow['stores'], string>> = {
  rules: 'rules only',
  memory: 'in memory',
  dynamodb: 'DynamoDB + S3 (moto)',
};

function row(r: DetectionsRow): string {
  const [low, high] = r.addedShareRange;
  const per100k = (count: number) => fixed((count / r.records) * 100_000);
  const alerts = r.stores === 'rules' ? '–' : `${per100k(r.openings)} + ${per100k(r.updates)}`;
  return `| ${r.workload} | ${STORES_LABEL[r.stores]} | ${r.destinationGzip ? 'on' : 'off'} | ${r.rounds} | ${fixed(r.withoutCpuNsPerRecord)} ns | ${fixed(r.withCpuNsPerRecord)} ns | ${fixed(r.withCpuNsPerRecord - r.withoutCpuNsPerRecord)} ns | **${percent(r.addedShare)}** (${percent(low)} … ${percent(high)}) | ${alerts} | ${r.stores === 'dynamodb' ? fixed((r.dynamodbRequests / r.records) * 1_000) : '–'} | ${verdict(r.addedShare)} |`;
}

/**
 * What one of a row's requests costs however small, per record: the requests per record times one
 * request's CPU, against the budget (15 % of the forwarder alone).
 */
function requestCost(r: DetectionsRow): string {
  if (r.dynamodbRequestCpuUs === undefined) return '';
  const perRecordNs = (r.dynamodbRequests / r.records) * r.dynamodbRequestCpuUs * 1_000;
  const budgetNs = r.withoutCpuNsPerRecord * DETECTIONS_CPU_TARGET;
  return `; at ${fixed(r.dynamodbRequestCpuUs)} µs of CPU each, **${fixed(perRecordNs)} ns per record** before any payload (the budget: ${fixed(budgetNs)} ns)`;
}

/** What the DynamoDB rows' requests were, by operation, and their cost (empty without such rows). */
function requestLines(rows: readonly DetectionsRow[]): string {
  const dynamodbRows = rows.filter((r) => r.stores === 'dynamodb');
  const lines = dynamodbRows.map(
    (r) =>
      `* ${r.workload}, gzip ${r.destinationGzip ? 'on' : 'off'}: ${Object.entries(r.dynamodbByCommand)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([operation, count]) => `${operation} ${fixed((count / r.records) * 1_000, 1)}`)
        .join(', ')} per 1,000 records${requestCost(r)}`,
  );
  if (lines.length === 0) return '';
  const measured = dynamodbRows.some((r) => r.dynamodbRequestCpuUs !== undefined);
  return `\nDynamoDB requests by operation (the first timed round)${measured ? ", and what they cost whatever they carry: one request's CPU is measured after the rounds in the same process, a `GetItem` of a missing item sent 1,000 times, 8 at a time after 500 to warm up, through a client built as the Lambda builds it and the same proxy (`bench/lib/request-cpu.ts`: the SDK's middleware, signing and serialization, and node's HTTP)" : ''}:\n\n${lines.join('\n')}\n`;
}

const byOperation = (units: Readonly<Record<string, number>>, records: number) =>
  Object.entries(units)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([operation, count]) => `${operation} ${fixed((count / records) * 1_000)}`)
    .join(', ');

/** What a run's capacity units bill on demand, in dollars per million records. */
function dynamodbDollarsPerMillion({ write, read }: CapacityTally, records: number): number {
  // Units per record times dollars per million units: dollars per million records.
  return (
    (totalUnits(write) * ON_DEMAND_USD_PER_MILLION.write +
      totalUnits(read) * ON_DEMAND_USD_PER_MILLION.read) /
    records
  );
}

const recordsPerTbOf = (r: DetectionsRow) => 1e12 / (r.bytesPerRecord ?? 1_000);

/**
 * Forwarding's cost per TB of these records (bench/lib/cost.ts: Lambda at the default memory for
 * this CPU per record, its requests, S3 GETs and SQS), and its Lambda compute alone.
 */
function forwardingDollarsPerTb(cpuNsPerRecord: number, bytesPerRecord: number) {
  const line = costPerTb({
    bytesPerCpuSecond: bytesPerRecord / (cpuNsPerRecord / 1e9),
    bytesPerObject: bytesPerRecord * OBJECT_RECORDS,
  });
  return { total: line.totalDollarsPerTb, compute: line.computeDollarsPerTb };
}

/**
 * The issue's budget in what users pay: per deployed row (DynamoDB), what the pack adds per TB in
 * Lambda compute (its CPU, priced as the throughput rows' cost table prices the forwarder's), in
 * DynamoDB, and in S3 for its alert objects (each written once and read once by the forwarder that
 * sends it to the SIEM), beside what forwarding alone costs and 15 % of it.
 */
function dollarLines(rows: readonly DetectionsRow[]): string {
  const lines = rows
    .filter((r) => r.stores === 'dynamodb' && r.dynamodbCapacity && r.bytesPerRecord)
    .map((r) => {
      const alone = forwardingDollarsPerTb(r.withoutCpuNsPerRecord, r.bytesPerRecord!);
      const withPack = forwardingDollarsPerTb(r.withCpuNsPerRecord, r.bytesPerRecord!);
      const lambda = withPack.compute - alone.compute;
      const dynamodb = (dynamodbDollarsPerMillion(r.dynamodbCapacity!, r.records) * recordsPerTbOf(r)) / 1e6;
      const alertObjects = ((r.openings + r.updates) / r.records) * recordsPerTbOf(r);
      const s3 = (alertObjects / 1_000) * (PRICES.s3PutPerThousand + PRICES.s3GetPerThousand);
      return `* ${r.workload}, gzip ${r.destinationGzip ? 'on' : 'off'}: forwarding alone $${fixed(alone.total, 2)} per TB (Lambda compute $${fixed(alone.compute, 2)}); the pack adds **$${fixed(lambda + dynamodb + s3, 2)}**: Lambda compute $${fixed(lambda, 2)}, DynamoDB $${fixed(dynamodb, 2)}, S3 $${fixed(s3, 2)} (15 % of forwarding: $${fixed(alone.total * DETECTIONS_CPU_TARGET, 2)})`;
    });
  if (lines.length === 0) return '';
  return `
What the pack adds per TB of these records, deployed: the rows above in dollars (\`bench/lib/cost.ts\`: the CPU added, at the forwarder's default 512 MB on arm64, priced as the cost table prices forwarding; DynamoDB as metered above; a \`PutObject\` and a \`GET\` per alert object, at $${PRICES.s3PutPerThousand} and $${PRICES.s3GetPerThousand} per 1,000; the SQS messages of alert objects and the forwarding of their bytes left out):\n\n${lines.join('\n')}\n`;
}

/**
 * What DynamoDB would bill for a row's requests (on demand), per 1,000 records and in dollars. One
 * line per workload: the units do not depend on the destination's gzip.
 */
function capacityLines(rows: readonly DetectionsRow[]): string {
  const metered = new Map<string, DetectionsRow>();
  for (const r of rows)
    if (r.stores === 'dynamodb' && r.dynamodbCapacity && !metered.has(r.workload)) metered.set(r.workload, r);
  if (metered.size === 0) return '';
  const lines = [...metered.values()].map((r) => {
    const { write, read } = r.dynamodbCapacity!;
    const dollars = dynamodbDollarsPerMillion(r.dynamodbCapacity!, r.records);
    const recordsPerTb = recordsPerTbOf(r);
    return `* ${r.workload}: **${fixed((totalUnits(write) / r.records) * 1_000)} write units** (${byOperation(write, r.records)}) and ${fixed((totalUnits(read) / r.records) * 1_000)} strongly consistent read units (${byOperation(read, r.records)}) per 1,000 records: **$${fixed(dollars, 3)} per million records**, $${fixed((dollars * recordsPerTb) / 1e6)} per TB of these records (${fixed(r.bytesPerRecord ?? 0)} bytes each)`;
  });
  return `\nWhat DynamoDB bills for them, on demand at $${ON_DEMAND_USD_PER_MILLION.write} per million write units and $${ON_DEMAND_USD_PER_MILLION.read} per million read units (us-east-1): one more run of each workload after the rounds, untimed, its requests metered as AWS documents their units (\`bench/lib/dynamodb-capacity.ts\`: a write unit per KB of each item written, an \`UpdateItem\` counting the larger of the item before and after; a read unit per 4 KB a \`Query\` page or a \`GetItem\` reads; moto answers a constant \`ConsumedCapacity\`, so the units are computed from the items):\n\n${lines.join('\n')}\n`;
}

/** One line per row: the verdicts, printed by `npm run bench -- --detections`. */
export function detectionsVerdicts(rows: readonly DetectionsRow[]): string[] {
  return rows.map(
    (r) =>
      `${r.workload}, ${r.stores} stores, gzip ${r.destinationGzip ? 'on' : 'off'}: ${percent(r.addedShare)} CPU per record with the pack (≤ ${percent(DETECTIONS_CPU_TARGET)}): ${verdict(r.addedShare)}`,
  );
}

export function renderDetectionsSection(run: DetectionsForwarderRun): string {
  const { sizes, rows } = run;
  const workload = (kind: 'burst' | 'quiet') =>
    rows.find((r) => r.workload === kind)?.statementsPerAccountMinute;
  const burst = workload('burst');
  const quiet = workload('quiet');
  const m = run.machineBefore;
  return `${DETECTIONS_SECTION}

Issue 11's budget: with the StrongDM pack, the forwarder may spend at most ${(DETECTIONS_CPU_TARGET * 100).toFixed(0)} % more CPU per record
than without detections. Measured with \`${run.command}\` (\`bench/children/forward-detections.ts\`): the
forwarder of the throughput rows (\`processMessage\` → \`forwardObject\` → Splunk HEC, destination gzip as
shown, the same local HEC receiver) on ${fixed(sizes.records)} StrongDM records (seed ${sizes.seed}, objects of 1,000 records
of one log type, one account per person, batches of ${sizes.batchSize} objects as the handler takes its SQS batch, run
as the handler runs them: ${sizes.hecMaxConcurrency ?? 4} at a time, HEC's ${sizes.hecMaxConcurrency === undefined ? 'default ' : ''}\`maxConcurrency\` (the detections stage and alert routes do
not limit it); an object gives up its place once HEC has its records, and the stage counts the
batch's objects together as one wave),
without detections and with \`detections: { packs: ["strongdm"] }\`: the \`detections\` stage beside HEC,
wired as the Lambda wires it. Each round runs both back to back on a fresh forwarder and fresh
detection state, alternating which goes first; the table shows medians over the rounds, the added
share's range in brackets. CPU time is the forwarder process's (user + system, all threads, GC
included). **Rules only**: the pack's rules run on the fields the reader finds, as the stage runs
them, and their matches are dropped (\`bench/lib/rules-only-stage.ts\`): no windows, no alerts, no
store, the floor any design of the stage starts from. **In memory**: in-memory window and alert
stores, alert objects counted, not stored: the stage's own CPU. **DynamoDB + S3 (moto)**: the deployed stores and alert writer
(\`createAwsDetections\` itself) against moto: the AWS SDK's CPU in the forwarder process counts,
moto's own does not (it runs in a process of its own, as the receivers do). moto closes every
connection after its answer, which AWS does not: the forwarder talks to it through a keep-alive proxy
in the bench's own process. moto speaks plain HTTP: the TLS of DynamoDB's and S3's endpoints would
add to these rows.

Workloads: **burst**: records ${MAX_GAP_MS.burst / 2} ms apart on average, every account runs about 175 statements a minute
(${burst ? `median per account and minute ${burst.median}, busiest ${burst.max}` : 'not in this run'}): \`sdm_query_burst\` (100 within a minute) fires
all along, and its alerts grow with every object. **quiet**: the same records ${MAX_GAP_MS.quiet / 2} ms apart on average
(${quiet ? `median ${quiet.median}, busiest ${quiet.max}` : 'not in this run'}): the burst never fires; every statement is still counted
in its account's windows. The other rules fire alike in both.

| workload | stores | destination gzip | rounds | forwarder alone, CPU per record | with the pack | added per record | added | alert objects per 100,000 records (openings + updates) | DynamoDB requests per 1,000 records | ≤ ${percent(DETECTIONS_CPU_TARGET)} |
|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|
${rows.map(row).join('\n')}
${requestLines(rows)}${capacityLines(rows)}${dollarLines(rows)}
Machine: ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}; load average before ${m.loadAverage}, after ${run.machineAfter.loadAverage}; ${run.finishedAt}.
`;
}

/**
 * BENCHMARKS.md with this section replaced by `section` (`npm run bench -- --detections` measures
 * only these rows; the other sections keep the numbers of their last run). A report without it
 * gets it before the memory section.
 */
export function spliceDetectionsSection(markdown: string, section: string): string {
  const start = markdown.indexOf(`\n${DETECTIONS_SECTION}\n`);
  if (start >= 0) {
    const next = markdown.indexOf('\n## ', start + 1);
    return `${markdown.slice(0, start + 1)}${section}${next >= 0 ? markdown.slice(next) : ''}`;
  }
  const before = markdown.indexOf('\n## Memory');
  return before >= 0
    ? `${markdown.slice(0, before + 1)}${section}\n${markdown.slice(before + 1)}`
    : `${markdown}\n${section}`;
}
