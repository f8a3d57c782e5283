/**
 * Renders BENCHMARKS.md again from the measurements of the last `npm run bench` (bench/out/report.json),
 * e.g. after editing the report's wording: `node --import tsx bench/render.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, OUT_DIR } from './lib/bundle';
import { renderReport, type Report } from './lib/report';

const saved = JSON.parse(readFileSync(join(OUT_DIR, 'report.json'), 'utf8')) as Report & {
  startedAt: string;
  finishedAt: string;
};
const report: Report = {
  ...saved,
  startedAt: new Date(saved.startedAt),
  finishedAt: new Date(saved.finishedAt),
};
writeFileSync(join(BENCH_DIR, '..', 'BENCHMARKS.md'), renderReport(report));
console.log('wrote BENCHMARKS.md');
