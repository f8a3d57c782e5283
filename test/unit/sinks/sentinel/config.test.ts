import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../../lambda/core/config/load';
import { SluiceError } from '../../../../lambda/core/errors';

const SENTINEL = {
  type: 'sentinel',
  name: 'sentinel',
  endpoint: 'https://my-dce-a1b2.westeurope-1.ingest.monitor.azure.com',
  dcrImmutableId: 'dcr-00112233445566778899aabbccddeeff',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/sentinel-AbCdEf',
};
const configWith = (destination: Record<string, unknown>) => ({
  sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
  destinations: [destination],
});

function problems(destination: Record<string, unknown>): string[] {
  try {
    parseConfig(configWith(destination));
    return [];
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    return error.context.problems as string[];
  }
}

describe('sentinel destination configuration', () => {
  it('fills the defaults: the Monitor scope, the public cloud authority, one stream per source and log type, 1 MB', () => {
    const [destination] = parseConfig(configWith(SENTINEL)).destinations;
    assert.deepEqual(destination, {
      ...SENTINEL,
      streamName: 'Custom-{source}_{logType}',
      streamByLogType: {},
      authorityHost: 'https://login.microsoftonline.com',
      scope: 'https://monitor.azure.com/.default',
      gzip: true,
      maxConcurrency: 4,
      requestTimeoutSeconds: 30,
      maxBatchBytes: 1_000_000,
      maxBatchRecords: 10_000,
    });
  });

  it('refuses each wrong field on its own line, naming the field and the fix', () => {
    assert.deepEqual(
      problems({
        ...SENTINEL,
        endpoint: `http://dce.example.com/dataCollectionRules/${SENTINEL.dcrImmutableId}`,
        dcrImmutableId: '00112233-4455',
        tenantId: 'contoso',
        clientId: 'my-app',
        clientSecretArn: 'Xy8Q~secret',
        streamName: 'MyTable_CL',
        maxBatchBytes: 2_000_000,
        authorityHost: 'http://login.example.com',
      }).map((problem) => problem.split(':')[0]),
      [
        'destinations[0].endpoint',
        'destinations[0].endpoint',
        'destinations[0].dcrImmutableId',
        'destinations[0].streamName',
        'destinations[0].tenantId',
        'destinations[0].clientId',
        'destinations[0].clientSecretArn',
        'destinations[0].authorityHost',
        'destinations[0].maxBatchBytes',
      ],
    );
    const [endpoint, path] = problems({
      ...SENTINEL,
      endpoint: `http://dce.example.com/dataCollectionRules/x`,
    });
    assert.match(endpoint, /must use https:\/\/.*Fix:/);
    assert.match(path, /must be the endpoint's base URL\. Fix: use only https:\/\/<endpoint host>/);
    assert.match(
      problems({ ...SENTINEL, streamName: 'MyTable_CL' })[0],
      /not a DCR stream name\. Fix: use Custom-<name>/,
    );
    assert.match(problems({ ...SENTINEL, dcrImmutableId: 'x' })[0], /immutable id .*Fix: copy it/);
  });

  it('accepts loopback http for local receivers, Microsoft- streams and per-log-type streams', () => {
    assert.deepEqual(
      problems({
        ...SENTINEL,
        endpoint: 'http://127.0.0.1:8080',
        authorityHost: 'http://localhost:9090',
        streamName: 'Microsoft-CommonSecurityLog',
        streamByLogType: { queries: 'Custom-{source}Queries' },
      }),
      [],
    );
  });

  it('accepts the scope as Microsoft writes it (//.default), and names the fix for a wrong one', () => {
    assert.deepEqual(problems({ ...SENTINEL, scope: 'https://monitor.azure.com//.default' }), []);
    assert.match(
      problems({ ...SENTINEL, scope: 'https://monitor.azure.com' })[0],
      /^destinations\[0\]\.scope: .*Fix: https:\/\/monitor\.azure\.com\/\.default/,
    );
  });

  it('is listed among the destination types a stack accepts', () => {
    assert.match(problems({ ...SENTINEL, type: 'azure' })[0], /"sentinel"/);
  });
});
