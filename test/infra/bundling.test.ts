import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COLLECTOR_CONFIG } from './collector-config';
import { synthesize } from './synth';

describe("sluice's functions as bundled", () => {
  const { template, outdir } = synthesize(COLLECTOR_CONFIG);
  const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) =>
    String(fn.Properties.Description ?? '').startsWith('sluice'),
  );

  it('carry the AWS SDK the tests ran, not the one the runtime happens to have', () => {
    assert.ok(functions.length >= 2, 'the forwarder and a collector at least');
    for (const fn of functions) {
      const asset = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      const code = readFileSync(join(asset, 'index.js'), 'utf8');
      const name = String(fn.Properties.Description);
      // The S3 client asks for the CRT signer (SigV4a: multi-region access points, unused) only if
      // installed, in a try: the one SDK module a bundle may leave out.
      const fromRuntime = [...code.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)]
        .map((match) => match[1])
        .filter((module) => module !== '@aws-sdk/signature-v4-crt');
      assert.deepEqual(fromRuntime, [], `${name} loads no SDK package from the runtime`);
      assert.ok(code.includes('cacheMiddleware'), `${name} has the SDK's client in its bundle`);
    }
  });
});
