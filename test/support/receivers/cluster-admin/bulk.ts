import { randomBytes } from 'node:crypto';
import { errorBody, filterAnswer, parseBulkBody, type ItemResult } from '../bulk-protocol';
import { esIndexPrivileges } from './es-security';
import { esError, isObject, wildcardMatch, type Reply } from './http';
import { documentProblem } from './mappings';
import { describeOsUser, osClusterPermitted, osIndexPermitted } from './os-security';
import {
  DataStreamAlias,
  describePrincipal,
  type ClusterState,
  type DataStream,
  type Principal,
} from './state';
import { createDataStream, matchingTemplate } from './templates';

/** Elasticsearch: which index privileges allow an operation, as its security_exception lists them. */
const ES_GRANTING: Readonly<Record<string, readonly string[]>> = {
  create: ['create_doc', 'create', 'index', 'write', 'all'],
  index: ['create', 'index', 'write', 'all'],
  update: ['index', 'write', 'all'],
  delete: ['delete', 'write', 'all'],
  autoCreate: ['auto_configure', 'create_index', 'manage', 'all'],
};

/** OpenSearch: the action each bulk operation is checked as. */
const OS_ACTIONS: Readonly<Record<string, string>> = {
  create: 'indices:data/write/index',
  index: 'indices:data/write/index',
  update: 'indices:data/write/update',
  delete: 'indices:data/write/delete',
};

type Check = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function esAllowed(
  state: ClusterState,
  principal: Principal,
  grant: readonly string[],
  index: string,
): boolean {
  return esIndexPrivileges(state, principal).some(
    (entry) =>
      entry.names.some((pattern) => wildcardMatch(pattern, index)) &&
      entry.privileges.some((privilege) => grant.includes(privilege)),
  );
}

function permitted(state: ClusterState, principal: Principal, op: string, index: string): Check {
  if (state.flavor === 'elasticsearch') {
    return esAllowed(state, principal, ES_GRANTING[op], index)
      ? { ok: true }
      : {
          ok: false,
          reason: `action [indices:data/write/bulk[s]] is unauthorized for ${describePrincipal(principal)} on indices [${index}], this action is granted by the index privileges [${ES_GRANTING[op].join(',')}]`,
        };
  }
  const action = OS_ACTIONS[op];
  return osIndexPermitted(state, principal, action, index) &&
    osIndexPermitted(state, principal, 'indices:data/write/bulk[s]', index)
    ? { ok: true }
    : {
        ok: false,
        reason: `no permissions for [${action}, indices:data/write/bulk[s]] and ${describeOsUser(principal)}`,
      };
}

/**
 * A missing target: a data stream when a data-stream template matches and the principal may create it
 * (Elasticsearch: auto_configure; OpenSearch: only an admin here, since sluice's writer never does).
 */
function autoCreate(state: ClusterState, principal: Principal, index: string): DataStream | string {
  const template = matchingTemplate(state, index);
  if (!template || template.body.data_stream === undefined) {
    return `no such index [${index}] and no data stream template matches it (this receiver only holds data streams)`;
  }
  const allowed =
    state.flavor === 'elasticsearch'
      ? esAllowed(state, principal, ES_GRANTING.autoCreate, index)
      : principal.kind === 'user' && principal.user.superuser;
  if (!allowed) {
    return state.flavor === 'elasticsearch'
      ? `action [indices:admin/auto_create] is unauthorized for ${describePrincipal(principal)} on indices [${index}], this action is granted by the index privileges [${ES_GRANTING.autoCreate.join(',')}]`
      : `no permissions for [indices:admin/create] and ${describeOsUser(principal)}`;
  }
  createDataStream(state, index);
  return state.dataStreams.get(index)!;
}

/**
 * `POST /_bulk` on data streams (and aliases: their write index), with each item checked against the
 * principal's privileges.
 */
export function bulk(
  state: ClusterState,
  principal: Principal,
  text: string,
  defaultIndex: string | undefined,
  filterPath: string | null,
): Reply {
  if (state.flavor === 'opensearch' && !osClusterPermitted(state, principal, 'indices:data/write/bulk')) {
    return esError(
      403,
      'security_exception',
      `no permissions for [indices:data/write/bulk] and ${describeOsUser(principal)}`,
    );
  }
  const parsed = parseBulkBody(text, defaultIndex);
  if (!parsed.ok) return { status: 400, body: errorBody(400, parsed.type, parsed.reason) };
  const items: Array<Record<string, ItemResult>> = [];
  let errors = false;
  for (const { op, index, id, source } of parsed.actions) {
    const item = (status: number, rest: Partial<ItemResult> = {}) => {
      if (status >= 300) errors = true;
      items.push({ [op]: { _index: index, _id: id, status, ...rest } });
    };
    const fail = (status: number, type: string, reason: string) => item(status, { error: { type, reason } });
    const check = permitted(state, principal, op, index);
    if (!check.ok) {
      fail(403, 'security_exception', check.reason);
      continue;
    }
    let stream = state.target(index);
    if (!stream) {
      const created = autoCreate(state, principal, index);
      if (typeof created === 'string') {
        fail(
          created.startsWith('no such index') ? 404 : 403,
          created.startsWith('no such index') ? 'index_not_found_exception' : 'security_exception',
          created,
        );
        continue;
      }
      stream = created;
    }
    if (op !== 'create') {
      fail(
        400,
        'illegal_argument_exception',
        'only write ops with an op_type of create are allowed in data streams',
      );
      continue;
    }
    let document: unknown;
    try {
      document = JSON.parse(source ?? '');
    } catch (error) {
      fail(400, 'mapper_parsing_exception', `failed to parse: ${(error as Error).message}`);
      continue;
    }
    if (!isObject(document)) {
      fail(400, 'mapper_parsing_exception', 'failed to parse, document is empty or not an object');
      continue;
    }
    if (!('@timestamp' in document)) {
      fail(400, 'document_parsing_exception', 'data stream timestamp field [@timestamp] is missing');
      continue;
    }
    const template = matchingTemplate(state, index);
    const problem = documentProblem(
      document,
      (template?.body.template as { mappings?: unknown } | undefined)?.mappings,
    );
    if (problem) {
      fail(400, 'document_parsing_exception', problem);
      continue;
    }
    const documentId = id ?? randomBytes(15).toString('base64url');
    if (stream instanceof DataStreamAlias && !stream.writeDataStream) {
      fail(
        400,
        'illegal_argument_exception',
        `no write index is defined for alias [${index}]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index`,
      );
      continue;
    }
    // Only the write index is seen: an id in an older backing index is created again.
    const { writeIndex } = stream;
    if (writeIndex.documents.has(documentId)) {
      // As Elasticsearch does, a conflict names the concrete index it happened in.
      items.push({
        [op]: {
          _index: writeIndex.name,
          _id: documentId,
          status: 409,
          error: {
            type: 'version_conflict_engine_exception',
            reason: `[${documentId}]: version conflict, document already exists (current version [1])`,
            index: writeIndex.name,
          },
        },
      });
      errors = true;
      continue;
    }
    writeIndex.documents.set(documentId, document);
    items.push({
      [op]: { _index: writeIndex.name, _id: documentId, _version: 1, result: 'created', status: 201 },
    });
  }
  return { status: 200, body: filterAnswer({ took: 1, errors, items }, filterPath) };
}
