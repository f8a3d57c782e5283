import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../../lambda/core/config/load';
import { AwsClients, awsSettings } from '../../../cli/aws/clients';
import { createLocalStack } from '../../../cli/dev/local-stack';
import { spawnCli, type CliProcess } from '../../support/cli-process';
import { startMoto, type MotoServer } from '../../support/moto';
import { startLoopbackServer, type LoopbackServer } from '../../support/receivers/server';
import { waitFor } from '../../support/wait-for';
import { createSecret, motoEnv, workspace } from './helpers';

const STACK = 'SluicePullInterrupt';

/**
 * `sluice pull` as a process, against an API that never answers: the first Ctrl-C waits for the page
 * in flight (until its request times out, minutes away), so only a second Ctrl-C ends it at once
 * (code 130). A page waiting between retries ends at the first: ctrl-c-retries.test.ts.
 */
describe('sluice pull: a second Ctrl-C exits 130 while a page hangs', () => {
  let moto: MotoServer;
  let aws: AwsClients;
  let env: NodeJS.ProcessEnv;
  let silent: LoopbackServer;
  let requests = 0;
  let dir: string;
  let config: string;

  before(async () => {
    moto = await startMoto();
    env = motoEnv(moto.endpoint, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
    aws = new AwsClients(awsSettings(env));
    // Takes the request and never answers (the connection stays open until the server closes).
    silent = await startLoopbackServer(() => {
      requests += 1;
    });
    const credentialsSecretArn = await createSecret(
      moto.endpoint,
      'cirrus',
      JSON.stringify({ apiKey: 'key', apiSecret: 'secret' }),
    );
    const collector = (name: string, apiUrl: string) => ({
      type: 'cirrus-siem',
      name,
      source: 'cirrus',
      logType: name,
      apiUrl,
      credentialsSecretArn,
      // The longest: the page in flight outlasts the test's two Ctrl-Cs.
      requestTimeoutSeconds: 120,
    });
    const raw = {
      stackName: STACK,
      sources: [{ name: 'cirrus', prefix: 'cirrus/logs' }],
      collectors: [collector('silent', silent.url), collector('backfill', silent.url)],
    };
    await createLocalStack(aws, parseConfig(raw), { bucket: 'acme-pulled-logs', region: 'us-east-1' });
    ({ dir, config } = workspace(raw));
  });
  after(async () => {
    aws.destroy();
    await silent.close();
    await moto.stop();
  });

  async function interruptTwice(child: CliProcess, firstRequest: () => boolean, finishing: string) {
    try {
      await waitFor(firstRequest, 300_000, 'the first API request');
      child.signal('SIGINT');
      // The first Ctrl-C was taken (its note is out) and left the page in progress to finish.
      await waitFor(() => child.stderr().includes(`SIGINT: ${finishing}`), 300_000, 'the first Ctrl-C');
      assert.ok(child.running(), child.stderr());
      child.signal('SIGINT');
      assert.equal(await child.closed(60_000), 130, child.stderr());
      assert.match(child.stderr(), /second signal \(SIGINT\): exiting now, code 130/);
    } finally {
      if (child.running()) child.signal('SIGKILL');
    }
  }

  it('to stdout, from an API that never answers', async () => {
    const child = spawnCli(['pull', 'silent', '--since', '1h', '--config', config], { cwd: dir, env });
    await interruptTwice(child, () => requests > 0, 'stopping after the page in progress');
    assert.equal(child.stdout(), '', 'no event was read');
  });

  it('--to-bucket, from an API that never answers', async () => {
    const before = requests;
    const child = spawnCli(['pull', 'backfill', '--to-bucket', '--since', '1h', '--config', config], {
      cwd: dir,
      env,
    });
    await interruptTwice(child, () => requests > before, 'writing what the backfill holds, then stopping');
  });
});
