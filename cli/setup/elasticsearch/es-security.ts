import { includes } from './compare';
import { MANAGED_BY, type Resource } from './resource';

/**
 * The append-only writer's index privileges: `create_doc` adds documents and nothing else (no overwrite,
 * update or delete); `auto_configure` lets a write map a new field of a record (a data stream's dynamic
 * mapping update) and create a data stream that was deleted, and grants no access to documents.
 */
export const ES_WRITER_PRIVILEGES = ['create_doc', 'auto_configure'] as const;

/**
 * What the forwarder's rollover lookup needs besides (destination `rolloverLookup`, on by default):
 * `view_index_metadata` to read the backing indices' creation dates, `read` to search them for ids.
 * `read` lets the credential read the documents of these data streams (and nothing else): the price
 * of looking an id up, as Elasticsearch has no privilege that tells only whether a document exists.
 */
export const ES_LOOKUP_PRIVILEGES = ['read', 'view_index_metadata'] as const;

export interface EsRoleDescriptor {
  readonly cluster: readonly string[];
  readonly indices: readonly { readonly names: readonly string[]; readonly privileges: readonly string[] }[];
}

export function esWriterDescriptor(
  dataStreams: readonly string[],
  options: { readonly rolloverLookup: boolean },
): EsRoleDescriptor {
  const privileges = [...ES_WRITER_PRIVILEGES, ...(options.rolloverLookup ? ES_LOOKUP_PRIVILEGES : [])];
  return { cluster: [], indices: [{ names: [...dataStreams], privileges }] };
}

/** `PUT /_security/role/<name>`: the writer role (what a `basic` user gets; the API key carries a copy). */
export function esWriterRole(name: string, descriptor: EsRoleDescriptor, destination: string): Resource {
  const desired = { ...descriptor, metadata: { managed_by: MANAGED_BY, destination } };
  const path = `/_security/role/${encodeURIComponent(name)}`;
  return {
    kind: 'role',
    name,
    summary: `${descriptor.indices[0].privileges.join(' + ')} on ${descriptor.indices[0].names.length} data stream(s)`,
    read: { method: 'GET', path },
    reconcile: (current) => {
      const held = (current as Record<string, unknown> | undefined)?.[name];
      return {
        writes: held !== undefined && includes(held, desired) ? [] : [{ method: 'PUT', path, body: desired }],
      };
    },
  };
}

interface HeldApiKey {
  id?: string;
  name?: string;
  invalidated?: boolean;
  expiration?: number;
  role_descriptors?: unknown;
}

export interface ApiKeyOptions {
  readonly role: string;
  readonly descriptor: EsRoleDescriptor;
  readonly destination: string;
  /** How setup authenticates: Elasticsearch refuses API keys with privileges made with an API key. */
  readonly adminAuth: 'api-key' | 'basic' | 'sigv4';
  /** `PUT /_security/api_key/<id>` exists (Elasticsearch 8.4+). */
  readonly canUpdate: boolean;
  /** Make a new key even when an active one exists (rotation). */
  readonly newCredential: boolean;
  /** Epoch ms: a key whose `expiration` has passed is no longer active. */
  readonly now: number;
}

const DERIVED_KEY_REFUSAL =
  'Elasticsearch refuses to give privileges to an API key created with an API key (a "derived" key). Fix: run again as a user, with SLUICE_ES_ADMIN_USERNAME / SLUICE_ES_ADMIN_PASSWORD or an --admin-secret-arn holding {"username","password"} (manage_api_key or manage_security)';

/**
 * The writer's API key, its privileges a copy of the writer role's (an API key cannot name a role). An
 * active key of that name is kept, so its secret stays valid; its privileges are brought up to date in
 * place when the data streams change.
 */
export function esWriterApiKey(name: string, options: ApiKeyOptions): Resource {
  const roleDescriptors = { [options.role]: options.descriptor };
  const create = {
    method: 'POST' as const,
    path: '/_security/api_key',
    body: {
      name,
      role_descriptors: roleDescriptors,
      metadata: { managed_by: MANAGED_BY, destination: options.destination },
    },
    yieldsCredential: true,
    creates: true,
  };
  return {
    kind: 'api-key',
    name,
    summary: `privileges of role ${options.role}`,
    read: { method: 'GET', path: `/_security/api_key?name=${encodeURIComponent(name)}` },
    reconcile: (current) => {
      const active = ((current as { api_keys?: HeldApiKey[] } | undefined)?.api_keys ?? []).filter(
        (key) =>
          key.name === name &&
          key.invalidated !== true &&
          (key.expiration === undefined || key.expiration > options.now),
      );
      const ids = active.map((key) => key.id).join(', ');
      if (active.length === 0 || options.newCredential) {
        if (options.adminAuth === 'api-key') return { writes: [], blocked: DERIVED_KEY_REFUSAL };
        return {
          writes: [create],
          note:
            active.length > 0
              ? `the older active key(s) ${ids} stay valid: invalidate them once the forwarder uses the new one (DELETE /_security/api_key {"ids": [...]})`
              : undefined,
        };
      }
      const stale = active.filter(
        (key) => key.role_descriptors !== undefined && !includes(key.role_descriptors, roleDescriptors),
      );
      const unknown = active.some((key) => key.role_descriptors === undefined);
      const note = unknown
        ? `this Elasticsearch does not show API keys' privileges: key(s) ${ids} are kept as they are (--new-credential makes a new one)`
        : active.length > 1
          ? `${active.length} active API keys are named ${name}: ${ids}`
          : undefined;
      if (stale.length === 0) return { writes: [], note };
      if (!options.canUpdate) {
        return {
          writes: [],
          blocked: `API key(s) ${stale.map((key) => key.id).join(', ')} lack the current data streams, and Elasticsearch before 8.4 cannot change a key's privileges. Fix: --new-credential, then store the new key`,
        };
      }
      if (options.adminAuth === 'api-key') {
        return {
          writes: [],
          blocked: `API key(s) ${stale.map((key) => key.id).join(', ')} lack the current data streams, and only their owner, authenticated as a user, may change them. Fix: run again as the user who created them (SLUICE_ES_ADMIN_USERNAME / SLUICE_ES_ADMIN_PASSWORD)`,
        };
      }
      return {
        writes: stale.map((key) => ({
          method: 'PUT' as const,
          path: `/_security/api_key/${encodeURIComponent(key.id ?? '')}`,
          body: { role_descriptors: roleDescriptors },
        })),
        note,
      };
    },
    credential: (_write, answer) => {
      const created = answer as { id?: string; name?: string; api_key?: string; encoded?: string };
      // `encoded` (base64 of id:api_key) appeared in 7.16; compute it for older answers.
      const encoded =
        created.encoded ?? Buffer.from(`${created.id ?? ''}:${created.api_key ?? ''}`).toString('base64');
      return { kind: 'api-key', id: created.id ?? '', name: created.name ?? name, secret: encoded };
    },
  };
}

interface HeldUser {
  roles?: string[];
  full_name?: unknown;
  email?: unknown;
  metadata?: unknown;
  enabled?: unknown;
}

/**
 * A native user with the writer role, for a destination with `basic` auth. Its password is set when the
 * user is created (or with --new-credential) and never read back.
 */
export function esWriterUser(
  name: string,
  options: { role: string; destination: string; password: string; newCredential: boolean },
): Resource {
  const path = `/_security/user/${encodeURIComponent(name)}`;
  return {
    kind: 'user',
    name,
    summary: `native user with role ${options.role}`,
    read: { method: 'GET', path },
    reconcile: (current) => {
      const held = (current as Record<string, HeldUser> | undefined)?.[name];
      if (!held) {
        return {
          writes: [
            {
              method: 'PUT',
              path,
              body: {
                password: options.password,
                roles: [options.role],
                full_name: `sluice forwarder (${options.destination})`,
                metadata: { managed_by: MANAGED_BY, destination: options.destination },
              },
              yieldsCredential: true,
            },
          ],
        };
      }
      const writes = [];
      const roles = held.roles ?? [];
      if (!roles.includes(options.role)) {
        // Without `password` the user keeps theirs.
        writes.push({
          method: 'PUT' as const,
          path,
          body: {
            roles: [...roles, options.role],
            full_name: held.full_name,
            email: held.email,
            metadata: held.metadata,
            enabled: held.enabled,
          },
        });
      }
      if (options.newCredential) {
        writes.push({
          method: 'POST' as const,
          path: `${path}/_password`,
          body: { password: options.password },
          yieldsCredential: true,
        });
      }
      return { writes };
    },
    credential: (write) => ({
      kind: 'user',
      name,
      secret: JSON.stringify({ username: name, password: (write.body as { password: string }).password }),
    }),
  };
}
