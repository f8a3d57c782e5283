import { includes } from './compare';
import { MANAGED_BY, type Reconciliation, type Resource } from './resource';

/**
 * The append-only writer's permissions in the OpenSearch security plugin. `_bulk` is checked as a
 * cluster action and again per index; `indices:data/write/index` adds documents (a data stream refuses
 * anything but `create`, so nothing is overwritten); `indices:admin/mapping/put` maps a record's new
 * field. No update, no delete, no index creation: setup creates the data streams.
 */
export const OS_WRITER_CLUSTER_PERMISSIONS = ['indices:data/write/bulk'] as const;
export const OS_WRITER_INDEX_ACTIONS = [
  'indices:data/write/bulk*',
  'indices:data/write/index',
  'indices:admin/mapping/put',
] as const;

/**
 * The rollover lookup's reads (destination `rolloverLookup`): the backing indices' creation dates and
 * an `ids` search. Searching lets the credential read these data streams' documents, and no others.
 */
export const OS_LOOKUP_INDEX_ACTIONS = ['indices:monitor/settings/get', 'indices:data/read/search*'] as const;

const SECURITY_API = '/_plugins/_security/api';

export function osWriterRole(
  name: string,
  dataStreams: readonly string[],
  destination: string,
  options: { readonly rolloverLookup: boolean },
): Resource {
  const actions = [...OS_WRITER_INDEX_ACTIONS, ...(options.rolloverLookup ? OS_LOOKUP_INDEX_ACTIONS : [])];
  const desired = {
    description: `sluice: append-only writer of destination ${destination}`,
    cluster_permissions: [...OS_WRITER_CLUSTER_PERMISSIONS],
    index_permissions: [{ index_patterns: [...dataStreams], allowed_actions: actions }],
  };
  const path = `${SECURITY_API}/roles/${encodeURIComponent(name)}`;
  return {
    kind: 'role',
    name,
    summary: `${actions.join(', ')} on ${dataStreams.length} data stream(s)`,
    read: { method: 'GET', path },
    reconcile: (current) => {
      const held = (current as Record<string, unknown> | undefined)?.[name];
      return {
        writes: held !== undefined && includes(held, desired) ? [] : [{ method: 'PUT', path, body: desired }],
      };
    },
  };
}

interface HeldInternalUser {
  backend_roles?: unknown;
  attributes?: unknown;
  opendistro_security_roles?: unknown;
}

/** An internal user for a destination with `basic` auth; the role mapping gives it the writer role. */
export function osWriterUser(
  name: string,
  options: { destination: string; password: string; newCredential: boolean },
): Resource {
  const path = `${SECURITY_API}/internalusers/${encodeURIComponent(name)}`;
  return {
    kind: 'user',
    name,
    summary: 'internal user, mapped to the writer role',
    read: { method: 'GET', path },
    reconcile: (current) => {
      const held = (current as Record<string, HeldInternalUser> | undefined)?.[name];
      if (held && !options.newCredential) return { writes: [] };
      // PUT replaces the user: a new password keeps what else it had.
      const body = held
        ? {
            password: options.password,
            backend_roles: held.backend_roles ?? [],
            attributes: held.attributes ?? {},
            opendistro_security_roles: held.opendistro_security_roles ?? [],
          }
        : {
            password: options.password,
            attributes: { managed_by: MANAGED_BY, destination: options.destination },
          };
      return { writes: [{ method: 'PUT', path, body, yieldsCredential: true }] };
    },
    credential: (write) => ({
      kind: 'user',
      name,
      secret: JSON.stringify({ username: name, password: (write.body as { password: string }).password }),
    }),
  };
}

interface HeldMapping {
  users?: string[];
  backend_roles?: string[];
  hosts?: string[];
  and_backend_roles?: string[];
}

/**
 * Who holds the writer role: the internal user (`basic`), or the forwarder's IAM role as a backend role
 * (Amazon OpenSearch Service with fine-grained access control, `sigv4`). Others already mapped are kept.
 */
export function osRoleMapping(
  role: string,
  wanted: { users?: readonly string[]; backendRoles?: readonly string[] },
): Resource {
  const path = `${SECURITY_API}/rolesmapping/${encodeURIComponent(role)}`;
  const users = wanted.users ?? [];
  const backendRoles = wanted.backendRoles ?? [];
  const unmappedIamRole = users.length === 0 && backendRoles.length === 0;
  return {
    kind: 'role-mapping',
    name: role,
    summary: unmappedIamRole
      ? "the forwarder's IAM role (not given)"
      : [...users.map((user) => `user ${user}`), ...backendRoles.map((arn) => `backend role ${arn}`)].join(
          ', ',
        ),
    read: { method: 'GET', path },
    reconcile: (current): Reconciliation => {
      const held = (current as Record<string, HeldMapping> | undefined)?.[role];
      if (unmappedIamRole) {
        return held?.backend_roles?.length
          ? {
              writes: [],
              note: `role ${role} is mapped to backend role(s) ${held.backend_roles.join(', ')} (give --backend-role to check the forwarder's)`,
            }
          : {
              writes: [],
              blocked: `nothing holds role ${role}, so the forwarder cannot write. Fix: run again with --backend-role <the forwarder's IAM role ARN>, or map that role to ${role} in OpenSearch Dashboards (Security > Roles > Mapped users)`,
            };
      }
      const heldUsers = held?.users ?? [];
      const heldBackendRoles = held?.backend_roles ?? [];
      if (
        held &&
        users.every((user) => heldUsers.includes(user)) &&
        backendRoles.every((arn) => heldBackendRoles.includes(arn))
      ) {
        return { writes: [] };
      }
      const body: Record<string, unknown> = {
        users: [...new Set([...heldUsers, ...users])],
        backend_roles: [...new Set([...heldBackendRoles, ...backendRoles])],
        hosts: held?.hosts ?? [],
      };
      if (held?.and_backend_roles?.length) body.and_backend_roles = held.and_backend_roles;
      return { writes: [{ method: 'PUT', path, body }] };
    },
  };
}
