import { readFileSync } from 'node:fs';

/**
 * The least a forwarder of these files can do in Node: read each file and `JSON.parse` every line
 * (no output). Run as `node parse-files.js FILE…` and measured from outside, start-up included.
 */
let records = 0;
for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, 'utf8');
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      JSON.parse(text.slice(start, end));
      records += 1;
    }
    start = end + 1;
  }
}
process.stdout.write(`${records}\n`);
