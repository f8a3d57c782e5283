import { elasticsearchDestination } from '../../../../lambda/core/config/destinations';
import { sourceConfig } from '../../../../lambda/core/config/sources';
import type { ClusterInfo } from '../../../../cli/setup/elasticsearch/api';
import { setupPlan, type PlanInput } from '../../../../cli/setup/elasticsearch/plan';
import type { Resource } from '../../../../cli/setup/elasticsearch/resource';
import { dataStreamTargets } from '../../../../cli/setup/elasticsearch/targets';
import { writerPlan } from '../../../../cli/setup/elasticsearch/writer';

export const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/es';

export const ELASTICSEARCH: ClusterInfo = { flavor: 'elasticsearch', version: '8.13.4', major: 8, minor: 13 };
export const OPENSEARCH: ClusterInfo = { flavor: 'opensearch', version: '2.13.0', major: 2, minor: 13 };

export const strongdm = sourceConfig.parse({ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' });

export function destination(extra: Record<string, unknown> = {}) {
  return elasticsearchDestination.parse({
    type: 'elasticsearch',
    name: 'es',
    url: 'https://es.example.com:9243',
    auth: { type: 'api-key', secretArn: SECRET },
    ...extra,
  });
}

/** The plan for StrongDM's log types into `destination`, as the command builds it. */
export function planFor(
  cluster: ClusterInfo,
  extra: Record<string, unknown> = {},
  input: Partial<PlanInput> = {},
) {
  const dest = destination(extra);
  return setupPlan({
    destination: dest,
    targets: dataStreamTargets(dest, [strongdm]),
    cluster,
    writer: writerPlan(dest, cluster, {}),
    adminAuth: 'basic',
    newCredential: false,
    password: 'generated-password-0123456789',
    now: Date.parse('2025-01-01T00:00:00Z'),
    ...input,
  });
}

export function resource(resources: readonly Resource[], kind: Resource['kind'], name?: string): Resource {
  const found = resources.find(
    (candidate) => candidate.kind === kind && (name === undefined || candidate.name === name),
  );
  if (!found) throw new Error(`no ${kind} ${name ?? ''} in the plan`);
  return found;
}

/** The body the resource would PUT/POST to a cluster that has nothing yet. */
export function createdBody(resource: Resource): Record<string, unknown> {
  const [write] = resource.reconcile(undefined, new Set()).writes;
  return write.body as Record<string, unknown>;
}
