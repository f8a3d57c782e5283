import type { OutboundRecord } from '../../records/types';
import { createTemplateRenderer } from '../template';

export interface StreamOptions {
  /** `{source}` / `{logType}` template. */
  readonly streamName: string;
  readonly streamByLogType: Readonly<Record<string, string>>;
}

/** The DCR stream of a record: its log type's own template, else the destination's. */
export function createStreamResolver(options: StreamOptions): (record: OutboundRecord) => string {
  const fallback = createTemplateRenderer(options.streamName);
  const perLogType = new Map(
    Object.entries(options.streamByLogType).map(([logType, template]) => [
      logType,
      createTemplateRenderer(template),
    ]),
  );
  return (record) => (perLogType.get(record.logType) ?? fallback)(record);
}
