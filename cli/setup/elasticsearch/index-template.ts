import type { ClusterInfo } from './api';
import { flatObjectType } from './cluster-info';
import { flatSettings, includes } from './compare';
import { propertiesFor } from './field-mappings';
import { MANAGED_BY, type Resource } from './resource';
import type { DataStreamTarget } from './targets';

/**
 * Above Elasticsearch's built-in `logs-*-*` template (priority 100), so that sluice's default data
 * streams (`logs-{source}.{logType}-default`) get these mappings and this lifecycle, not the built-in ones.
 * Each template names exactly one data stream, so it can never shadow anything else.
 */
export const TEMPLATE_PRIORITY = 200;

interface HeldTemplate {
  index_patterns?: unknown;
  priority?: unknown;
  data_stream?: unknown;
  composed_of?: unknown;
  template?: { settings?: unknown; mappings?: unknown };
  _meta?: unknown;
}

/**
 * The index template of one data stream: a data stream template with the vendor's field mappings and,
 * on Elasticsearch, the ILM policy in `index.lifecycle.name` (OpenSearch attaches ISM policies by their
 * own `ism_template`). Self-contained (`composed_of: []`): the built-in component templates' names differ
 * between versions, and a missing one would make the whole template fail.
 */
export function indexTemplate(
  name: string,
  target: DataStreamTarget,
  cluster: ClusterInfo,
  policy: string,
  destination: string,
): Resource {
  const settings = cluster.flavor === 'elasticsearch' ? { 'index.lifecycle.name': policy } : undefined;
  const mappings = { properties: propertiesFor(target.preset, target.logTypes, flatObjectType(cluster)) };
  const desired = {
    index_patterns: [target.name],
    data_stream: {},
    priority: TEMPLATE_PRIORITY,
    composed_of: [],
    template: settings ? { settings, mappings } : { mappings },
    _meta: { managed_by: MANAGED_BY, destination, source: target.source, log_types: [...target.logTypes] },
  };
  const path = `/_index_template/${encodeURIComponent(name)}`;
  const same = (held: HeldTemplate): boolean =>
    includes(held.index_patterns, desired.index_patterns) &&
    held.priority === desired.priority &&
    held.data_stream !== undefined &&
    includes(held.composed_of ?? [], desired.composed_of) &&
    includes(flatSettings(held.template?.settings), settings ? flatSettings(settings) : {}) &&
    includes(held.template?.mappings, mappings) &&
    includes(held._meta, desired._meta);
  return {
    kind: 'index-template',
    name,
    summary: `data stream ${target.name}: ${target.source} ${target.logTypes.join(', ')}`,
    read: { method: 'GET', path },
    reconcile: (current) => {
      // GET answers `{"index_templates": [{"name", "index_template": {…}}]}`.
      const held = (
        current as { index_templates?: { name?: string; index_template?: HeldTemplate }[] } | undefined
      )?.index_templates?.find((entry) => entry.name === name)?.index_template;
      return { writes: held && same(held) ? [] : [{ method: 'PUT', path, body: desired }] };
    },
  };
}
