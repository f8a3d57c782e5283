import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { awsClientConfig } from '../../../lambda/adapters/aws-client-config';

describe('awsClientConfig', () => {
  const env = {
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
    AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:5001',
  };

  it('points every client at AWS_ENDPOINT_URL', () => {
    assert.equal(awsClientConfig(env).endpoint, 'http://127.0.0.1:5000');
    assert.equal(awsClientConfig(env).region, 'eu-west-1');
  });

  it("honours the SDK's service-specific AWS_ENDPOINT_URL_<SERVICE ID> for that service only", () => {
    assert.equal(awsClientConfig(env, 'DynamoDB').endpoint, 'http://127.0.0.1:5001');
    assert.equal(awsClientConfig(env, 'SQS').endpoint, 'http://127.0.0.1:5000');
    assert.equal(
      awsClientConfig({ AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:5002' }, 'Secrets Manager')
        .endpoint,
      'http://127.0.0.1:5002',
    );
  });

  it('leaves the endpoint to the SDK when neither is set', () => {
    assert.equal(awsClientConfig({}, 'DynamoDB').endpoint, undefined);
  });
});

describe("sluice's SDK clients", () => {
  it("resolve a command's middleware once, not on every request", async () => {
    const resolveMiddleware = GetItemCommand.prototype.resolveMiddleware;
    let resolved = 0;
    GetItemCommand.prototype.resolveMiddleware = function (...args) {
      resolved += 1;
      return resolveMiddleware.apply(this, args);
    };
    try {
      const client = new DynamoDBClient({
        ...awsClientConfig({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }),
        maxAttempts: 1,
        requestHandler: {
          handle: async () => {
            throw new Error('offline');
          },
        },
      });
      const get = () => client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } }));
      await assert.rejects(get, /offline/);
      await assert.rejects(get, /offline/);
      assert.equal(resolved, 1);
    } finally {
      GetItemCommand.prototype.resolveMiddleware = resolveMiddleware;
    }
  });
});
