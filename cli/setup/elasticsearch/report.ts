import type { ClusterInfo, WriterCredential } from './api';
import { displayName } from './cluster-info';
import type { ResourceOutcome, SetupOutcome } from './execute';
import type { PlannedWrite } from './resource';

/** What `sluice setup elasticsearch` prints (`--json`: this object). */
export interface SetupReport {
  readonly destination: string;
  readonly url: string;
  readonly cluster: ClusterInfo;
  readonly retentionDays: number;
  readonly dryRun: boolean;
  readonly dataStreams: readonly string[];
  readonly resources: readonly {
    readonly kind: string;
    readonly name: string;
    readonly status: string;
    readonly summary: string;
    readonly note?: string;
    readonly blocked?: string;
    /** Passwords replaced by a placeholder: the credential is shown once, below. */
    readonly requests: readonly { method: string; path: string; body?: unknown }[];
  }[];
  /** The new writer credential; `secret` is absent when it went to Secrets Manager (`storedIn`). */
  readonly credential?: {
    readonly kind: WriterCredential['kind'];
    readonly name: string;
    readonly id?: string;
    readonly secret?: string;
    readonly storedIn?: string;
    readonly secretVersionId?: string;
  };
  readonly blocked: readonly string[];
}

const PASSWORD_PLACEHOLDER = '<generated: shown once, as the writer credential>';

function redact(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redact);
  if (body && typeof body === 'object') {
    return Object.fromEntries(
      Object.entries(body).map(([key, value]) => [
        key,
        key === 'password' ? PASSWORD_PLACEHOLDER : redact(value),
      ]),
    );
  }
  return body;
}

const requestOf = (write: PlannedWrite) =>
  write.body === undefined
    ? { method: write.method, path: write.path }
    : { method: write.method, path: write.path, body: redact(write.body) };

export function setupReport(
  base: Pick<SetupReport, 'destination' | 'url' | 'cluster' | 'retentionDays' | 'dataStreams'>,
  outcome: SetupOutcome,
  stored?: { arn: string; versionId?: string },
): SetupReport {
  const { credential } = outcome;
  return {
    ...base,
    dryRun: outcome.dryRun,
    resources: outcome.resources.map((resource: ResourceOutcome) => ({
      kind: resource.kind,
      name: resource.name,
      status: resource.status,
      summary: resource.summary,
      ...(resource.note ? { note: resource.note } : {}),
      ...(resource.blocked ? { blocked: resource.blocked } : {}),
      requests: resource.writes.map(requestOf),
    })),
    ...(credential
      ? {
          credential: {
            kind: credential.kind,
            name: credential.name,
            ...(credential.kind === 'api-key' ? { id: credential.id } : {}),
            ...(stored
              ? { storedIn: stored.arn, secretVersionId: stored.versionId }
              : { secret: credential.secret }),
          },
        }
      : {}),
    blocked: outcome.blocked,
  };
}

const LABEL: Readonly<Record<string, string>> = {
  'ilm-policy': 'ILM policy',
  'ism-policy': 'ISM policy',
  'index-template': 'index template',
  'data-stream': 'data stream',
  role: 'role',
  'role-mapping': 'role mapping',
  'api-key': 'API key',
  user: 'user',
};

function statusWord(status: string, dryRun: boolean): string {
  if (!dryRun || (status !== 'created' && status !== 'updated')) return status;
  return status === 'created' ? 'would create' : 'would update';
}

/** The human form: one line per resource, every request of a dry run, the credential once. */
export function renderSetupReport(report: SetupReport): string {
  const lines = [
    `${displayName(report.cluster)} at ${report.url}: destination ${report.destination}, ${report.dataStreams.length} data stream(s), retention ${report.retentionDays} days${report.dryRun ? ' (dry run: nothing sent but reads)' : ''}`,
  ];
  const width = Math.max(
    ...report.resources.map((resource) => statusWord(resource.status, report.dryRun).length),
    9,
  );
  for (const resource of report.resources) {
    lines.push(
      `  ${statusWord(resource.status, report.dryRun).padEnd(width)}  ${LABEL[resource.kind] ?? resource.kind} ${resource.name}: ${resource.summary}`,
    );
    if (resource.note) lines.push(`  ${' '.repeat(width)}  note: ${resource.note}`);
    if (report.dryRun) {
      for (const request of resource.requests) {
        lines.push(`      ${request.method} ${request.path}`);
        if (request.body !== undefined) {
          lines.push(
            ...JSON.stringify(request.body, null, 2)
              .split('\n')
              .map((line) => `      ${line}`),
          );
        }
      }
    }
  }
  const changes = report.resources.filter((resource) => resource.requests.length > 0).length;
  if (changes === 0 && report.blocked.length === 0) lines.push('nothing to change: the cluster is set up');
  const { credential } = report;
  if (credential) {
    const what =
      credential.kind === 'api-key'
        ? `API key ${credential.name} (id ${credential.id})`
        : `user ${credential.name}`;
    if (credential.storedIn) {
      lines.push(`writer credential: ${what}, stored in ${credential.storedIn} (not shown)`);
    } else {
      lines.push(
        `writer credential: ${what}. It is shown this once: store it as the secret of destination ${report.destination} (its auth.secretArn). Lost? --new-credential makes another (--store-secret puts it straight into that secret)`,
        `  ${credential.secret ?? ''}`,
      );
    }
  }
  for (const reason of report.blocked) lines.push(`not done: ${reason}`);
  return lines.join('\n');
}
