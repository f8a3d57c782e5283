import { SluiceError } from '../errors';
import type { ObjectRef } from '../notifications/object-ref';
import type { QuarantineEntry, QuarantineTarget, QuarantineWriter } from './ports';
import { entryIdentity, quarantineLines, quarantineName, storedIdentities } from './quarantine-format';

/** A name that was taken, then gone when read back, this many times in a row: something deletes them. */
const MAX_VANISHED = 3;

export interface ObjectQuarantineOptions {
  readonly writer: QuarantineWriter;
  readonly source: string;
  readonly object: ObjectRef;
  /** The ETag of the bytes being read (the same one record ids hash). */
  readonly eTag: string;
  /** Stamps `quarantinedAt`. */
  readonly now: () => Date;
}

/**
 * The quarantine of one object's bytes, written once however often they are read. Its files form a
 * chain, `<object>-0.json`, `<object>-1.json`, …, each created only if its name is free. A name that
 * is taken was written by an earlier read (a retry, a redrive, a replay, or a concurrent receive of
 * the same message): its entries are read back, and only the entries of this read that no file holds
 * yet (by offset and destination) go on to the next free name. So each bad record is stored and
 * counted once, and none is ever dropped because its neighbours were stored before.
 *
 * One instance per read of an object: it remembers the chain it has walked.
 */
export class ObjectQuarantine {
  private readonly stored = new Set<string>();
  private nextPart = 0;
  private readonly target: QuarantineTarget;

  constructor(private readonly options: ObjectQuarantineOptions) {
    this.target = { source: options.source, object: options.object };
  }

  /** Stores the entries no earlier read stored, and returns them (the new ones, in order). */
  async write(entries: readonly QuarantineEntry[]): Promise<QuarantineEntry[]> {
    const { writer, source, object, eTag } = this.options;
    let pending = this.notStored(entries);
    let vanished = 0;
    while (pending.length > 0) {
      const name = quarantineName(source, object, eTag, this.nextPart);
      const body = quarantineLines(pending, { ...object, eTag }, this.options.now());
      if (await writer.create(name, body, this.target)) {
        for (const entry of pending) this.stored.add(entryIdentity(entry));
        this.nextPart += 1;
        return pending;
      }
      const existing = await writer.read(name, this.target);
      if (existing === undefined) {
        vanished += 1;
        if (vanished >= MAX_VANISHED) {
          throw new SluiceError(
            'QUARANTINE_CONFLICT',
            `quarantine file ${name} exists when written and is gone when read, ${vanished} times: is something deleting quarantine files as they are written?`,
            { name, bucket: object.bucket, key: object.key },
          );
        }
        continue;
      }
      vanished = 0;
      for (const identity of storedIdentities(existing)) this.stored.add(identity);
      this.nextPart += 1;
      pending = this.notStored(pending);
    }
    return [];
  }

  /** Entries no file of the chain holds yet, each once. */
  private notStored(entries: readonly QuarantineEntry[]): QuarantineEntry[] {
    const seen = new Set<string>();
    return entries.filter((entry) => {
      const identity = entryIdentity(entry);
      if (this.stored.has(identity) || seen.has(identity)) return false;
      seen.add(identity);
      return true;
    });
  }
}
