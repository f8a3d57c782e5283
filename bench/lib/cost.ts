/**
 * What forwarding costs on AWS, derived from measured CPU time. List prices, us-east-1, as published
 * in 2025 (edit here when they change): Lambda arm64 compute and requests, S3 Standard GET and PUT, SQS
 * standard queue requests.
 */
export const PRICES = {
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  s3GetPerThousand: 0.0004,
  s3PutPerThousand: 0.005,
  sqsPerMillionRequests: 0.4,
} as const;

/** Lambda gives a function one full vCPU at 1,769 MB and CPU in proportion to memory below that. */
export const MB_PER_VCPU = 1769;
/** The forwarder's default memory (`forwarder.memoryMb`). */
export const DEFAULT_MEMORY_MB = 512;
/** Notifications per invocation (`forwarder.batchSize` default). */
export const DEFAULT_BATCH_SIZE = 10;
export const TB = 1e12;

export interface CostInput {
  /** Uncompressed record bytes forwarded per CPU-second (all threads), measured. */
  readonly bytesPerCpuSecond: number;
  /** Average object size (uncompressed), measured on the generated vendor objects. */
  readonly bytesPerObject: number;
  readonly memoryMb?: number;
}

export interface CostLine {
  readonly memoryMb: number;
  readonly vcpuShare: number;
  readonly cpuSecondsPerTb: number;
  readonly lambdaSecondsPerTb: number;
  readonly gbSecondsPerTb: number;
  readonly computeDollarsPerTb: number;
  readonly objectsPerTb: number;
  readonly invocationsPerTb: number;
  readonly requestDollarsPerTb: number;
  readonly s3GetDollarsPerTb: number;
  /** ObjectCreated message sent by S3, plus the event source's ReceiveMessage and DeleteMessageBatch per batch. */
  readonly sqsRequestsPerTb: number;
  readonly sqsDollarsPerTb: number;
  readonly totalDollarsPerTb: number;
}

/**
 * A CPU-bound function at `memoryMb` runs `cpuSeconds / vcpuShare` seconds of wall time (network
 * waits overlap with work on other objects of the batch), billed as GB-seconds at that memory.
 * Below 1,769 MB the GB-seconds per TB do not depend on the memory setting: less memory is
 * proportionally less CPU for proportionally longer.
 */
export function costPerTb(input: CostInput): CostLine {
  const memoryMb = input.memoryMb ?? DEFAULT_MEMORY_MB;
  const vcpuShare = Math.min(1, memoryMb / MB_PER_VCPU);
  const cpuSecondsPerTb = TB / input.bytesPerCpuSecond;
  const lambdaSecondsPerTb = cpuSecondsPerTb / vcpuShare;
  const gbSecondsPerTb = lambdaSecondsPerTb * (memoryMb / 1024);
  const objectsPerTb = TB / input.bytesPerObject;
  const invocationsPerTb = objectsPerTb / DEFAULT_BATCH_SIZE;
  const sqsRequestsPerTb = objectsPerTb + 2 * invocationsPerTb;
  const computeDollarsPerTb = gbSecondsPerTb * PRICES.lambdaArmPerGbSecond;
  const requestDollarsPerTb = (invocationsPerTb / 1e6) * PRICES.lambdaPerMillionRequests;
  const s3GetDollarsPerTb = (objectsPerTb / 1000) * PRICES.s3GetPerThousand;
  const sqsDollarsPerTb = (sqsRequestsPerTb / 1e6) * PRICES.sqsPerMillionRequests;
  return {
    memoryMb,
    vcpuShare,
    cpuSecondsPerTb,
    lambdaSecondsPerTb,
    gbSecondsPerTb,
    computeDollarsPerTb,
    objectsPerTb,
    invocationsPerTb,
    requestDollarsPerTb,
    s3GetDollarsPerTb,
    sqsRequestsPerTb,
    sqsDollarsPerTb,
    totalDollarsPerTb: computeDollarsPerTb + requestDollarsPerTb + s3GetDollarsPerTb + sqsDollarsPerTb,
  };
}
