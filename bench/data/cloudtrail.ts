import { gzipSync } from 'node:zlib';
import type { VendorObject } from './objects';
import { seededRandom, type Random } from './random';

/**
 * CloudTrail log files as a trail writes them: one gzip JSON document `{"Records":[…]}` per file,
 * under `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<unique>.json.gz`,
 * records shaped like CloudTrail's documented management events (IAM users and assumed roles, AWS
 * services; read-only and mutating calls with their request and response elements).
 */
export const CLOUDTRAIL_PREFIX = 'cloudtrail';
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

const CALLS = [
  { source: 'sts.amazonaws.com', name: 'AssumeRole', readOnly: true },
  { source: 'ec2.amazonaws.com', name: 'DescribeInstances', readOnly: true },
  { source: 'ec2.amazonaws.com', name: 'StopInstances', readOnly: false },
  { source: 's3.amazonaws.com', name: 'GetBucketAcl', readOnly: true },
  { source: 's3.amazonaws.com', name: 'PutBucketPolicy', readOnly: false },
  { source: 'iam.amazonaws.com', name: 'CreateAccessKey', readOnly: false },
  { source: 'kms.amazonaws.com', name: 'Decrypt', readOnly: true },
  { source: 'lambda.amazonaws.com', name: 'ListFunctions20150331', readOnly: true },
  { source: 'signin.amazonaws.com', name: 'ConsoleLogin', readOnly: false },
] as const;
const USERS = ['alice', 'bob', 'carol', 'dave', 'José', 'deploy-bot'];
const AGENTS = [
  'aws-cli/2.15.17 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe',
  'aws-sdk-js/3.523.0 ua/2.0 os/linux#5.10.209-198.858.amzn2.x86_64 lang/js md/nodejs#20.11.1 api/ec2#3.523.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36',
  'lambda.amazonaws.com',
];

const guid = (random: Random) =>
  `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-a${random.hex(3)}-${random.hex(12)}`;

function cloudTrailRecord(random: Random, second: number): Record<string, unknown> {
  const call = random.pick(CALLS);
  const user = random.pick(USERS);
  const assumed = random.chance(0.5);
  const time = new Date(Date.UTC(2024, 1, 1, 18, 40) + second * 1000).toISOString().slice(0, 19) + 'Z';
  const requestId = guid(random);
  const userIdentity = assumed
    ? {
        type: 'AssumedRole',
        principalId: `AROA${random.hex(16).toUpperCase()}:${user}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/${user}`,
        accountId: ACCOUNT,
        accessKeyId: `ASIA${random.hex(16).toUpperCase()}`,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: `AROA${random.hex(16).toUpperCase()}`,
            arn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
            accountId: ACCOUNT,
            userName: 'Admin',
          },
          webIdFederationData: {},
          attributes: { creationDate: time, mfaAuthenticated: String(random.chance(0.7)) },
        },
      }
    : {
        type: 'IAMUser',
        principalId: `AIDA${random.hex(16).toUpperCase()}`,
        arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
        accountId: ACCOUNT,
        accessKeyId: `AKIA${random.hex(16).toUpperCase()}`,
        userName: user,
      };
  const instance = `i-0${random.hex(16)}`;
  const requestParameters: Record<string, unknown> | null =
    call.name === 'DescribeInstances' || call.name === 'StopInstances'
      ? { instancesSet: { items: [{ instanceId: instance }] }, filterSet: {} }
      : call.name === 'AssumeRole'
        ? { roleArn: `arn:aws:iam::${ACCOUNT}:role/Admin`, roleSessionName: user, durationSeconds: 3600 }
        : call.source === 's3.amazonaws.com'
          ? { bucketName: `acme-${random.hex(6)}`, Host: `acme.s3.${REGION}.amazonaws.com`, acl: '' }
          : call.name === 'Decrypt'
            ? { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { PARAMETER_ARN: guid(random) } }
            : call.name === 'ConsoleLogin'
              ? null
              : { userName: user };
  const responseElements: Record<string, unknown> | null = call.readOnly
    ? null
    : call.name === 'StopInstances'
      ? {
          requestId,
          instancesSet: {
            items: [
              {
                instanceId: instance,
                currentState: { code: 64, name: 'stopping' },
                previousState: { code: 16, name: 'running' },
              },
            ],
          },
        }
      : call.name === 'ConsoleLogin'
        ? { ConsoleLogin: random.chance(0.9) ? 'Success' : 'Failure' }
        : { requestId };
  return {
    eventVersion: '1.09',
    userIdentity,
    eventTime: time,
    eventSource: call.source,
    eventName: call.name,
    awsRegion: REGION,
    sourceIPAddress: random.chance(0.2)
      ? call.source
      : `${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`,
    userAgent: random.pick(AGENTS),
    requestParameters,
    responseElements,
    requestID: requestId,
    eventID: guid(random),
    readOnly: call.readOnly,
    ...(call.source === 'kms.amazonaws.com'
      ? {
          resources: [
            {
              accountId: ACCOUNT,
              type: 'AWS::KMS::Key',
              ARN: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${guid(random)}`,
            },
          ],
        }
      : {}),
    eventType: call.name === 'ConsoleLogin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${call.source.split('.')[0]}.${REGION}.amazonaws.com`,
    },
  };
}

export interface CloudTrailWorkload {
  /** The log files, gzip `{"Records":[…]}` documents, as the forwarder reads them. */
  readonly files: VendorObject[];
  /**
   * The same records as plain NDJSON, one object per file: what the floor reads (it parses and
   * serializes each record, as for NDJSON; the document around them is the reader's work).
   */
  readonly floor: VendorObject[];
}

/** `objects` log files of `recordsPerObject` records each, from `seed`. */
export function cloudTrailObjects(options: {
  readonly seed: number;
  readonly objects: number;
  readonly recordsPerObject: number;
}): CloudTrailWorkload {
  const random = seededRandom(options.seed);
  const files: VendorObject[] = [];
  const floor: VendorObject[] = [];
  for (let index = 0; index < options.objects; index += 1) {
    const records = Array.from({ length: options.recordsPerObject }, (_, n) =>
      JSON.stringify(cloudTrailRecord(random, index * 60 + (n % 60))),
    );
    // CloudTrail writes each document on one line.
    const document = Buffer.from(`{"Records":[${records.join(',')}]}`);
    const lines = Buffer.from(records.join('\n') + '\n');
    const minute = String(40 + (index % 20)).padStart(2, '0');
    const key = `${CLOUDTRAIL_PREFIX}/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2024/02/01/${ACCOUNT}_CloudTrail_${REGION}_20240201T18${minute}Z_${random.hex(16)}.json.gz`;
    const markers = records.map((_, n) => `${key}#${n}`);
    // `logType` and `markers` describe StrongDM objects elsewhere; the forward and floor children read
    // only keys and bodies (the cloudtrail preset gives every record the log type `cloudtrail`).
    files.push({
      key,
      logType: 'activities',
      records: records.length,
      rawBytes: document.length,
      body: gzipSync(document),
      markers,
    });
    floor.push({
      key,
      logType: 'activities',
      records: records.length,
      rawBytes: lines.length,
      body: lines,
      markers,
    });
  }
  return { files, floor };
}
