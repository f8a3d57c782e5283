import { SluiceError } from '../../lambda/core/errors';
import { localAwsEnv } from './local-env';
import type { NamedProfile, SharedProfiles } from './profiles';

/** Which of the SDK's setup failures `error` is, if any. */
export function awsSetupFailure(error: unknown): 'region' | 'credentials' | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.message === 'Region is missing') return 'region';
  if (error.name === 'CredentialsProviderError' && /Could not load credentials/.test(error.message)) {
    return 'credentials';
  }
  return undefined;
}

/** The profile the command was given, with what the shared AWS files define. */
export interface ProfileContext {
  readonly named: NamedProfile;
  readonly shared: SharedProfiles;
}

/**
 * The SDK's own errors for a machine without AWS configuration ("Region is missing", "Could not load
 * credentials from any providers"), as coded errors with the fix; undefined for any other error.
 * The SDK names neither the flag nor the variables that set them, and says the same when the
 * profile it was given does not exist, where "pass --profile" would send the operator in a circle.
 */
export function awsSetupError(error: unknown, profile?: ProfileContext): SluiceError | undefined {
  const failure = awsSetupFailure(error);
  if (!failure) return undefined;
  if (profile && !profile.shared.names.includes(profile.named.name)) {
    return profileNotFound(profile, error);
  }
  if (failure === 'region') {
    const fromProfile = profile
      ? `, or add "region = <region>" to the profile's section ${profileSection(profile.named.name)} in ${profile.shared.files[0]}`
      : '';
    return new SluiceError(
      'AWS_REGION_MISSING',
      `no AWS region is set${profile ? ` (profile '${profile.named.name}' sets none)` : ''}. Fix: pass --region <region> or set AWS_REGION${fromProfile} (against a local endpoint such as moto: ${localAwsEnv()})`,
      {},
      { cause: error },
    );
  }
  if (profile) {
    return new SluiceError(
      'AWS_CREDENTIALS_MISSING',
      `profile '${profile.named.name}' gave no AWS credentials. Fix: for an IAM Identity Center (SSO) profile, sign in again: aws sso login --profile ${profile.named.name}; otherwise check its keys or role in ${profile.shared.files.join(' and ')}`,
      {},
      { cause: error },
    );
  }
  return new SluiceError(
    'AWS_CREDENTIALS_MISSING',
    `no AWS credentials found. Fix: pass --profile <name> or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (against a local endpoint such as moto any value works: ${localAwsEnv()})`,
    {},
    { cause: error },
  );
}

function profileSection(name: string): string {
  return name === 'default' ? '[default]' : `[profile ${name}]`;
}

function profileNotFound({ named, shared }: ProfileContext, cause: unknown): SluiceError {
  const defined = shared.names.length
    ? `, which define: ${shared.names.join(', ')}`
    : ' (neither defines a profile)';
  const other =
    named.origin === '--profile' ? 'pass --profile with one of those' : 'set AWS_PROFILE to one of those';
  const unset = named.origin === '--profile' ? 'leave out --profile' : 'unset AWS_PROFILE';
  const choose = shared.names.length
    ? `${other}, ${unset} to use the default credentials`
    : `${unset} to use the default credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a role)`;
  return new SluiceError(
    'AWS_PROFILE_NOT_FOUND',
    `AWS profile '${named.name}' (${named.origin}) is not in ${shared.files.join(' or ')}${defined}. Fix: ${choose}, or create it: aws configure --profile ${named.name} (aws configure sso for IAM Identity Center)`,
    { profile: named.name },
    { cause },
  );
}
