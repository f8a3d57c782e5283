import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MemoryAlertStore } from '../../lambda/core/detections/alerts/store';
import { buildRuleIndex } from '../../lambda/core/detections/load-rules';
import { createDetectionFanout } from '../../lambda/core/detections/stage/detection-fanout';
import type { AlertObjectWriter } from '../../lambda/core/detections/stage/ports';
import { MemoryWindowStore } from '../../lambda/core/detections/windows/memory-store';
import type { ObjectSource } from '../../lambda/core/forward/ports';
import { awsClientConfig } from '../../lambda/adapters/aws-client-config';
import { DETECTION_TABLE_ENV } from '../../lambda/adapters/detection-table';
import { createAwsDetections } from '../../lambda/forwarder/detections';
import type { ForwarderRuntimeConfig } from '../../lambda/forwarder/runtime-config';
import { createDetectionTable } from '../../test/support/detection-table';
import { motoClientConfig } from '../../test/support/moto';
import { chunksOf } from '../data/objects';
import { serveOnce } from '../lib/child';
import { observeGcPauses } from '../lib/gc-pauses';
import { meterCapacity, type CapacityTally } from '../lib/dynamodb-capacity';
import { requestCpuMicros } from '../lib/request-cpu';
import { profiled } from '../lib/run-profile';
import { rulesOnlyFanout } from '../lib/rules-only-stage';
import {
  detectionObjects,
  statementsPerAccountMinute,
  strongDmPack,
  withoutSamples,
  type DetectionObject,
  type DetectionWorkloadKind,
} from '../lib/detection-workload';
import {
  benchForwarder,
  destinationConfig,
  type BenchDetections,
  type DetectionStores,
  type ForwardTotals,
  type ReceiverUrls,
} from '../lib/forwarder';

/**
 * The forwarder with and without the StrongDM pack, on the same StrongDM records, to the local HEC
 * receiver of the throughput rows: `processMessage` → `forwardObject` → HEC, and with detections the
 * `detections` stage beside it, wired as the Lambda wires it (`createDetectionFanout`; with
 * `stores: 'dynamodb'`, `createAwsDetections` itself: DynamoDB stores and the S3 alert writer,
 * against moto). Rounds alternate the two (which goes first, too), each on a fresh forwarder and
 * fresh detection state; CPU time is the whole process's (user + system, all threads: the AWS SDK's
 * work included, moto's and the receivers' not: they run in processes of their own).
 */
export interface ForwardDetectionsInput {
  readonly urls: ReceiverUrls;
  readonly destinationGzip: boolean;
  readonly workload: DetectionWorkloadKind;
  /**
   * `memory`: in-memory stores and alert objects (the stage's own CPU); `dynamodb`: as deployed, on
   * moto; `rules`: the rules alone, their matches dropped (rules-only-stage.ts: the floor of any design).
   */
  readonly stores: DetectionStores;
  /** moto's endpoint (`stores: 'dynamodb'`), or a keep-alive proxy in front of it (see keep-alive-proxy.ts). */
  readonly motoEndpoint?: string;
  readonly records: number;
  readonly seed: number;
  readonly warmupRounds: number;
  readonly rounds: number;
  /** Notifications handled at once, as the handler does with its batch. */
  readonly batchSize: number;
  /** The HEC destination's `maxConcurrency`: objects of a batch run at once. Default: the shipped one. */
  readonly hecMaxConcurrency?: number;
}

export interface DetectionsRun {
  readonly cpuMs: number;
  /** Of cpuMs, in the kernel (sockets, mostly). */
  readonly systemMs: number;
  readonly elapsedMs: number;
  readonly gc: { minorMs: number; majorMs: number };
  readonly totals: ForwardTotals;
  /** Alert objects written (created, not found written), and their bytes; 0 without detections. */
  readonly openings: number;
  readonly updates: number;
  readonly alertBytes: number;
  /** Requests to DynamoDB (`stores: 'dynamodb'`; 0 otherwise), and by operation. */
  readonly dynamodbRequests: number;
  readonly dynamodbByCommand: Readonly<Record<string, number>>;
}

export interface ForwardDetectionsRound {
  readonly without: DetectionsRun;
  readonly with: DetectionsRun;
}

export interface ForwardDetectionsOutput {
  readonly records: number;
  readonly rawBytes: number;
  /** Statements per account and minute of event time: the median and the busiest. */
  readonly statementsPerAccountMinute: { readonly median: number; readonly max: number };
  readonly rounds: readonly ForwardDetectionsRound[];
  /** `stores: 'dynamodb'`: one request's CPU through the Lambda's client (see request-cpu.ts), µs. */
  readonly dynamodbRequestCpuUs?: number;
  /**
   * `stores: 'dynamodb'`: the capacity units one more run with detections (untimed: metering reads
   * each updated item) would be billed, by operation (see dynamodb-capacity.ts).
   */
  readonly dynamodbCapacity?: CapacityTally;
}

const gcPauses = observeGcPauses();

/** Counts what the stage's writer created (the memory writer also answers 412 for a key it holds). */
class Tally {
  openings = 0;
  updates = 0;
  bytes = 0;
  dynamodbRequests = 0;
  dynamodbByCommand: Record<string, number> = {};
  /** Records the rules-only stage saw matched. */
  rulesMatched: () => number = () => 0;
  /** Set when the run's DynamoDB client is metered. */
  capacity: CapacityTally | undefined;

  wrap(writer: AlertObjectWriter): AlertObjectWriter {
    return {
      create: async (key, body) => {
        const written = await writer.create(key, body);
        if (written) {
          if (body.includes('"status":"opened"')) this.openings += 1;
          else this.updates += 1;
          this.bytes += body.length;
        }
        return written;
      },
      read: (key) => writer.read(key),
    };
  }
}

function memoryWriter(): AlertObjectWriter {
  const bodies = new Map<string, string>();
  return {
    create: async (key, body) => {
      if (bodies.has(key)) return false;
      bodies.set(key, body);
      return true;
    },
    read: async (key) => bodies.get(key),
  };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Where the records start: on the hour, four hours back, within the default lateness (1 day) of the
 * stage's clock. The quiet workload's records take over two hours: when they would cross midnight
 * (UTC) they end before it instead, since a daily period cut in two opens each daily alert twice,
 * and rows run on either side of an hour would not measure the same alerts.
 */
function workloadStart(nowMs: number): number {
  const fourHoursBack = Math.floor(nowMs / HOUR_MS) * HOUR_MS - 4 * HOUR_MS;
  const midnight = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return fourHoursBack < midnight && fourHoursBack + 3 * HOUR_MS > midnight
    ? midnight - 4 * HOUR_MS
    : fourHoursBack;
}

const DETECTIONS_CONFIG: BenchDetections['config'] = { packs: ['strongdm'] };
/** Per child: the rows share one moto. */
const ALERTS_BUCKET = `bench-alerts-${process.pid}`;

serveOnce<ForwardDetectionsInput, ForwardDetectionsOutput>(async (input) => {
  const startTimeMs = workloadStart(Date.now());
  const objects = detectionObjects({
    seed: input.seed,
    records: input.records,
    kind: input.workload,
    startTimeMs,
  });
  const rules = strongDmPack();
  const byKey = new Map(objects.map((object) => [object.key, object]));
  const source: ObjectSource = {
    open: async (ref, fromByte) => ({ body: chunksOf(byKey.get(ref.key)!.bytes.subarray(fromByte)) }),
  };

  const moto = input.motoEndpoint;
  const dynamodb = moto ? new DynamoDBClient(motoClientConfig(moto)) : undefined;
  const s3 = moto ? new S3Client(motoClientConfig(moto)) : undefined;
  if (input.stores === 'dynamodb') {
    if (!s3 || !dynamodb) throw new Error('stores: dynamodb needs motoEndpoint');
    await s3.send(new CreateBucketCommand({ Bucket: ALERTS_BUCKET }));
  }

  /** The forwarder Lambda's environment, as far as its DynamoDB client reads it. */
  const lambdaEnv = (table: string) => ({
    [DETECTION_TABLE_ENV]: table,
    AWS_ENDPOINT_URL: moto,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });

  let runs = 0;
  /** Detections for one run: fresh state (a new table on moto), counted alert objects. */
  const detectionsFor = async (tally: Tally, metered = false): Promise<BenchDetections> => {
    runs += 1;
    if (input.stores === 'rules') {
      return {
        config: DETECTIONS_CONFIG,
        create: (config: ForwarderRuntimeConfig) => {
          const fanout = rulesOnlyFanout(buildRuleIndex(rules, config.sources));
          tally.rulesMatched = fanout.matched;
          return fanout;
        },
      };
    }
    if (input.stores === 'memory') {
      return {
        config: DETECTIONS_CONFIG,
        create: (config: ForwarderRuntimeConfig) =>
          createDetectionFanout({
            index: buildRuleIndex(rules, config.sources),
            windows: withoutSamples(new MemoryWindowStore()),
            alerts: new MemoryAlertStore(),
            writer: tally.wrap(memoryWriter()),
            alertsPrefix: config.detections!.alertsPrefix,
            dedupPeriodMs: config.detections!.dedupPeriodMs,
            latenessMs: config.detections!.latenessMs,
            routes: [],
            channels: {
              secret: () => {
                throw new Error('no routes');
              },
              transport: () => {
                throw new Error('no routes');
              },
            },
          }),
      };
    }
    const table = `bench-detections-${process.pid}-${runs}`;
    await createDetectionTable(dynamodb!, table);
    const counted = tally.wrap.bind(tally);
    const env = lambdaEnv(table);
    return {
      config: { ...DETECTIONS_CONFIG, alerts: { prefix: `run-${runs}` } },
      create: (config: ForwarderRuntimeConfig) => {
        // The client the Lambda builds from its environment, its requests counted.
        const client = new DynamoDBClient(awsClientConfig(env, 'DynamoDB'));
        client.middlewareStack.add(
          (next, context) => (args) => {
            tally.dynamodbRequests += 1;
            const command = String(context.commandName).replace(/Command$/, '');
            tally.dynamodbByCommand[command] = (tally.dynamodbByCommand[command] ?? 0) + 1;
            return next(args);
          },
          { step: 'initialize', name: 'benchRequestCount' },
        );
        if (metered)
          tally.capacity = meterCapacity(client, new DynamoDBClient(awsClientConfig(env, 'DynamoDB')));
        const fanout = createAwsDetections({
          config,
          rules,
          env,
          s3: countingS3(s3!, counted),
          bucket: ALERTS_BUCKET,
          secret: () => {
            throw new Error('no routes');
          },
          clients: {
            dynamodb: client,
            sns: () => {
              throw new Error('no routes');
            },
          },
        });
        if (!fanout) throw new Error('no detections configured');
        return fanout;
      },
    };
  };

  const forwardAll = async (detections: BenchDetections | undefined): Promise<ForwardTotals> => {
    const forwarder = benchForwarder(
      [
        {
          ...destinationConfig('hec', input.urls, input.destinationGzip),
          ...(input.hecMaxConcurrency === undefined ? {} : { maxConcurrency: input.hecMaxConcurrency }),
        },
      ],
      source,
      undefined,
      detections,
      // As many objects at a time as the deployed handler runs (HEC's maxConcurrency, 4 by default).
      { paceObjects: true },
    );
    try {
      await forwarder.forwardInBatches(
        objects.map((object) => ({ key: object.key, size: object.bytes.length })),
        input.batchSize,
      );
    } finally {
      forwarder.close();
    }
    return forwarder.totals;
  };

  const run = async (withDetections: boolean): Promise<DetectionsRun> => {
    const tally = new Tally();
    const detections = withDetections ? await detectionsFor(tally) : undefined;
    gcPauses.minorMs = 0;
    gcPauses.majorMs = 0;
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const totals = await profiled(`${withDetections ? 'with' : 'without'}-${rounds.length}`, () =>
      forwardAll(detections),
    );
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((resolve) => setImmediate(resolve)); // let the GC observer catch up
    const expected = input.records * (withDetections ? 2 : 1);
    if (totals.records !== input.records || totals.delivered !== expected || totals.failed > 0)
      throw new Error(
        `${withDetections ? 'with' : 'without'} detections: ${totals.records} records read, ${totals.delivered} of ${expected} deliveries, ${totals.failed} failed`,
      );
    if (withDetections && input.stores === 'rules' && tally.rulesMatched() === 0)
      throw new Error('rules only: the pack matched no record (the workload would not exercise the rules)');
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      systemMs: cpu.system / 1000,
      elapsedMs,
      gc: { ...gcPauses },
      totals,
      openings: tally.openings,
      updates: tally.updates,
      alertBytes: tally.bytes,
      dynamodbRequests: tally.dynamodbRequests,
      dynamodbByCommand: tally.dynamodbByCommand,
    };
  };

  const rounds: ForwardDetectionsRound[] = [];
  for (let round = 0; round < input.warmupRounds + input.rounds; round += 1) {
    // Which goes first alternates: a machine growing busier slows neither side alone.
    const withFirst = round % 2 === 1;
    const first = await run(withFirst);
    const second = await run(!withFirst);
    if (round >= input.warmupRounds)
      rounds.push(withFirst ? { with: first, without: second } : { with: second, without: first });
  }
  let dynamodbRequestCpuUs: number | undefined;
  let dynamodbCapacity: CapacityTally | undefined;
  if (input.stores === 'dynamodb') {
    const tally = new Tally();
    await forwardAll(await detectionsFor(tally, true));
    dynamodbCapacity = tally.capacity;
    const table = `bench-detections-${process.pid}-requests`;
    await createDetectionTable(dynamodb!, table);
    const client = new DynamoDBClient(awsClientConfig(lambdaEnv(table), 'DynamoDB'));
    dynamodbRequestCpuUs = await requestCpuMicros(client, table, 1_000);
    client.destroy();
  }
  dynamodb?.destroy();
  s3?.destroy();
  return {
    records: input.records,
    rawBytes: objects.reduce((sum: number, object: DetectionObject) => sum + object.bytes.length, 0),
    statementsPerAccountMinute: statementsPerAccountMinute(objects),
    rounds,
    dynamodbRequestCpuUs,
    dynamodbCapacity,
  };
});

/** The S3 client as the stage uses it (alert objects only), its successful creates counted. */
function countingS3(s3: S3Client, wrap: (writer: AlertObjectWriter) => AlertObjectWriter): S3Client {
  // S3AlertObjectWriter is built inside createAwsDetections from the client: count at the client.
  const send = s3.send.bind(s3) as (command: unknown) => Promise<unknown>;
  // Only creates are counted: the stage's reads go to S3 itself.
  const counted = wrap({
    create: async () => true,
    read: async () => undefined,
  });
  return new Proxy(s3, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return async (command: { input?: { Key?: string; Body?: string } }) => {
        const answer = await send(command);
        const { Key, Body } = command.input ?? {};
        if (Key !== undefined && typeof Body === 'string') await counted.create(Key, Body);
        return answer;
      };
    },
  });
}
