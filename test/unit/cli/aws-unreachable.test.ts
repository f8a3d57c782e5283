import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsEndpointUnreachable } from '../../../cli/aws/unreachable';
import { exitCodeOf } from '../../../cli/shared/errors';
import { SluiceError } from '../../../lambda/core/errors';
import { runCliCaptured } from './support/run-cli';

/** Node's error as the SDK passes it on (its own fields added). */
function systemError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { $metadata: { attempts: 3 } }, fields);
}

describe('an AWS endpoint that cannot be reached', () => {
  it('a host that does not resolve: named, with the region to check', () => {
    const error = awsEndpointUnreachable(
      systemError('getaddrinfo ENOTFOUND sqs.us-east-9.amazonaws.com', {
        code: 'ENOTFOUND',
        hostname: 'sqs.us-east-9.amazonaws.com',
      }),
      { region: 'us-east-9' },
    );
    assert.equal(error?.code, 'AWS_ENDPOINT_UNREACHABLE');
    assert.match(
      error.message,
      /^cannot resolve sqs\.us-east-9\.amazonaws\.com \(getaddrinfo ENOTFOUND sqs\.us-east-9\.amazonaws\.com\): .* Fix: check the region \('us-east-9'\) is an AWS region/,
    );
    assert.deepEqual(error.context, { endpoint: 'sqs.us-east-9.amazonaws.com', code: 'ENOTFOUND' });
    assert.equal(exitCodeOf(error), 1, 'a network can come back: the work failed, not the usage');
  });

  it('a local endpoint that is not running: the endpoint to start or correct', () => {
    const error = awsEndpointUnreachable(
      systemError('connect ECONNREFUSED 127.0.0.1:4566', {
        code: 'ECONNREFUSED',
        address: '127.0.0.1',
        port: 4566,
      }),
      { region: 'us-east-1', endpointUrl: 'http://127.0.0.1:4566' },
    );
    assert.match(
      error?.message ?? '',
      /^nothing accepts connections at 127\.0\.0\.1:4566 \(connect ECONNREFUSED 127\.0\.0\.1:4566\): .* Fix: start what should answer at http:\/\/127\.0\.0\.1:4566 \(moto: python3 -m moto\.server -p <port>\), or correct --endpoint-url/,
    );
  });

  it("is found as the cause of a command's own error", () => {
    const inner = systemError('connect ETIMEDOUT 10.0.0.1:443', {
      code: 'ETIMEDOUT',
      address: '10.0.0.1',
      port: 443,
    });
    const error = awsEndpointUnreachable(
      new SluiceError('SOME_STEP', 'listing failed', {}, { cause: inner }),
      {},
    );
    assert.match(
      error?.message ?? '',
      /^no connection to 10\.0\.0\.1:443 \(connect ETIMEDOUT 10\.0\.0\.1:443\)/,
    );
  });

  it('leaves answers and other errors alone', () => {
    assert.equal(awsEndpointUnreachable(new Error('Access Denied'), {}), undefined);
    assert.equal(
      awsEndpointUnreachable(systemError('socket hang up', { code: 'ECONNRESET' }), {}),
      undefined,
    );
    assert.equal(awsEndpointUnreachable('ENOTFOUND', {}), undefined);
  });

  it('the CLI says so, with its code, instead of the bare system error', async () => {
    const result = await runCliCaptured(
      ['status', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:1'],
      {
        env: {
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          SLUICE_BUCKET: 'b',
          SLUICE_OBJECT_QUEUE_URL: 'http://127.0.0.1:1/123456789012/q',
        },
      },
    );
    assert.equal(result.code, 1, result.err);
    assert.match(
      result.err,
      /^error \[AWS_ENDPOINT_UNREACHABLE\]: nothing accepts connections at 127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1\): /m,
    );
  });
});
