import { clone, isObject, isStringArray, securityAnswer, wildcardMatch, type Reply } from './http';
import type { ClusterState, Principal } from './state';

const ROLE_FIELDS = new Set([
  'description',
  'cluster_permissions',
  'index_permissions',
  'tenant_permissions',
]);

function invalidKeys(keys: string[]): Reply {
  return {
    status: 400,
    body: { status: 'error', reason: 'Invalid configuration', invalid_keys: { keys: keys.join(',') } },
  };
}

export function putRole(state: ClusterState, name: string, body: unknown): Reply {
  if (!isObject(body)) return securityAnswer(400, 'BAD_REQUEST', 'Request body required for this action.');
  const unknown = Object.keys(body).filter((key) => !ROLE_FIELDS.has(key));
  if (unknown.length > 0) return invalidKeys(unknown);
  if (body.cluster_permissions !== undefined && !isStringArray(body.cluster_permissions)) {
    return {
      status: 400,
      body: {
        status: 'error',
        reason: 'Wrong datatypes',
        wrong_datatypes: { cluster_permissions: 'Array expected' },
      },
    };
  }
  const indexPermissions = body.index_permissions ?? [];
  if (!Array.isArray(indexPermissions)) {
    return {
      status: 400,
      body: {
        status: 'error',
        reason: 'Wrong datatypes',
        wrong_datatypes: { index_permissions: 'Array expected' },
      },
    };
  }
  for (const entry of indexPermissions) {
    if (!isObject(entry) || !isStringArray(entry.index_patterns) || !isStringArray(entry.allowed_actions)) {
      return {
        status: 400,
        body: {
          status: 'error',
          reason: 'Invalid configuration',
          invalid_keys: { keys: 'index_permissions' },
        },
      };
    }
  }
  const created = !state.osRoles.has(name);
  state.osRoles.set(name, {
    description: body.description,
    cluster_permissions: body.cluster_permissions ?? [],
    index_permissions: indexPermissions.map((entry: Record<string, unknown>) => ({
      index_patterns: entry.index_patterns,
      dls: entry.dls ?? '',
      fls: entry.fls ?? [],
      masked_fields: entry.masked_fields ?? [],
      allowed_actions: entry.allowed_actions,
    })),
    tenant_permissions: body.tenant_permissions ?? [],
  });
  return created
    ? securityAnswer(201, 'CREATED', `'${name}' created.`)
    : securityAnswer(200, 'OK', `'${name}' updated.`);
}

const notFound = (name: string) => securityAnswer(404, 'NOT_FOUND', `Resource '${name}' not found.`);

export function getRole(state: ClusterState, name: string): Reply {
  const role = state.osRoles.get(name);
  if (!role) return notFound(name);
  return { status: 200, body: { [name]: { reserved: false, hidden: false, ...clone(role), static: false } } };
}

export function putInternalUser(state: ClusterState, name: string, body: unknown): Reply {
  if (!isObject(body)) return securityAnswer(400, 'BAD_REQUEST', 'Request body required for this action.');
  const existing = state.users.get(name);
  if (existing?.superuser) return securityAnswer(403, 'FORBIDDEN', `Resource '${name}' is reserved.`);
  if (typeof body.password !== 'string' && typeof body.hash !== 'string') {
    return securityAnswer(
      400,
      'BAD_REQUEST',
      "Please specify either 'hash' or 'password' when creating a new internal user.",
    );
  }
  if (typeof body.password === 'string' && body.password.length < 8) {
    return securityAnswer(400, 'BAD_REQUEST', 'Password is invalid: it must be at least 8 characters long.');
  }
  state.users.set(name, {
    name,
    password: typeof body.password === 'string' ? body.password : '',
    superuser: false,
    roles: isStringArray(body.opendistro_security_roles) ? [...body.opendistro_security_roles] : [],
    backendRoles: isStringArray(body.backend_roles) ? [...body.backend_roles] : [],
    metadata: {},
    attributes: isObject(body.attributes) ? clone(body.attributes) : {},
    enabled: true,
  });
  return existing
    ? securityAnswer(200, 'OK', `'${name}' updated.`)
    : securityAnswer(201, 'CREATED', `'${name}' created.`);
}

export function getInternalUser(state: ClusterState, name: string): Reply {
  const user = state.users.get(name);
  if (!user || user.superuser) return notFound(name);
  return {
    status: 200,
    body: {
      [name]: {
        hash: '',
        reserved: false,
        hidden: false,
        backend_roles: user.backendRoles,
        attributes: user.attributes,
        opendistro_security_roles: user.roles,
        static: false,
      },
    },
  };
}

export function putRoleMapping(state: ClusterState, role: string, body: unknown): Reply {
  if (!isObject(body)) return securityAnswer(400, 'BAD_REQUEST', 'Request body required for this action.');
  if (!state.osRoles.has(role)) return securityAnswer(404, 'NOT_FOUND', `role '${role}' not found.`);
  const list = (value: unknown) => (isStringArray(value) ? [...value] : []);
  const created = !state.roleMappings.has(role);
  state.roleMappings.set(role, {
    users: list(body.users),
    backend_roles: list(body.backend_roles),
    hosts: list(body.hosts),
    and_backend_roles: list(body.and_backend_roles),
  });
  return created
    ? securityAnswer(201, 'CREATED', `'${role}' created.`)
    : securityAnswer(200, 'OK', `'${role}' updated.`);
}

export function getRoleMapping(state: ClusterState, role: string): Reply {
  const mapping = state.roleMappings.get(role);
  if (!mapping) return notFound(role);
  return { status: 200, body: { [role]: { ...clone(mapping), reserved: false, hidden: false } } };
}

/** The security roles a principal holds: its own plus every role mapped to it or its backend roles. */
function rolesOf(state: ClusterState, principal: Principal): Record<string, unknown>[] {
  if (principal.kind !== 'user') return [];
  const { user } = principal;
  const names = new Set(user.roles);
  for (const [role, mapping] of state.roleMappings) {
    if (
      mapping.users.includes(user.name) ||
      mapping.backend_roles.some((backend) => user.backendRoles.includes(backend))
    ) {
      names.add(role);
    }
  }
  return [...names].flatMap((name) => (state.osRoles.has(name) ? [state.osRoles.get(name)!] : []));
}

/** Action groups that include an action, as the security plugin expands them (the ones sluice could meet). */
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  write: ['indices:data/write*', 'indices:admin/mapping/put'],
  crud: ['indices:data/read*', 'indices:data/write*', 'indices:admin/mapping/put'],
  indices_all: ['indices:*'],
  cluster_composite_ops: ['indices:data/write/bulk'],
  unlimited: ['*'],
};

const grants = (allowed: readonly string[], action: string) =>
  allowed.some((entry) => (GROUPS[entry] ?? [entry]).some((pattern) => wildcardMatch(pattern, action)));

export function osClusterPermitted(state: ClusterState, principal: Principal, action: string): boolean {
  if (principal.kind === 'user' && principal.user.superuser) return true;
  return rolesOf(state, principal).some((role) => grants(role.cluster_permissions as string[], action));
}

export function osIndexPermitted(
  state: ClusterState,
  principal: Principal,
  action: string,
  index: string,
): boolean {
  if (principal.kind === 'user' && principal.user.superuser) return true;
  return rolesOf(state, principal).some((role) =>
    (role.index_permissions as { index_patterns: string[]; allowed_actions: string[] }[]).some(
      (permission) =>
        permission.index_patterns.some((pattern) => wildcardMatch(pattern, index)) &&
        grants(permission.allowed_actions, action),
    ),
  );
}

export function describeOsUser(principal: Principal): string {
  const user = principal.kind === 'user' ? principal.user : principal.owner;
  return `User [name=${user.name}, backend_roles=[${user.backendRoles.join(', ')}], requestedTenant=null]`;
}
