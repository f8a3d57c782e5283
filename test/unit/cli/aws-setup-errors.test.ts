import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localAwsEnv } from '../../../cli/aws/local-env';
import { awsSetupError } from '../../../cli/aws/setup-errors';
import { exitCodeOf } from '../../../cli/shared/errors';

describe('a machine without AWS configuration', () => {
  it('is told the region and the dummy credentials a local endpoint accepts, never its own', () => {
    assert.equal(
      localAwsEnv('http://127.0.0.1:5000'),
      'AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test',
    );
    assert.match(localAwsEnv('http://127.0.0.1:5000', 'eu-west-1'), /AWS_REGION=eu-west-1 /);
  });

  it("gets the SDK's missing region as a coded error with the fix (exit code 2)", () => {
    const error = awsSetupError(new Error('Region is missing'));
    assert.equal(error?.code, 'AWS_REGION_MISSING');
    assert.match(error.message, /Fix: pass --region <region> or set AWS_REGION .*AWS_REGION=us-east-1/);
    assert.equal(exitCodeOf(error), 2);
  });

  it("gets the SDK's missing credentials as a coded error with the fix", () => {
    const sdk = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const error = awsSetupError(sdk);
    assert.equal(error?.code, 'AWS_CREDENTIALS_MISSING');
    assert.match(error.message, /Fix: pass --profile <name> or set AWS_PROFILE.*AWS_ACCESS_KEY_ID=test/);
  });

  it('leaves every other error as it is', () => {
    assert.equal(awsSetupError(new Error('Access Denied')), undefined);
    assert.equal(awsSetupError('Region is missing'), undefined);
  });
});
