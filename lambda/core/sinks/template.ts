import type { OutboundRecord } from '../records/types';

/**
 * Renders `{source}` / `{logType}` templates (sourcetype, index). A batch has few distinct
 * (source, logType) pairs and records of one object come together, so the last result is remembered
 * and the others memoised: no string building per record.
 */
export function createTemplateRenderer(
  template: string,
  transform: (rendered: string) => string = (rendered) => rendered,
): (record: Pick<OutboundRecord, 'source' | 'logType'>) => string {
  const cache = new Map<string, Map<string, string>>();
  let lastSource: string | undefined;
  let lastLogType: string | undefined;
  let lastRendered = '';
  return (record) => {
    if (record.source === lastSource && record.logType === lastLogType) return lastRendered;
    let bySource = cache.get(record.source);
    if (!bySource) {
      bySource = new Map();
      cache.set(record.source, bySource);
    }
    let rendered = bySource.get(record.logType);
    if (rendered === undefined) {
      rendered = transform(
        template.replaceAll('{source}', record.source).replaceAll('{logType}', record.logType),
      );
      bySource.set(record.logType, rendered);
    }
    lastSource = record.source;
    lastLogType = record.logType;
    lastRendered = rendered;
    return rendered;
  };
}
