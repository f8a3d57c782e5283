import { configWith } from './synth';

const ACCOUNT_SECRET = (name: string) =>
  `arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/${name}`;
export const CIRRUS_SECRET = `${ACCOUNT_SECRET('cirrus')}-AbCdEf`;
export const STELLAR_SECRET = `${ACCOUNT_SECRET('stellar')}-GhIjKl`;
export const GITHUB_SECRET = `${ACCOUNT_SECRET('github')}-MnOpQr`;

/** A stack with one collector of each type, on a KMS bucket (infra and compliance tests). */
export const COLLECTOR_CONFIG = configWith({
  bucket: { encryption: 'kms' },
  sources: [
    { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
    { name: 'cirrus', prefix: 'cirrus' },
    { name: 'vendors', prefix: 'vendors/pulled', timestampField: '@timestamp' },
  ],
  collectors: [
    {
      type: 'cirrus-siem',
      name: 'cirrus-siem',
      source: 'cirrus',
      logType: 'siem',
      credentialsSecretArn: CIRRUS_SECRET,
    },
    {
      type: 'stellarbridge-events',
      name: 'stellar',
      source: 'vendors',
      logType: 'stellarbridge',
      orgUrl: 'https://acme.stellarbridge.app',
      loginSecretArn: STELLAR_SECRET,
      everyMinutes: 60,
      runTimeoutSeconds: 120,
      lagAlarmMinutes: 1440,
    },
    {
      type: 'http-json',
      name: 'github-audit',
      source: 'vendors',
      logType: 'github',
      url: 'https://api.github.com/orgs/acme/audit-log',
      query: { phrase: 'created:>={since}', order: 'asc', per_page: '{limit}' },
      auth: { type: 'header', secretArn: GITHUB_SECRET },
      timestampField: '@timestamp',
      idField: '_document_id',
      pagination: { type: 'link-header' },
      everyMinutes: 1,
    },
  ],
});
