import {
  attemptTimeoutMs,
  boundedRequestHandler,
  DYNAMODB_ATTEMPTS,
  SDK_ATTEMPTS,
} from '../adapters/request-bounds';
import { writeMarginMs } from './budget';

/**
 * In-region S3 and DynamoDB answer in milliseconds (an S3 write carries one collected object), so
 * 10 s is a stall; 1.5 s lets DynamoDB's 4 attempts fit the 6 s margin of the shortest run (30 s).
 */
const LIMITS = { shortestMs: 1_500, longestMs: 10_000 } as const;

/**
 * How long one attempt of the collector's AWS requests may go unanswered. A run writes its objects
 * and moves its checkpoint in the margin it keeps after fetching (budget.ts: a fifth of its
 * timeout, 5 to 60 s): a write or checkpoint that stalls without a timeout runs the function into
 * its timeout, and the run's events are fetched again by the next run. The client's attempts of
 * one request fit in that margin: 2 s (S3, Secrets Manager) and 1.5 s (DynamoDB) at 30 s, 4 s and
 * 3 s at 60 s, 10 s from 200 s.
 */
export function collectorRequestTimeoutMs(runTimeoutSeconds: number, attempts: number): number {
  return attemptTimeoutMs(writeMarginMs(runTimeoutSeconds * 1000), attempts, LIMITS);
}

/** The request handler settings of the collector's S3, DynamoDB and Secrets Manager clients. */
export function collectorRequestHandlers(runTimeoutSeconds: number) {
  const requests = collectorRequestTimeoutMs(runTimeoutSeconds, SDK_ATTEMPTS);
  return {
    s3: boundedRequestHandler(requests),
    dynamodb: boundedRequestHandler(collectorRequestTimeoutMs(runTimeoutSeconds, DYNAMODB_ATTEMPTS)),
    secretsManager: boundedRequestHandler(requests),
  } as const;
}
