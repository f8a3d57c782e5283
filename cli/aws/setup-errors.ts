import { SluiceError } from '../../lambda/core/errors';
import { localAwsEnv } from './local-env';

/**
 * The SDK's own errors for a machine without AWS configuration ("Region is missing", "Could not load
 * credentials from any providers"), as coded errors with the fix; undefined for any other error.
 * The SDK names neither the flag nor the variables that set them.
 */
export function awsSetupError(error: unknown): SluiceError | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.message === 'Region is missing') {
    return new SluiceError(
      'AWS_REGION_MISSING',
      `no AWS region is set. Fix: pass --region <region> or set AWS_REGION (against a local endpoint such as moto: ${localAwsEnv()})`,
      {},
      { cause: error },
    );
  }
  if (error.name === 'CredentialsProviderError' && /Could not load credentials/.test(error.message)) {
    return new SluiceError(
      'AWS_CREDENTIALS_MISSING',
      `no AWS credentials found. Fix: pass --profile <name> or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (against a local endpoint such as moto any value works: ${localAwsEnv()})`,
      {},
      { cause: error },
    );
  }
  return undefined;
}
