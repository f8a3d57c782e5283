import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCliCaptured } from '../support/run-cli';

const run = (args: string[]) => runCliCaptured(args);

describe('sluice setup elasticsearch on the command line', () => {
  // A command that ends the process would end this test file too, and --help would end it with 0: a pass.
  const exit = process.exit;
  before(() => {
    process.exit = ((code?: number) => {
      throw new Error(`process.exit(${code}) called`);
    }) as typeof process.exit;
  });
  after(() => {
    process.exit = exit;
  });

  it('has help naming its options, the admin credentials and the exit codes', async () => {
    const help = await run(['setup', 'elasticsearch', '--help']);
    assert.equal(help.code, 0);
    for (const text of [
      '--dry-run',
      '--admin-secret-arn',
      '--store-secret',
      '--new-credential',
      'SLUICE_ES_ADMIN_API_KEY',
      'Exit code',
    ]) {
      assert.ok(help.out.includes(text), text);
    }
    assert.match((await run(['--help'])).out, /\n {2}setup /);
  });

  it("answers a subcommand's usage error with exit code 2 instead of ending the process", async () => {
    const missing = await run(['setup', 'elasticsearch']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /missing required argument 'destination'/);
    const unknown = await run(['setup', 'elasticsearch', 'es', '--no-such-option']);
    assert.equal(unknown.code, 2);
  });
});
