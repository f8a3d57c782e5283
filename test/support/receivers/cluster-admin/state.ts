import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Flavor } from './http';

/** An Elasticsearch role descriptor (roles and API keys' `role_descriptors`). */
export interface RoleDescriptor {
  readonly cluster: string[];
  readonly indices: { names: string[]; privileges: string[]; allow_restricted_indices: boolean }[];
  readonly metadata: Record<string, unknown>;
}

/** An Elasticsearch native user or an OpenSearch internal user. */
export interface User {
  readonly name: string;
  password: string;
  superuser: boolean;
  /** Elasticsearch: its roles. OpenSearch: `opendistro_security_roles`. */
  roles: string[];
  backendRoles: string[];
  fullName?: unknown;
  email?: unknown;
  metadata: unknown;
  attributes: unknown;
  enabled: boolean;
}

export interface ApiKey {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly owner: string;
  roleDescriptors: Record<string, RoleDescriptor>;
  readonly metadata: unknown;
  readonly creation: number;
  invalidated: boolean;
}

export interface StoredTemplate {
  readonly body: Record<string, unknown>;
  readonly builtIn: boolean;
}

export interface BackingIndex {
  readonly name: string;
  /** Epoch ms: `index.creation_date`. */
  readonly createdAt: number;
  /** Documents by `_id`: unique within this index only, as in Elasticsearch. */
  readonly documents: Map<string, unknown>;
}

/**
 * A data stream and its backing indices, oldest first: the last is the write index, the only one a
 * `create` sees (and answers 409 from).
 */
export class DataStream {
  readonly indices: BackingIndex[] = [];

  constructor(
    readonly name: string,
    private readonly flavor: Flavor,
    createdAt: number,
  ) {
    this.rollover(createdAt);
  }

  get writeIndex(): BackingIndex {
    return this.indices[this.indices.length - 1];
  }

  get generation(): number {
    return this.indices.length;
  }

  /** A new write index, named as each product names it (Elasticsearch dates it, from 7.11). */
  rollover(createdAt: number): BackingIndex {
    const generation = String(this.indices.length + 1).padStart(6, '0');
    const day = new Date(createdAt).toISOString().slice(0, 10).replaceAll('-', '.');
    const name =
      this.flavor === 'elasticsearch'
        ? `.ds-${this.name}-${day}-${generation}`
        : `.ds-${this.name}-${generation}`;
    const index: BackingIndex = { name, createdAt, documents: new Map() };
    this.indices.push(index);
    return index;
  }

  /** Every document of every backing index, a copy per index it is in. */
  documentCount(): number {
    return this.indices.reduce((count, index) => count + index.documents.size, 0);
  }
}

/**
 * An alias over indices it rolls over (`<alias>-000001`, …), one of them its write index
 * (`is_write_index`), which need not be the newest: someone may have added a newer index to it, or
 * moved `is_write_index` back. As for a data stream, `create` sees only the write index.
 */
export class IndexAlias {
  readonly indices: BackingIndex[] = [];
  private writeName = '';

  constructor(
    readonly name: string,
    createdAt: number,
  ) {
    this.addIndex(createdAt, { write: true });
  }

  get writeIndex(): BackingIndex {
    return this.indices.find((index) => index.name === this.writeName)!;
  }

  /** A new index behind the alias; with `write`, the alias writes to it from now on (a rollover). */
  addIndex(createdAt: number, options: { readonly write: boolean }): BackingIndex {
    const index: BackingIndex = {
      name: `${this.name}-${String(this.indices.length + 1).padStart(6, '0')}`,
      createdAt,
      documents: new Map(),
    };
    this.indices.push(index);
    if (options.write) this.writeName = index.name;
    return index;
  }

  rollover(createdAt: number): BackingIndex {
    return this.addIndex(createdAt, { write: true });
  }

  /** `POST /_aliases` moving `is_write_index` to another of its indices. */
  moveWriteIndex(name: string): void {
    if (!this.indices.some((index) => index.name === name))
      throw new Error(`${name} is not behind ${this.name}`);
    this.writeName = name;
  }

  documentCount(): number {
    return this.indices.reduce((count, index) => count + index.documents.size, 0);
  }
}

/**
 * An alias over data streams (Elasticsearch 7.14+): `_search` and `_settings` see every backing index of
 * every stream; writes go to the write data stream's write index (`is_write_index` on the alias action),
 * which `moveWriteDataStream` changes as `POST /_aliases` does. Without one, writes are refused.
 */
export class DataStreamAlias {
  private writeName: string | undefined;

  constructor(
    readonly name: string,
    readonly dataStreams: readonly DataStream[],
    write: string | undefined,
  ) {
    this.moveWriteDataStream(write);
  }

  get writeDataStream(): DataStream | undefined {
    return this.dataStreams.find((stream) => stream.name === this.writeName);
  }

  get indices(): BackingIndex[] {
    return this.dataStreams.flatMap((stream) => stream.indices);
  }

  get writeIndex(): BackingIndex {
    const stream = this.writeDataStream;
    if (!stream) throw new Error(`alias [${this.name}] has no write data stream`);
    return stream.writeIndex;
  }

  moveWriteDataStream(name: string | undefined): void {
    if (name !== undefined && !this.dataStreams.some((stream) => stream.name === name))
      throw new Error(`${name} is not behind ${this.name}`);
    this.writeName = name;
  }

  /** `POST /<alias>/_rollover`: rolls the write data stream over. */
  rollover(createdAt: number): BackingIndex {
    const stream = this.writeDataStream;
    if (!stream) throw new Error(`alias [${this.name}] has no write data stream`);
    return stream.rollover(createdAt);
  }

  documentCount(): number {
    return this.dataStreams.reduce((count, stream) => count + stream.documentCount(), 0);
  }
}

export type Principal =
  | { readonly kind: 'user'; readonly user: User }
  | { readonly kind: 'api-key'; readonly key: ApiKey; readonly owner: User };

/** Everything the receiver holds, shared by its handlers. */
export class ClusterState {
  readonly templates = new Map<string, StoredTemplate>();
  readonly ilmPolicies = new Map<
    string,
    { version: number; modified: number; policy: Record<string, unknown> }
  >();
  readonly ismPolicies = new Map<
    string,
    { version: number; seqNo: number; primaryTerm: number; updated: number; policy: Record<string, unknown> }
  >();
  /** Elasticsearch roles (`_security/role`). */
  readonly esRoles = new Map<string, RoleDescriptor>();
  /** OpenSearch security plugin roles. */
  readonly osRoles = new Map<string, Record<string, unknown>>();
  readonly roleMappings = new Map<
    string,
    { users: string[]; backend_roles: string[]; hosts: string[]; and_backend_roles: string[] }
  >();
  readonly users = new Map<string, User>();
  readonly apiKeys = new Map<string, ApiKey>();
  readonly dataStreams = new Map<string, DataStream>();
  readonly aliases = new Map<string, IndexAlias | DataStreamAlias>();
  private seqNo = 0;

  constructor(
    readonly flavor: Flavor,
    readonly version: string,
    admin: { username: string; password: string },
  ) {
    this.users.set(admin.username, {
      name: admin.username,
      password: admin.password,
      superuser: true,
      roles: [flavor === 'opensearch' ? 'all_access' : 'superuser'],
      backendRoles: ['admin'],
      metadata: {},
      attributes: {},
      enabled: true,
    });
  }

  /** The data stream or alias of that name: what `_settings`, `_search` and `_bulk` resolve it to. */
  target(name: string): DataStream | IndexAlias | DataStreamAlias | undefined {
    return this.dataStreams.get(name) ?? this.aliases.get(name);
  }

  nextSeqNo(): number {
    this.seqNo += 1;
    return this.seqNo;
  }

  /** `[major, minor]` of the version this receiver claims. */
  get versionParts(): [number, number] {
    const [major, minor] = this.version.split('.').map(Number);
    return [major, minor];
  }

  atLeast(major: number, minor: number): boolean {
    const [have, haveMinor] = this.versionParts;
    return have > major || (have === major && haveMinor >= minor);
  }

  createApiKey(
    name: string,
    owner: string,
    roleDescriptors: Record<string, RoleDescriptor>,
    metadata: unknown,
  ): ApiKey {
    const key: ApiKey = {
      id: randomBytes(15).toString('base64url'),
      key: randomBytes(16).toString('base64url'),
      name,
      owner,
      roleDescriptors,
      metadata,
      creation: Date.now(),
      invalidated: false,
    };
    this.apiKeys.set(key.id, key);
    return key;
  }

  /** Who the request authenticates as, or undefined (answer 401). */
  authenticate(headers: IncomingHttpHeaders): Principal | undefined {
    const header = headers.authorization ?? '';
    const [scheme, value = ''] = header.split(' ', 2);
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const [name, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (scheme === 'Basic') {
      const user = this.users.get(name);
      return user && user.enabled && user.password === secret ? { kind: 'user', user } : undefined;
    }
    if (scheme === 'ApiKey' && this.flavor === 'elasticsearch') {
      const key = this.apiKeys.get(name);
      const owner = key ? this.users.get(key.owner) : undefined;
      return key && owner && !key.invalidated && key.key === secret
        ? { kind: 'api-key', key, owner }
        : undefined;
    }
    return undefined;
  }
}

export const isSuperuser = (principal: Principal): boolean =>
  principal.kind === 'user'
    ? principal.user.superuser
    : principal.owner.superuser && isEmptyDescriptors(principal.key);

/** An API key made without role descriptors has its owner's rights. */
const isEmptyDescriptors = (key: ApiKey): boolean => Object.keys(key.roleDescriptors).length === 0;

/** How Elasticsearch names the principal in a security_exception. */
export function describePrincipal(principal: Principal): string {
  return principal.kind === 'user'
    ? `user [${principal.user.name}]`
    : `API key id [${principal.key.id}] of user [${principal.owner.name}]`;
}
