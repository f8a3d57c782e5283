/**
 * Renders BENCHMARKS.md again from the measurements of the last `npm run bench` (bench/out/report.json),
 * e.g. after editing the report's wording: `node --import tsx bench/render.ts`. With `--cli`, only the
 * CLI section, from the last `npm run bench -- --cli` (bench/out/cli-report.json); with `--detections`,
 * only the detections section, from the last `npm run bench -- --detections` (bench/out/detections-report.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, OUT_DIR } from './lib/bundle';
import { renderCliRun, spliceCliSection, type CliRun } from './lib/cli-report';
import {
  renderDetectionsSection,
  spliceDetectionsSection,
  type DetectionsForwarderRun,
} from './lib/detections-report';
import { renderReport, type Report } from './lib/report';

const target = join(BENCH_DIR, '..', 'BENCHMARKS.md');
if (process.argv.includes('--cli')) {
  const run = JSON.parse(readFileSync(join(OUT_DIR, 'cli-report.json'), 'utf8')) as CliRun;
  writeFileSync(target, spliceCliSection(readFileSync(target, 'utf8'), renderCliRun(run)));
  console.log('wrote the CLI section of BENCHMARKS.md');
  process.exit(0);
}
if (process.argv.includes('--detections')) {
  const run = JSON.parse(
    readFileSync(join(OUT_DIR, 'detections-report.json'), 'utf8'),
  ) as DetectionsForwarderRun;
  writeFileSync(target, spliceDetectionsSection(readFileSync(target, 'utf8'), renderDetectionsSection(run)));
  console.log('wrote the detections section of BENCHMARKS.md');
  process.exit(0);
}
const saved = JSON.parse(readFileSync(join(OUT_DIR, 'report.json'), 'utf8')) as Report & {
  startedAt: string;
  finishedAt: string;
};
const report: Report = {
  ...saved,
  startedAt: new Date(saved.startedAt),
  finishedAt: new Date(saved.finishedAt),
};
writeFileSync(target, renderReport(report));
console.log('wrote BENCHMARKS.md');
