import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { localAwsEnv } from '../../../cli/aws/local-env';
import { profileNamesIn, sharedProfiles } from '../../../cli/aws/profiles';
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

describe('a profile that does not exist', () => {
  const sdkNoCredentials = () =>
    Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
  const shared = { names: ['ci', 'default', 'dev'], files: ['/h/.aws/config', '/h/.aws/credentials'] };

  it('reads profile names as the SDK does: [default], [profile x] in config, [x] in credentials', () => {
    const config =
      '[default]\nregion = eu-west-1\n[profile dev] # comment\n[ profile  ops ]\n[sso-session corp]\n[services s]\n';
    assert.deepEqual(profileNamesIn(config, 'config'), ['default', 'dev', 'ops']);
    assert.deepEqual(profileNamesIn('[ci]\naws_access_key_id = x\n[default]\n', 'credentials'), [
      'ci',
      'default',
    ]);
  });

  it('is named, with the profiles that exist, instead of "pass --profile" (exit code 2)', () => {
    for (const sdk of [new Error('Region is missing'), sdkNoCredentials()]) {
      const error = awsSetupError(sdk, { named: { name: 'prod', origin: '--profile' }, shared });
      assert.equal(error?.code, 'AWS_PROFILE_NOT_FOUND');
      assert.match(
        error.message,
        /AWS profile 'prod' \(--profile\) is not in \/h\/\.aws\/config or \/h\/\.aws\/credentials, which define: ci, default, dev\. Fix: pass --profile with one of those/,
      );
      assert.match(error.message, /aws configure --profile prod/);
      assert.equal(exitCodeOf(error), 2);
    }
    const fromEnv = awsSetupError(sdkNoCredentials(), {
      named: { name: 'prod', origin: 'AWS_PROFILE' },
      shared,
    });
    assert.match(
      fromEnv?.message ?? '',
      /\(AWS_PROFILE\).*Fix: set AWS_PROFILE to one of those, unset AWS_PROFILE/,
    );
  });

  it('an existing profile without region or credentials gets the fix for that profile', () => {
    const named = { name: 'dev', origin: '--profile' as const };
    const region = awsSetupError(new Error('Region is missing'), { named, shared });
    assert.equal(region?.code, 'AWS_REGION_MISSING');
    assert.match(
      region.message,
      /profile 'dev' sets none.*"region = <region>" to .*\[profile dev\] in \/h\/\.aws\/config/,
    );
    const credentials = awsSetupError(sdkNoCredentials(), { named, shared });
    assert.equal(credentials?.code, 'AWS_CREDENTIALS_MISSING');
    assert.match(credentials.message, /aws sso login --profile dev/);
  });

  it('reads AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE; missing files define nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-profiles-'));
    try {
      writeFileSync(join(dir, 'config'), '[profile dev]\n');
      const found = await sharedProfiles({
        AWS_CONFIG_FILE: join(dir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      });
      assert.deepEqual(found, { names: ['dev'], files: [join(dir, 'config'), join(dir, 'none')] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sluice status --profile <missing> exits 2 naming the profile, not the region or credentials', () => {
    const home = mkdtempSync(join(tmpdir(), 'sluice-home-'));
    try {
      mkdirSync(join(home, '.aws'));
      writeFileSync(join(home, '.aws', 'config'), '[profile dev]\nregion = eu-west-1\n');
      const bin = join(__dirname, '..', '..', '..', 'bin', 'sluice.mjs');
      const env = {
        PATH: process.env.PATH,
        HOME: home,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      for (const [args, extra] of [
        [['status', '--profile', 'nosuch'], {}],
        [['status'], { AWS_PROFILE: 'nosuch' }],
      ] as const) {
        const result = spawnSync(process.execPath, [bin, ...args], {
          cwd: home,
          env: { ...env, ...extra },
          encoding: 'utf8',
          timeout: 300_000, // a guard against hanging: tsx compiling the CLI is slow on a busy machine
        });
        assert.equal(result.status, 2, result.stderr);
        assert.match(
          result.stderr,
          /^error \[AWS_PROFILE_NOT_FOUND\]: AWS profile 'nosuch' .*which define: dev\./,
        );
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
