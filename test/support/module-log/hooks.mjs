// Module customization hooks for register.mjs: one line per loaded module URL.
import { appendFileSync } from 'node:fs';

let logPath;

export function initialize(path) {
  logPath = path;
}

export async function load(url, context, nextLoad) {
  if (logPath) appendFileSync(logPath, `${url}\n`);
  return nextLoad(url, context);
}
