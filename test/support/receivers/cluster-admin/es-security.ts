import { clone, esError, isObject, isStringArray, ok, type Reply } from './http';
import { isSuperuser, type ClusterState, type Principal, type RoleDescriptor } from './state';

const INDEX_PRIVILEGES = new Set([
  'all',
  'auto_configure',
  'create',
  'create_doc',
  'create_index',
  'delete',
  'delete_index',
  'index',
  'maintenance',
  'manage',
  'manage_data_stream_lifecycle',
  'manage_follow_index',
  'manage_ilm',
  'manage_leader_index',
  'monitor',
  'read',
  'read_cross_cluster',
  'view_index_metadata',
  'write',
]);
const CLUSTER_PRIVILEGES = new Set([
  'all',
  'monitor',
  'manage',
  'manage_api_key',
  'manage_own_api_key',
  'manage_ilm',
  'manage_index_templates',
  'manage_security',
  'read_security',
]);

/** A role descriptor as Elasticsearch stores and answers it, or the reason it refuses it. */
function descriptorOf(body: unknown): RoleDescriptor | string {
  if (!isObject(body)) return 'failed to parse role: expected an object';
  const cluster = body.cluster ?? [];
  if (!isStringArray(cluster)) return 'failed to parse role: [cluster] must be an array of strings';
  const unknownCluster = cluster.find((privilege) => !CLUSTER_PRIVILEGES.has(privilege));
  if (unknownCluster) return `unknown cluster privilege [${unknownCluster}]`;
  const indices = body.indices ?? [];
  if (!Array.isArray(indices)) return 'failed to parse role: [indices] must be an array';
  const parsed: RoleDescriptor['indices'] = [];
  for (const entry of indices) {
    if (!isObject(entry)) return 'failed to parse indices privileges: expected an object';
    const names = typeof entry.names === 'string' ? [entry.names] : entry.names;
    if (!isStringArray(names) || names.length === 0)
      return 'failed to parse indices privileges: missing required [names] field';
    if (!isStringArray(entry.privileges) || entry.privileges.length === 0) {
      return 'failed to parse indices privileges: missing required [privileges] field';
    }
    const unknown = entry.privileges.find((privilege) => !INDEX_PRIVILEGES.has(privilege));
    if (unknown) {
      return `unknown index privilege [${unknown}]. a privilege must be either one of the predefined fixed indices privileges [${[...INDEX_PRIVILEGES].sort().join(',')}] or a pattern over one of the available index actions`;
    }
    parsed.push({
      names: [...names],
      privileges: [...entry.privileges],
      allow_restricted_indices: entry.allow_restricted_indices === true,
    });
  }
  return {
    cluster: [...cluster],
    indices: parsed,
    metadata: isObject(body.metadata) ? clone(body.metadata) : {},
  };
}

const answerOf = (descriptor: RoleDescriptor) => ({
  ...clone(descriptor),
  applications: [],
  run_as: [],
  transient_metadata: { enabled: true },
});

export function putRole(state: ClusterState, name: string, body: unknown): Reply {
  const descriptor = descriptorOf(body);
  if (typeof descriptor === 'string') return esError(400, 'illegal_argument_exception', descriptor);
  const created = !state.esRoles.has(name);
  state.esRoles.set(name, descriptor);
  return ok({ role: { created } });
}

export function getRole(state: ClusterState, name: string): Reply {
  const descriptor = state.esRoles.get(name);
  return descriptor ? ok({ [name]: answerOf(descriptor) }) : { status: 404, body: {} };
}

function descriptorsOf(body: unknown): Record<string, RoleDescriptor> | string {
  if (body === undefined) return {};
  if (!isObject(body)) return 'failed to parse role descriptors';
  const parsed: Record<string, RoleDescriptor> = {};
  for (const [name, value] of Object.entries(body)) {
    const descriptor = descriptorOf(value);
    if (typeof descriptor === 'string') return descriptor;
    parsed[name] = descriptor;
  }
  return parsed;
}

const hasPrivileges = (descriptors: Record<string, RoleDescriptor>) =>
  Object.values(descriptors).some(
    (descriptor) => descriptor.cluster.length > 0 || descriptor.indices.length > 0,
  );

export function createApiKey(state: ClusterState, principal: Principal, body: unknown): Reply {
  if (!isObject(body) || typeof body.name !== 'string' || body.name === '') {
    return esError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: api key name is required;',
    );
  }
  const descriptors = descriptorsOf(body.role_descriptors);
  if (typeof descriptors === 'string') return esError(400, 'illegal_argument_exception', descriptors);
  if (principal.kind === 'api-key' && hasPrivileges(descriptors)) {
    return esError(
      400,
      'illegal_argument_exception',
      'creating derived api keys requires an explicit role descriptor that is empty (has no privileges)',
    );
  }
  const owner = principal.kind === 'user' ? principal.user.name : principal.owner.name;
  const key = state.createApiKey(body.name, owner, descriptors, body.metadata ?? {});
  return ok({
    id: key.id,
    name: key.name,
    api_key: key.key,
    encoded: Buffer.from(`${key.id}:${key.key}`).toString('base64'),
  });
}

export function getApiKeys(state: ClusterState, query: URLSearchParams): Reply {
  const name = query.get('name');
  const keys = [...state.apiKeys.values()].filter((key) => name === null || key.name === name);
  // Elasticsearch shows API keys' role descriptors from 8.5.
  const withDescriptors = state.atLeast(8, 5);
  return ok({
    api_keys: keys.map((key) => ({
      id: key.id,
      name: key.name,
      creation: key.creation,
      invalidated: key.invalidated,
      username: key.owner,
      realm: 'default_native',
      metadata: key.metadata,
      ...(withDescriptors
        ? {
            role_descriptors: Object.fromEntries(
              Object.entries(key.roleDescriptors).map(([role, d]) => [role, answerOf(d)]),
            ),
          }
        : {}),
    })),
  });
}

export function updateApiKey(state: ClusterState, principal: Principal, id: string, body: unknown): Reply {
  if (principal.kind === 'api-key') {
    return esError(
      400,
      'illegal_argument_exception',
      'authentication via API key not supported: only the owner user can update an API key',
    );
  }
  const key = state.apiKeys.get(id);
  if (!key || key.owner !== principal.user.name) {
    return esError(
      404,
      'resource_not_found_exception',
      `no API key owned by requesting user found for ID [${id}]`,
    );
  }
  if (key.invalidated)
    return esError(400, 'illegal_argument_exception', `cannot update invalidated API key [${id}]`);
  const descriptors = descriptorsOf(isObject(body) ? body.role_descriptors : undefined);
  if (typeof descriptors === 'string') return esError(400, 'illegal_argument_exception', descriptors);
  const updated = JSON.stringify(descriptors) !== JSON.stringify(key.roleDescriptors);
  key.roleDescriptors = descriptors;
  return ok({ updated });
}

export function putUser(state: ClusterState, name: string, body: unknown): Reply {
  if (!isObject(body)) return esError(400, 'parse_exception', 'request body is required');
  const existing = state.users.get(name);
  if (existing?.superuser)
    return esError(
      400,
      'illegal_argument_exception',
      `user [${name}] is reserved and only the password can be changed`,
    );
  if (!existing && body.password === undefined) {
    return esError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: password must be specified unless you are updating an existing user;',
    );
  }
  if (body.password !== undefined && (typeof body.password !== 'string' || body.password.length < 6)) {
    return esError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: passwords must be at least [6] characters long;',
    );
  }
  if (!isStringArray(body.roles))
    return esError(400, 'action_request_validation_exception', 'Validation Failed: 1: roles are missing;');
  state.users.set(name, {
    name,
    password: (body.password as string | undefined) ?? existing!.password,
    superuser: false,
    roles: [...body.roles],
    backendRoles: [],
    fullName: body.full_name ?? null,
    email: body.email ?? null,
    metadata: body.metadata ?? {},
    attributes: {},
    enabled: body.enabled !== false,
  });
  return ok({ created: !existing });
}

export function getUser(state: ClusterState, name: string): Reply {
  const user = state.users.get(name);
  if (!user) return { status: 404, body: {} };
  return ok({
    [name]: {
      username: name,
      roles: user.roles,
      full_name: user.fullName ?? null,
      email: user.email ?? null,
      metadata: user.metadata,
      enabled: user.enabled,
    },
  });
}

export function changePassword(state: ClusterState, name: string, body: unknown): Reply {
  const user = state.users.get(name);
  if (!user) return esError(404, 'resource_not_found_exception', `user [${name}] does not exist`);
  const password = isObject(body) ? body.password : undefined;
  if (typeof password !== 'string' || password.length < 6) {
    return esError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: passwords must be at least [6] characters long;',
    );
  }
  user.password = password;
  return ok({});
}

/** The index privileges a principal holds, as `{names, privileges}` entries (superusers hold all). */
export function esIndexPrivileges(
  state: ClusterState,
  principal: Principal,
): { names: string[]; privileges: string[] }[] {
  if (isSuperuser(principal)) return [{ names: ['*'], privileges: ['all'] }];
  if (principal.kind === 'api-key')
    return Object.values(principal.key.roleDescriptors).flatMap((d) => d.indices);
  return principal.user.roles.flatMap((role) => state.esRoles.get(role)?.indices ?? []);
}
