import {
  rolloverLookupEnabled,
  type ElasticsearchDestinationConfig,
} from '../../../lambda/core/config/destinations';
import type { ClusterInfo } from './api';
import { canUpdateApiKeys } from './cluster-info';
import { dataStream } from './data-stream';
import { esWriterApiKey, esWriterDescriptor, esWriterRole, esWriterUser } from './es-security';
import { indexTemplate } from './index-template';
import { ilmPolicy, ismPolicy } from './lifecycle';
import { osRoleMapping, osWriterRole, osWriterUser } from './os-security';
import type { Resource } from './resource';
import type { DataStreamTarget } from './targets';
import type { WriterPlan } from './writer';

/** Names of what setup manages, derived from the destination and data stream names only. */
export const setupNames = {
  policy: (destination: string) => `sluice-${destination}-retention`,
  template: (dataStream: string) => `sluice-${dataStream}`,
  writer: (destination: string) => `sluice-${destination}-writer`,
};

export interface PlanInput {
  readonly destination: ElasticsearchDestinationConfig;
  readonly targets: readonly DataStreamTarget[];
  readonly cluster: ClusterInfo;
  readonly writer: WriterPlan;
  /** How setup authenticates to the cluster. */
  readonly adminAuth: 'api-key' | 'basic' | 'sigv4';
  /** A new writer credential even when one exists. */
  readonly newCredential: boolean;
  /** The password a user gets if one is created or reset (never used otherwise). */
  readonly password: string;
  /** Epoch ms, to tell expired API keys. */
  readonly now: number;
}

export interface SetupPlan {
  /** In the order they are read and reconciled: each one's writes may need the ones before it. */
  readonly resources: readonly Resource[];
  /** What this plan cannot do at all (the run ends incomplete). */
  readonly blocked: readonly string[];
}

/**
 * The desired state of the cluster for one destination, from its configuration: the lifecycle policy,
 * then per data stream its index template and the stream itself, then the writer's role and credential.
 * Pure: no request is made here.
 */
export function setupPlan(input: PlanInput): SetupPlan {
  const { destination, targets, cluster, writer } = input;
  const streams = targets.map((target) => target.name);
  const access = { rolloverLookup: rolloverLookupEnabled(destination) };
  const policy = setupNames.policy(destination.name);
  const resources: Resource[] = [
    cluster.flavor === 'elasticsearch'
      ? ilmPolicy(policy, destination.retentionDays)
      : ismPolicy(policy, destination.retentionDays, streams, destination.name),
  ];
  for (const target of targets) {
    const template = setupNames.template(target.name);
    resources.push(indexTemplate(template, target, cluster, policy, destination.name));
    resources.push(dataStream(target.name, template));
  }
  const blocked: string[] = [];
  const name = setupNames.writer(destination.name);
  switch (writer.kind) {
    case 'none':
      break;
    case 'es-api-key':
    case 'es-user': {
      const descriptor = esWriterDescriptor(streams, access);
      resources.push(esWriterRole(name, descriptor, destination.name));
      resources.push(
        writer.kind === 'es-api-key'
          ? esWriterApiKey(name, {
              role: name,
              descriptor,
              destination: destination.name,
              adminAuth: input.adminAuth,
              canUpdate: canUpdateApiKeys(cluster),
              newCredential: input.newCredential,
              now: input.now,
            })
          : esWriterUser(name, {
              role: name,
              destination: destination.name,
              password: input.password,
              newCredential: input.newCredential,
            }),
      );
      break;
    }
    case 'os-user':
      resources.push(osWriterRole(name, streams, destination.name, access));
      resources.push(
        osWriterUser(name, {
          destination: destination.name,
          password: input.password,
          newCredential: input.newCredential,
        }),
      );
      resources.push(osRoleMapping(name, { users: [name] }));
      break;
    case 'os-iam-role':
      resources.push(osWriterRole(name, streams, destination.name, access));
      resources.push(osRoleMapping(name, { backendRoles: writer.backendRole ? [writer.backendRole] : [] }));
      break;
    case 'role-only':
      resources.push(osWriterRole(name, streams, destination.name, access));
      blocked.push(
        `no credential for destination '${destination.name}' (api-key auth): OpenSearch's security plugin has API keys only from 3.7, off by default and valid 90 days at most. Fix: give the destination basic auth and run again (setup then makes an internal user with role ${name}), or create a key with role ${name}'s permissions yourself`,
      );
      break;
  }
  return { resources, blocked };
}
