/**
 * A local Elasticsearch / OpenSearch that answers the APIs `sluice setup elasticsearch` calls as the real
 * products do, with their error shapes: `GET /`, composable index templates, data streams, ILM (Elasticsearch),
 * ISM with optimistic concurrency (OpenSearch), Elasticsearch security (roles, API keys, native users) and
 * the OpenSearch security plugin (roles, internal users, role mappings), plus `_bulk` with each item
 * checked against the caller's privileges, so that what setup grants can be tried by writing.
 *
 * Every request needs credentials (401 otherwise); only the admin (a superuser) may manage anything.
 * Data streams have backing indices and roll over (`rollover()`, `POST <stream>/_rollover`); so do
 * aliases (`createAlias()`), whose write index may be moved to an older index, and data stream aliases
 * (`createDataStreamAlias()`), whose write data stream may be moved; `create` sees only the
 * write index, `_bulk` answers each item's `_index`, and the rollover lookup's reads (settings, `ids`
 * search, `GET /_alias`, `GET /_data_stream`) are checked against the caller's privileges
 * (cluster-admin/reads.ts).
 * Simplifications, stated: no component templates, a
 * subset of settings and field types, and on OpenSearch only the admin may create a data stream by writing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bulk } from './cluster-admin/bulk';
import * as esSecurity from './cluster-admin/es-security';
import { esError, noHandler, ok, type Flavor, type Reply } from './cluster-admin/http';
import { getIlmPolicy, getIsmPolicy, putIlmPolicy, putIsmPolicy } from './cluster-admin/lifecycle';
import { getAlias, getDataStreamChecked, getSettings, rollover, search } from './cluster-admin/reads';
import * as osSecurity from './cluster-admin/os-security';
import {
  ClusterState,
  DataStream,
  DataStreamAlias,
  describePrincipal,
  IndexAlias,
  isSuperuser,
  type Principal,
} from './cluster-admin/state';
import {
  createDataStream,
  getDataStream,
  getIndexTemplate,
  installBuiltInTemplates,
  putIndexTemplate,
} from './cluster-admin/templates';
import { decodeBody, readRaw, sendJson, startLoopbackServer } from './server';

export interface AdminReceiverOptions {
  /** Default: `elasticsearch`. */
  readonly flavor?: Flavor;
  /** Default: `8.13.4` (Elasticsearch), `2.13.0` (OpenSearch). */
  readonly version?: string;
  /** The superuser. Default: elastic / changeme-elastic, or admin / changeme-admin on OpenSearch. */
  readonly admin?: { readonly username: string; readonly password: string };
}

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly path: string;
  readonly body?: unknown;
  readonly status: number;
}

export interface AdminReceiver {
  readonly url: string;
  readonly flavor: Flavor;
  readonly admin: { readonly username: string; readonly password: string };
  /** Every request, in order. */
  readonly requests: readonly ReceivedRequest[];
  /** The requests that change something (anything but GET, `_bulk` excluded). */
  writes(): ReceivedRequest[];
  /** An Elasticsearch API key of the admin, without role descriptors (its owner's rights): `encoded`. */
  createAdminApiKey(): string;
  /** Documents of a data stream or alias, by `_id` (one entry per id, whichever indices hold it). */
  documents(dataStream: string): ReadonlyMap<string, unknown>;
  /** Documents of a data stream or alias, a copy per index that holds it: duplicates show here. */
  documentCount(dataStream: string): number;
  /** `POST /<data stream or alias>/_rollover`, the new write index created at `createdAt` (default: now). */
  rollover(dataStream: string, createdAt?: number): void;
  /** An alias over one index `<alias>-000001`, its write index, created at `createdAt`. */
  createAlias(alias: string, createdAt: number): IndexAlias;
  /**
   * A data stream alias over these data streams (made now if missing, their first backing index
   * created at `createdAt`), `write` its write data stream (`is_write_index: true`).
   */
  createDataStreamAlias(
    alias: string,
    dataStreams: readonly string[],
    write: string | undefined,
    createdAt: number,
  ): DataStreamAlias;
  readonly state: ClusterState;
  close(): Promise<void>;
}

function rootInfo(state: ClusterState): unknown {
  const common = { name: 'receiver-1', cluster_name: 'receiver', cluster_uuid: 'Zm9yLXRlc3Rz' };
  return state.flavor === 'opensearch'
    ? {
        ...common,
        version: {
          distribution: 'opensearch',
          number: state.version,
          build_type: 'tar',
          lucene_version: '9.10.0',
        },
        tagline: 'The OpenSearch Project: https://opensearch.org/',
      }
    : {
        ...common,
        version: {
          number: state.version,
          build_flavor: 'default',
          build_type: 'docker',
          lucene_version: '9.10.0',
        },
        tagline: 'You Know, for Search',
      };
}

function unauthenticated(state: ClusterState, path: string): Reply {
  if (state.flavor === 'opensearch')
    return {
      status: 401,
      body: 'Unauthorized',
      headers: { 'www-authenticate': 'Basic realm="OpenSearch Security"' },
    };
  return {
    ...esError(401, 'security_exception', `missing authentication credentials for REST request [${path}]`),
    headers: { 'www-authenticate': 'Basic realm="security", ApiKey' },
  };
}

function forbidden(state: ClusterState, principal: Principal, action: string): Reply {
  return state.flavor === 'opensearch'
    ? esError(
        403,
        'security_exception',
        `no permissions for [${action}] and ${osSecurity.describeOsUser(principal)}`,
      )
    : esError(
        403,
        'security_exception',
        `action [${action}] is unauthorized for ${describePrincipal(principal)}`,
      );
}

type Route = (args: {
  method: string;
  parts: string[];
  query: URLSearchParams;
  body: unknown;
  principal: Principal;
}) => Reply | undefined;

function routes(state: ClusterState): Route {
  const es = state.flavor === 'elasticsearch';
  return ({ method, parts, query, body, principal }) => {
    const [first, second, third, fourth] = parts;
    const admin = (action: string, reply: () => Reply): Reply =>
      isSuperuser(principal) ? reply() : forbidden(state, principal, action);
    if (first === '_index_template' && second && parts.length === 2) {
      if (method === 'GET')
        return admin('indices:admin/index_template/get', () => getIndexTemplate(state, second));
      if (method === 'PUT')
        return admin('indices:admin/index_template/put', () => putIndexTemplate(state, second, body));
    }
    if (first === '_data_stream' && second && parts.length === 2) {
      if (method === 'GET')
        return getDataStreamChecked(state, principal, second, () => getDataStream(state, second));
      if (method === 'PUT')
        return admin('indices:admin/data_stream/create', () => createDataStream(state, second));
    }
    if (first === '_alias' && second && parts.length === 2 && method === 'GET')
      return getAlias(state, principal, second);
    if (first && !first.startsWith('_') && second === '_settings' && parts.length <= 3 && method === 'GET')
      return getSettings(state, principal, first, third, query);
    if (first && !first.startsWith('_') && second === '_search' && parts.length === 2) {
      if (method === 'POST' || method === 'GET') return search(state, principal, first, body, query);
    }
    if (first && !first.startsWith('_') && second === '_rollover' && parts.length === 2 && method === 'POST')
      return rollover(state, principal, first);
    if (es && first === '_ilm' && second === 'policy' && third && parts.length === 3) {
      if (method === 'GET') return admin('cluster:admin/ilm/get', () => getIlmPolicy(state, third));
      if (method === 'PUT') return admin('cluster:admin/ilm/put', () => putIlmPolicy(state, third, body));
    }
    if (es && first === '_security') {
      if (second === 'role' && third && parts.length === 3) {
        if (method === 'GET')
          return admin('cluster:admin/xpack/security/role/get', () => esSecurity.getRole(state, third));
        if (method === 'PUT' || method === 'POST') {
          return admin('cluster:admin/xpack/security/role/put', () => esSecurity.putRole(state, third, body));
        }
      }
      if (second === 'api_key' && parts.length === 2) {
        if (method === 'GET')
          return admin('cluster:admin/xpack/security/api_key/get', () => esSecurity.getApiKeys(state, query));
        if (method === 'POST' || method === 'PUT') {
          return admin('cluster:admin/xpack/security/api_key/create', () =>
            esSecurity.createApiKey(state, principal, body),
          );
        }
      }
      if (second === 'api_key' && third && parts.length === 3 && method === 'PUT' && state.atLeast(8, 4)) {
        return admin('cluster:admin/xpack/security/api_key/update', () =>
          esSecurity.updateApiKey(state, principal, third, body),
        );
      }
      if (second === 'user' && third && parts.length === 3) {
        if (method === 'GET')
          return admin('cluster:admin/xpack/security/user/get', () => esSecurity.getUser(state, third));
        if (method === 'PUT' || method === 'POST') {
          return admin('cluster:admin/xpack/security/user/put', () => esSecurity.putUser(state, third, body));
        }
      }
      if (
        second === 'user' &&
        third &&
        fourth === '_password' &&
        parts.length === 4 &&
        (method === 'POST' || method === 'PUT')
      ) {
        return admin('cluster:admin/xpack/security/user/change_password', () =>
          esSecurity.changePassword(state, third, body),
        );
      }
    }
    if (
      !es &&
      first === '_plugins' &&
      second === '_ism' &&
      third === 'policies' &&
      fourth &&
      parts.length === 4
    ) {
      if (method === 'GET')
        return admin('cluster:admin/opendistro/ism/policy/get', () => getIsmPolicy(state, fourth));
      if (method === 'PUT')
        return admin('cluster:admin/opendistro/ism/policy/write', () =>
          putIsmPolicy(state, fourth, body, query),
        );
    }
    if (!es && first === '_plugins' && second === '_security' && third === 'api' && parts.length === 5) {
      const [, , , kind, name] = parts;
      const handlers: Record<string, { get: typeof osSecurity.getRole; put: typeof osSecurity.putRole }> = {
        roles: { get: osSecurity.getRole, put: osSecurity.putRole },
        internalusers: { get: osSecurity.getInternalUser, put: osSecurity.putInternalUser },
        rolesmapping: { get: osSecurity.getRoleMapping, put: osSecurity.putRoleMapping },
      };
      const handler = handlers[kind];
      if (handler && method === 'GET') return admin(`restapi:admin/${kind}`, () => handler.get(state, name));
      if (handler && method === 'PUT')
        return admin(`restapi:admin/${kind}`, () => handler.put(state, name, body));
    }
    return undefined;
  };
}

export async function startElasticsearchAdminReceiver(
  options: AdminReceiverOptions = {},
): Promise<AdminReceiver> {
  const flavor = options.flavor ?? 'elasticsearch';
  const admin =
    options.admin ??
    (flavor === 'opensearch'
      ? { username: 'admin', password: 'changeme-admin' }
      : { username: 'elastic', password: 'changeme-elastic' });
  const state = new ClusterState(
    flavor,
    options.version ?? (flavor === 'opensearch' ? '2.13.0' : '8.13.4'),
    admin,
  );
  installBuiltInTemplates(state);
  const route = routes(state);
  const requests: ReceivedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const method = req.method ?? 'GET';
    const raw = await decodeBody(req, await readRaw(req));
    const text = raw.toString('utf8');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const isBulk = parts[parts.length - 1] === '_bulk';
    let body: unknown;
    let reply: Reply | undefined;
    if (text !== '' && !isBulk) {
      try {
        body = JSON.parse(text);
      } catch {
        reply = esError(
          400,
          'x_content_parse_exception',
          '[1:1] Unexpected character: the request body is not JSON',
        );
      }
    }
    const principal = state.authenticate(req.headers);
    if (!principal) reply = unauthenticated(state, url.pathname);
    else if (!reply) {
      if (parts.length === 0 && method === 'GET') reply = ok(rootInfo(state));
      else if (isBulk && (method === 'POST' || method === 'PUT') && parts.length <= 2) {
        reply = bulk(
          state,
          principal,
          text,
          parts.length === 2 ? parts[0] : undefined,
          url.searchParams.get('filter_path'),
        );
      } else {
        reply =
          route({ method, parts, query: url.searchParams, body, principal }) ??
          noHandler(method, url.pathname);
      }
    }
    requests.push({
      method,
      path: `${url.pathname}${url.search}`,
      ...(body !== undefined ? { body } : {}),
      status: reply.status,
    });
    if (typeof reply.body === 'string') {
      res.writeHead(reply.status, { 'content-type': 'text/plain; charset=UTF-8', ...reply.headers });
      res.end(reply.body);
      return;
    }
    sendJson(res, reply.status, reply.body, reply.headers);
  };

  const server = await startLoopbackServer(handle);
  return {
    url: server.url,
    flavor,
    admin,
    requests,
    writes: () => requests.filter((request) => request.method !== 'GET' && !request.path.includes('_bulk')),
    createAdminApiKey: () => {
      const key = state.createApiKey('admin-key', admin.username, {}, {});
      return Buffer.from(`${key.id}:${key.key}`).toString('base64');
    },
    documents: (dataStream) =>
      new Map(state.target(dataStream)?.indices.flatMap((index) => [...index.documents]) ?? []),
    documentCount: (dataStream) => state.target(dataStream)?.documentCount() ?? 0,
    rollover: (dataStream, createdAt) => {
      const stream = state.target(dataStream);
      if (!stream) throw new Error(`no data stream or alias ${dataStream}`);
      stream.rollover(createdAt ?? Date.now());
    },
    createDataStreamAlias: (alias, names, write, createdAt) => {
      if (flavor === 'opensearch') throw new Error('OpenSearch 2 has no data stream aliases');
      const streams = names.map((name) => {
        const stream = state.dataStreams.get(name) ?? new DataStream(name, state.flavor, createdAt);
        state.dataStreams.set(name, stream);
        return stream;
      });
      const created = new DataStreamAlias(alias, streams, write);
      state.aliases.set(alias, created);
      return created;
    },
    createAlias: (alias, createdAt) => {
      const created = new IndexAlias(alias, createdAt);
      state.aliases.set(alias, created);
      return created;
    },
    state,
    close: () => server.close(),
  };
}
