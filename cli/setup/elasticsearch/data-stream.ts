import type { Resource } from './resource';

/**
 * The data stream itself, created now rather than by the forwarder's first write: its first backing index
 * gets the template's mappings and lifecycle at once, and on OpenSearch the writer then needs no right to
 * create indices. One that exists is left alone: a template applies to new backing indices only, so when
 * this run changed its template the report says how to roll it over.
 */
export function dataStream(name: string, template: string): Resource {
  const path = `/_data_stream/${encodeURIComponent(name)}`;
  return {
    kind: 'data-stream',
    name,
    summary: `from index template ${template}`,
    read: { method: 'GET', path },
    reconcile: (current, changed) => {
      const held = (current as { data_streams?: { name?: string }[] } | undefined)?.data_streams?.some(
        (stream) => stream.name === name,
      );
      if (!held) return { writes: [{ method: 'PUT', path }] };
      if (changed.has(template)) {
        return {
          writes: [],
          note: `data stream ${name} exists: its current backing index keeps its old mappings and lifecycle until it rolls over (POST /${name}/_rollover rolls it over now)`,
        };
      }
      return { writes: [] };
    },
  };
}
