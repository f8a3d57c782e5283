import type { FileDestinationConfig } from '../../config/destinations';
import type { OutboundRecord } from '../../records/types';
import { BodyWriter } from '../body-writer';
import { createBulkEncoder } from '../elasticsearch/encoder';
import { createHecEncoder } from '../splunk-hec/encoder';

export interface FileEncoder {
  encode(batch: readonly OutboundRecord[]): Buffer;
  encodedSize(record: OutboundRecord): number;
}

/** Each record as read, one per line. */
function ndjsonEncoder(): FileEncoder {
  return {
    encode(batch) {
      let estimate = 0;
      for (const record of batch) estimate += record.bytes.length + 1;
      const writer = new BodyWriter(estimate);
      for (const record of batch) {
        writer.writeBytes(record.bytes);
        writer.write('\n');
      }
      return writer.bytes();
    },
    encodedSize: (record) => record.bytes.length + 1,
  };
}

/**
 * What a destination would be sent, with the same encoders the network sinks use and their default
 * settings: HEC events (`sourcetype` `{source}:{logType}`) or `_bulk` pairs (`logs-{source}.{logType}-default`).
 */
export function createFileEncoder(format: FileDestinationConfig['format']): FileEncoder {
  switch (format) {
    case 'ndjson':
      return ndjsonEncoder();
    case 'splunk-hec':
      return createHecEncoder({ sourcetype: '{source}:{logType}' });
    case 'elasticsearch-bulk':
      return createBulkEncoder({
        index: 'logs-{source}.{logType}-default',
        indexByLogType: {},
        documentIds: 'record',
      });
  }
}
