import { readFileSync, writeFileSync } from 'node:fs';
import type { VendorObject } from './objects';

/**
 * Generated workloads are written once per run (under bench/out, deleted at the end) and read by
 * every child that needs them, rather than generated again by each: gzip at level 6 and
 * pretty-printing cost more than forwarding does.
 */
interface Entry extends Omit<VendorObject, 'body'> {
  readonly start: number;
  readonly end: number;
}

export function writeWorkload(path: string, objects: readonly VendorObject[]): void {
  let offset = 0;
  const entries: Entry[] = objects.map(({ body, ...rest }) => {
    const entry = { ...rest, start: offset, end: offset + body.length };
    offset += body.length;
    return entry;
  });
  writeFileSync(`${path}.json`, JSON.stringify(entries));
  writeFileSync(`${path}.bin`, Buffer.concat(objects.map((object) => object.body)));
}

export function readWorkload(path: string): VendorObject[] {
  const entries = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Entry[];
  const bodies = readFileSync(`${path}.bin`);
  return entries.map(({ start, end, ...rest }) => ({ ...rest, body: bodies.subarray(start, end) }));
}
