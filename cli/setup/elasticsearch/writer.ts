import type { ElasticsearchDestinationConfig } from '../../../lambda/core/config/destinations';
import type { ClusterInfo } from './api';

/**
 * Who the forwarder writes as, decided by the destination's `auth` so that the credential setup makes is
 * the one the forwarder reads:
 * - `es-api-key`: an Elasticsearch API key (`api-key` auth);
 * - `es-user`: an Elasticsearch native user (`basic` auth);
 * - `os-user`: an OpenSearch internal user mapped to the writer role (`basic` auth);
 * - `os-iam-role`: the forwarder's IAM role mapped to the writer role as a backend role (`sigv4` auth:
 *   Amazon OpenSearch Service with fine-grained access control; IAM, not a password, authenticates);
 * - `role-only`: the role and no credential (OpenSearch with `api-key` auth: its API keys, from 3.7, are
 *   off by default and expire within 90 days);
 * - `none`: nothing (--skip-writer, for clusters without security).
 */
export type WriterPlan =
  | { readonly kind: 'es-api-key' | 'es-user' | 'os-user' }
  | { readonly kind: 'os-iam-role'; readonly backendRole?: string }
  | { readonly kind: 'role-only' }
  | { readonly kind: 'none' };

export function writerPlan(
  destination: ElasticsearchDestinationConfig,
  cluster: ClusterInfo,
  options: { readonly skipWriter?: boolean; readonly backendRole?: string },
): WriterPlan {
  if (options.skipWriter) return { kind: 'none' };
  const auth = destination.auth.type;
  if (cluster.flavor === 'elasticsearch') return { kind: auth === 'basic' ? 'es-user' : 'es-api-key' };
  if (auth === 'basic') return { kind: 'os-user' };
  if (auth === 'sigv4') return { kind: 'os-iam-role', backendRole: options.backendRole };
  return { kind: 'role-only' };
}
