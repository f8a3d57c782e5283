import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attemptTimeoutMs,
  boundedRequestHandler,
  DYNAMODB_ATTEMPTS,
  FUNCTION_TIMEOUT_ENV,
  functionTimeoutSecondsOf,
  SDK_ATTEMPTS,
} from '../../../lambda/adapters/request-bounds';
import { fetchDeadline, writeMarginMs } from '../../../lambda/collector/budget';
import {
  collectorRequestHandlers,
  collectorRequestTimeoutMs,
} from '../../../lambda/collector/request-timeouts';
import { deadlinesFor } from '../../../lambda/forwarder/deadlines';
import {
  forwarderRequestHandlers,
  reserveRequestTimeoutMs,
} from '../../../lambda/forwarder/request-timeouts';
import {
  batcherRequestHandler,
  batcherRequestTimeoutMs,
} from '../../../lambda/ingest-batcher/request-timeouts';
import { awsSettings, CLI_REQUEST_TIMEOUT_MS, clientConfig } from '../../../cli/aws/settings';

const withTimeout = (seconds?: number) =>
  seconds === undefined ? {} : { [FUNCTION_TIMEOUT_ENV]: String(seconds) };

describe('the shared request bounds', () => {
  it('makes every request handler throw when its request timeout passes (the SDK only warns otherwise)', () => {
    assert.deepEqual(boundedRequestHandler(2_000), {
      requestTimeout: 2_000,
      throwOnRequestTimeout: true,
      socketTimeout: 2_000,
    });
    assert.equal(boundedRequestHandler(2_000, 9_000).socketTimeout, 9_000);
  });

  it('divides a window among the attempts, within the limits', () => {
    const limits = { shortestMs: 1_000, longestMs: 5_000 };
    assert.equal(attemptTimeoutMs(9_000, 3, limits), 3_000);
    assert.equal(attemptTimeoutMs(1_000, 3, limits), 1_000);
    assert.equal(attemptTimeoutMs(60_000, 3, limits), 5_000);
  });

  it('reads the function timeout the stack set, and nothing else', () => {
    assert.equal(functionTimeoutSecondsOf(withTimeout(45)), 45);
    for (const value of ['', 'soon', '0', '-3']) {
      assert.equal(functionTimeoutSecondsOf({ [FUNCTION_TIMEOUT_ENV]: value }), undefined, value);
    }
    assert.equal(functionTimeoutSecondsOf({}), undefined);
  });
});

describe("the forwarder's secret, detection table and alert topic requests", () => {
  it("let all of each client's attempts end in the time kept after deliveries, whatever the timeout", () => {
    // forwarder.timeoutSeconds is 30..900.
    for (const seconds of [30, 45, 60, 120, 300, 900]) {
      const timeoutMs = seconds * 1000;
      const { deliveryDeadline } = deadlinesFor(0, timeoutMs);
      const reserveMs = timeoutMs - deliveryDeadline;
      for (const attempts of [1, SDK_ATTEMPTS, DYNAMODB_ATTEMPTS]) {
        const each = reserveRequestTimeoutMs(withTimeout(seconds), attempts);
        assert.ok(attempts * each <= reserveMs, `${seconds} s, ${attempts} attempts`);
      }
    }
  });

  it('gives DynamoDB (4 attempts) 750 ms at 30 s and 5 s from 200 s, and every client a throwing timeout', () => {
    assert.equal(reserveRequestTimeoutMs(withTimeout(30), DYNAMODB_ATTEMPTS), 750);
    assert.equal(reserveRequestTimeoutMs(withTimeout(120), DYNAMODB_ATTEMPTS), 3_000);
    assert.equal(reserveRequestTimeoutMs(withTimeout(200), DYNAMODB_ATTEMPTS), 5_000);
    assert.equal(reserveRequestTimeoutMs({}, DYNAMODB_ATTEMPTS), 5_000);
    const handlers = forwarderRequestHandlers(withTimeout(120));
    assert.deepEqual(handlers.dynamodb, boundedRequestHandler(3_000));
    assert.deepEqual(handlers.secretsManager, boundedRequestHandler(4_000));
    assert.deepEqual(handlers.sns, boundedRequestHandler(5_000));
    assert.deepEqual(handlers.s3, boundedRequestHandler(24_000, 24_000));
  });
});

describe("the collector's S3, DynamoDB and Secrets Manager requests", () => {
  it("let all of a request's attempts end in the margin a run keeps after fetching, for every run timeout", () => {
    // collector.runTimeoutSeconds is 30..900.
    for (const seconds of [30, 45, 60, 120, 300, 900]) {
      const timeoutMs = seconds * 1000;
      const marginMs = timeoutMs - fetchDeadline(0, timeoutMs);
      assert.equal(marginMs, writeMarginMs(timeoutMs));
      for (const attempts of [SDK_ATTEMPTS, DYNAMODB_ATTEMPTS]) {
        assert.ok(attempts * collectorRequestTimeoutMs(seconds, attempts) <= marginMs, `${seconds} s`);
      }
    }
  });

  it('are 2 s and 1.5 s at 30 s, 4 s and 3 s at 60 s, at most 10 s', () => {
    assert.deepEqual(collectorRequestHandlers(30), {
      s3: boundedRequestHandler(2_000),
      dynamodb: boundedRequestHandler(1_500),
      secretsManager: boundedRequestHandler(2_000),
    });
    assert.equal(collectorRequestTimeoutMs(60, SDK_ATTEMPTS), 4_000);
    assert.equal(collectorRequestTimeoutMs(60, DYNAMODB_ATTEMPTS), 3_000);
    assert.equal(collectorRequestTimeoutMs(900, DYNAMODB_ATTEMPTS), 10_000);
  });
});

describe("the ingest batcher's S3 writes", () => {
  it('let their 3 attempts end within half the function timeout (ingest.timeoutSeconds 12..900)', () => {
    for (const seconds of [12, 30, 60, 120, 300, 900]) {
      assert.ok(3 * batcherRequestTimeoutMs(withTimeout(seconds)) <= (seconds * 1000) / 2, `${seconds} s`);
    }
    // At the shortest timeout (10 s) the 2 s an upload needs still end before the function does.
    assert.ok(3 * batcherRequestTimeoutMs(withTimeout(10)) < 10_000);
  });

  it('are 10 s at the default 60 s (also when not told), 60 s at most, and throw', () => {
    assert.equal(batcherRequestTimeoutMs(withTimeout(60)), 10_000);
    assert.equal(batcherRequestTimeoutMs({}), 10_000);
    assert.equal(batcherRequestTimeoutMs(withTimeout(900)), 60_000);
    // The whole attempt (a 100 MiB upload) may take half the timeout; a stall fails it after 10 s.
    assert.deepEqual(batcherRequestHandler(withTimeout(60)), boundedRequestHandler(30_000, 10_000));
  });
});

describe("the CLI's clients", () => {
  it('give up on a request after 30 s, longer than an SQS long poll (20 s)', () => {
    assert.ok(CLI_REQUEST_TIMEOUT_MS > 20_000);
    const config = clientConfig(awsSettings({ AWS_REGION: 'eu-west-1' }));
    assert.deepEqual(config.requestHandler, boundedRequestHandler(CLI_REQUEST_TIMEOUT_MS));
    const shorter = clientConfig({ ...awsSettings({}), requestTimeoutMs: 1_500 });
    assert.deepEqual(shorter.requestHandler, boundedRequestHandler(1_500));
  });
});
