import { clone, esError, isObject, isStringArray, ok, wildcardMatch, type Reply } from './http';
import { fieldTypes, mappingProblem } from './mappings';
import { DataStream, type ClusterState } from './state';

const TEMPLATE_FIELDS = new Set([
  'index_patterns',
  'template',
  'composed_of',
  'priority',
  'version',
  '_meta',
  'data_stream',
  'allow_auto_create',
  'ignore_missing_component_templates',
]);

/** Settings this receiver knows; anything else is refused as the products refuse unknown settings. */
function knownSetting(state: ClusterState, key: string): boolean {
  const common = [
    'index.number_of_shards',
    'index.number_of_replicas',
    'index.refresh_interval',
    'index.hidden',
  ];
  if (common.includes(key)) return true;
  if (state.flavor === 'elasticsearch') return key === 'index.lifecycle.name' || key === 'index.mode';
  return key.startsWith('index.plugins.index_state_management.');
}

function flatten(settings: unknown, path = ''): Record<string, string> {
  const flat: Record<string, string> = {};
  if (!isObject(settings)) return flat;
  for (const [key, value] of Object.entries(settings)) {
    const full = path ? `${path}.${key}` : key;
    if (isObject(value)) Object.assign(flat, flatten(value, full));
    else flat[full.startsWith('index.') ? full : `index.${full}`] = String(value);
  }
  return flat;
}

/** Settings as a `GET` answers them: nested objects, string values. */
function nested(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return root;
}

/** Elasticsearch's own `logs` template: what a `logs-*-*` data stream gets when nothing outranks it. */
export function installBuiltInTemplates(state: ClusterState): void {
  if (state.flavor !== 'elasticsearch') return;
  state.templates.set('logs', {
    builtIn: true,
    body: {
      index_patterns: ['logs-*-*'],
      data_stream: {},
      priority: 100,
      composed_of: ['logs@mappings', 'logs@settings'],
      template: { settings: { 'index.lifecycle.name': 'logs' } },
      _meta: { managed: true, description: 'default logs template installed by x-pack' },
    },
  });
}

export function putIndexTemplate(state: ClusterState, name: string, body: unknown): Reply {
  if (!isObject(body)) return esError(400, 'parse_exception', 'request body is required');
  const unknown = Object.keys(body).find((key) => !TEMPLATE_FIELDS.has(key));
  if (unknown)
    return esError(400, 'x_content_parse_exception', `[1:2] [index_template] unknown field [${unknown}]`);
  if (!isStringArray(body.index_patterns) || body.index_patterns.length === 0) {
    return esError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: index patterns are missing;',
    );
  }
  const composed = body.composed_of ?? [];
  if (!isStringArray(composed))
    return esError(400, 'x_content_parse_exception', '[composed_of] must be an array of strings');
  if (composed.length > 0) {
    return esError(
      400,
      'invalid_index_template_exception',
      `index_template [${name}] invalid, cause [index template [${name}] specifies component templates [${composed.join(', ')}] that do not exist]`,
    );
  }
  const template = body.template ?? {};
  if (!isObject(template)) return esError(400, 'x_content_parse_exception', '[template] must be an object');
  for (const key of Object.keys(flatten(template.settings))) {
    if (!knownSetting(state, key)) {
      return esError(
        400,
        'illegal_argument_exception',
        `unknown setting [${key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings`,
      );
    }
  }
  const problem = mappingProblem(
    template.mappings,
    fieldTypes(state.flavor, (a, b) => state.atLeast(a, b)),
  );
  if (problem) return esError(400, 'mapper_parsing_exception', problem);
  const priority = body.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0) {
    return esError(400, 'x_content_parse_exception', '[priority] must be a non-negative integer');
  }
  for (const [other, stored] of state.templates) {
    if (other === name || (stored.body.priority ?? 0) !== priority) continue;
    const theirs = stored.body.index_patterns as string[];
    const overlap = body.index_patterns.some((mine) =>
      theirs.some((pattern) => wildcardMatch(pattern, mine) || wildcardMatch(mine, pattern)),
    );
    if (overlap) {
      return esError(
        400,
        'illegal_argument_exception',
        `index template [${name}] has index patterns [${body.index_patterns.join(', ')}] matching patterns from existing templates [${other}] with patterns (${other} => [${theirs.join(', ')}]) that have the same priority [${priority}], multiple index templates may not match during index creation, please use a different priority`,
      );
    }
  }
  state.templates.set(name, { body: clone(body), builtIn: false });
  return ok();
}

/** The template as a `GET` answers it: defaults filled in, settings nested with string values. */
function answerOf(state: ClusterState, body: Record<string, unknown>): Record<string, unknown> {
  const answer = clone(body);
  answer.composed_of ??= [];
  if (answer.data_stream !== undefined) {
    answer.data_stream =
      state.flavor === 'elasticsearch'
        ? { hidden: false, allow_custom_routing: false, ...(answer.data_stream as object) }
        : { timestamp_field: { name: '@timestamp' }, ...(answer.data_stream as object) };
  }
  const template = answer.template as Record<string, unknown> | undefined;
  if (template?.settings !== undefined) template.settings = nested(flatten(template.settings));
  return answer;
}

export function getIndexTemplate(state: ClusterState, name: string): Reply {
  const stored = state.templates.get(name);
  if (!stored) {
    return esError(404, 'resource_not_found_exception', `index template matching [${name}] not found`);
  }
  return ok({ index_templates: [{ name, index_template: answerOf(state, stored.body) }] });
}

/** The highest-priority template whose patterns match `index`, as index creation picks it. */
export function matchingTemplate(
  state: ClusterState,
  index: string,
): { name: string; body: Record<string, unknown> } | undefined {
  let best: { name: string; body: Record<string, unknown> } | undefined;
  for (const [name, stored] of state.templates) {
    const patterns = stored.body.index_patterns as string[];
    if (!patterns.some((pattern) => wildcardMatch(pattern, index))) continue;
    if (!best || ((stored.body.priority as number) ?? 0) > ((best.body.priority as number) ?? 0)) {
      best = { name, body: stored.body };
    }
  }
  return best;
}

export function createDataStream(state: ClusterState, name: string): Reply {
  if (state.dataStreams.has(name)) {
    return esError(400, 'resource_already_exists_exception', `data_stream [${name}] already exists`);
  }
  const template = matchingTemplate(state, name);
  if (!template || template.body.data_stream === undefined) {
    return esError(
      400,
      'illegal_argument_exception',
      `no matching index template found for data stream [${name}]`,
    );
  }
  const stream = new DataStream(name, state.flavor, Date.now());
  state.dataStreams.set(name, stream);
  return ok();
}

export function getDataStream(state: ClusterState, name: string): Reply {
  const stream = state.dataStreams.get(name);
  if (!stream) return esError(404, 'index_not_found_exception', `no such index [${name}]`);
  const template = matchingTemplate(state, name);
  const settings = flatten((template?.body.template as { settings?: unknown } | undefined)?.settings);
  return ok({
    data_streams: [
      {
        name,
        timestamp_field: { name: '@timestamp' },
        // The last is the write index.
        indices: stream.indices.map((index) => ({
          index_name: index.name,
          index_uuid: `uuid-${index.name}`,
        })),
        generation: stream.generation,
        status: 'GREEN',
        template: template?.name,
        ...(state.flavor === 'elasticsearch' && settings['index.lifecycle.name']
          ? { ilm_policy: settings['index.lifecycle.name'] }
          : {}),
        // Elasticsearch 8 documents these too; OpenSearch 2 answers the fields above only.
        ...(state.flavor === 'elasticsearch'
          ? { hidden: false, system: false, allow_custom_routing: false, replicated: false }
          : {}),
      },
    ],
  });
}
