import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { FileDestinationConfig } from '../../config/destinations';
import { errorMessage } from '../../errors';
import type { BatchOutcome, Sink } from '../types';
import { createFileEncoder } from './encoder';

/** Stable code of a batch that could not be appended (disk full, permissions): it is retried like a network failure. */
export const FILE_WRITE_FAILED = 'FILE_WRITE_FAILED';

/**
 * A local destination that appends what would be sent to a file, for `sluice dev` and backfills with no
 * SIEM. Appends are serialized, so concurrent batches never interleave inside one another.
 */
export function createFileSink(config: FileDestinationConfig, cwd: string = process.cwd()): Sink {
  const path = resolve(cwd, config.path);
  const encoder = createFileEncoder(config.format);
  let ready: Promise<unknown> | undefined;
  let tail: Promise<unknown> = Promise.resolve();

  const append = (bytes: Buffer): Promise<void> => {
    ready ??= mkdir(dirname(path), { recursive: true });
    const write = tail.then(() => ready).then(() => appendFile(path, bytes));
    tail = write.catch(() => undefined);
    return write;
  };

  return {
    name: config.name,
    maxBatchBytes: config.maxBatchBytes,
    maxBatchRecords: config.maxBatchRecords,
    encodedSize: (record) => encoder.encodedSize(record),
    async deliver(batch, context): Promise<BatchOutcome> {
      if (batch.length === 0) return { delivered: [], rejected: [], failed: [] };
      const bytes = encoder.encode(batch);
      const started = Date.now();
      try {
        await append(bytes);
        context.observer?.request(config.name, {
          status: 200,
          bytes: bytes.length,
          durationMs: Date.now() - started,
        });
        return { delivered: batch, rejected: [], failed: [] };
      } catch (error) {
        ready = undefined;
        context.observer?.request(config.name, {
          status: 'network-error',
          bytes: bytes.length,
          durationMs: Date.now() - started,
        });
        return {
          delivered: [],
          rejected: [],
          failed: batch,
          failure: { code: FILE_WRITE_FAILED, message: `cannot append to ${path}: ${errorMessage(error)}` },
        };
      }
    },
  };
}
