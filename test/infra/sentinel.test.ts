import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { configWith, HEC_DESTINATION, synthesize } from './synth';

const CLIENT_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/entra-app';

describe('a stack with a Microsoft Sentinel destination', () => {
  const { template } = synthesize(
    configWith({
      destinations: [
        HEC_DESTINATION,
        {
          type: 'sentinel',
          name: 'sentinel',
          endpoint: 'https://my-dce-a1b2.westeurope-1.ingest.monitor.azure.com',
          dcrImmutableId: 'dcr-00112233445566778899aabbccddeeff',
          tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
          clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
          clientSecretArn: CLIENT_SECRET,
        },
      ],
    }),
  );
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('sluice forwarder') },
    }),
  );
  const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
  const statements = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  ).flatMap((policy) => policy.Properties.PolicyDocument.Statement);

  it('lets the forwarder read the client secret, and only its destinations’ secrets', () => {
    const reads = statements.filter((statement) =>
      [statement.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    assert.equal(reads.length, 1);
    assert.deepEqual([reads[0].Action].flat(), ['secretsmanager:GetSecretValue']);
    assert.deepEqual(
      [reads[0].Resource].flat().sort(),
      [
        HEC_DESTINATION.tokenSecretArn,
        `${HEC_DESTINATION.tokenSecretArn}-??????`,
        `${CLIENT_SECRET}-??????`,
      ].sort(),
    );
  });

  it('carries the secret ARN, never its value, and runs outside a VPC (Entra ID and Azure are reached directly)', () => {
    const config = JSON.parse(fn.Properties.Environment.Variables.SLUICE_FORWARDER_CONFIG);
    assert.equal(config.destinations[1].clientSecretArn, CLIENT_SECRET);
    assert.equal(fn.Properties.VpcConfig, undefined);
  });
});
