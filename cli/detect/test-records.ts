import { readFile, stat } from 'node:fs/promises';
import { MemoryAlertStore } from '../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../lambda/core/detections/engine';
import { readDetectionRecords } from '../../lambda/core/detections/read-records';
import type { DetectionRecord } from '../../lambda/core/detections/records';
import { RuleIndex } from '../../lambda/core/detections/rule-index';
import { parseRuleTestFile, runRuleTests, type CasePosition } from '../../lambda/core/detections/rule-tests';
import type { RuleSet } from '../../lambda/core/detections/sigma/rule-set';
import type { DetectionRule } from '../../lambda/core/detections/sigma/types';
import { MemoryWindowStore } from '../../lambda/core/detections/windows/memory-store';
import { SluiceError } from '../../lambda/core/errors';
import { readFileChunks } from '../forwarding/file-chunks';
import { formatBytes, table } from '../shared/format';
import { AlertLog, renderAlerts, type AlertSummary } from './alert-log';
import { BULK_FILE_INVALID } from './bulk-documents';
import type { DetectionTiming } from './config-rules';
import { lineOfOffset } from './line-of-offset';
import { logTypeOfPath } from './path-log-type';
import {
  HEC_FILE_INVALID,
  RecordFileReader,
  SEARCH_HITS_FILE_INVALID,
  type RecordFileFormat,
} from './record-file-reader';
import { displayPath, isRuleTestFile } from './rule-files';
import type { DetectionSource } from './sources';

/** Records are handed to the engine in batches of about this many (it counts the same however they are cut). */
export const DETECTION_BATCH_RECORDS = 10_000;

export interface RecordMatch {
  readonly file: string;
  /** Byte offset of the record in the (decompressed) file. */
  readonly offset: number;
  readonly id: string;
  readonly logType: string;
  /** Names (else keys) of the detection rules it matches. */
  readonly rules: readonly string[];
}

export interface CaseResult {
  readonly file: string;
  /** Where the case starts in its file. */
  readonly at?: CasePosition;
  readonly name: string;
  readonly failures: readonly string[];
}

export type { RecordFileFormat };

export interface RecordFileSummary {
  readonly file: string;
  readonly format: RecordFileFormat;
  readonly records: number;
  readonly unreadable: number;
  /**
   * `splunk-hec`: sourcetypes naming another source than the one read. Their records were read as
   * that one's, with the default log type: most often `--source` is wrong. Only when there are some.
   */
  readonly otherSourcetypes?: readonly string[];
}

export interface DetectTestReport {
  readonly source: string;
  readonly rules: number;
  readonly files: readonly RecordFileSummary[];
  readonly records: number;
  readonly bytes: number;
  /** Every record that matches a detection rule. */
  readonly matches: readonly RecordMatch[];
  readonly matchesPerRule: Readonly<Record<string, number>>;
  readonly alerts: readonly AlertSummary[];
  /** The cases of the rule test files given (`*.tests.yml`). */
  readonly cases: readonly CaseResult[];
  readonly failedCases: number;
}

export interface DetectTestRequest {
  readonly ruleSet: RuleSet;
  /** The configuration's dedupPeriod and lateness, as the forwarder counts with them. Default: the engine's. */
  readonly timing?: DetectionTiming;
  readonly source: DetectionSource;
  /** Absolute paths of record files and rule test files. */
  readonly files: readonly string[];
  readonly cwd: string;
  /** Log type of records that name none (default: from a layout path, else `unknown`). */
  readonly logType?: string;
  readonly maxRecordBytes: number;
  readonly maxObjectBytes: number;
}

/** The fix for a file read as envelopes that is not made of them only, by its error code. */
const ENVELOPE_FIXES: Readonly<Record<string, string>> = {
  [BULK_FILE_INVALID]:
    'give whole _bulk pairs (an action line, then its document; create, index or delete), or the records as NDJSON',
  [HEC_FILE_INVALID]: 'give HEC events only (one per line, each with its event), or the records as NDJSON',
  [SEARCH_HITS_FILE_INVALID]:
    'give search hits only (one per line, each with its _index and _source), or the records as NDJSON',
};

/** The error of a file read as envelopes, named at its `file:line`; any other error as it is. */
async function locateEnvelopeError(error: unknown, path: string, file: string): Promise<unknown> {
  if (!(error instanceof SluiceError) || !Object.hasOwn(ENVELOPE_FIXES, error.code)) return error;
  const line = await lineOfOffset(path, error.context.offset as number);
  return new SluiceError(
    error.code,
    `${file}:${line}: ${error.message}. Fix: ${ENVELOPE_FIXES[error.code]}`,
    {
      file,
      line,
    },
  );
}

export const ruleLabel = (rule: DetectionRule): string => rule.name ?? rule.key;

/**
 * Runs the rules on local records, for rule development: which records match which rule, and the
 * alerts that would fire over all of them (correlations count across files). Rule test files are
 * run as the pack's unit tests run them. Nothing is sent anywhere.
 */
export async function runDetectTest(request: DetectTestRequest): Promise<DetectTestReport> {
  const { ruleSet, source } = request;
  const store = new MemoryAlertStore();
  const engine = new DetectionEngine(new RuleIndex(ruleSet, [source.binding]), {
    windows: new MemoryWindowStore(),
    alerts: store,
    ...request.timing,
  });
  const log = new AlertLog(store);
  const matches: RecordMatch[] = [];
  const matchesPerRule: Record<string, number> = {};
  const files: RecordFileSummary[] = [];
  const cases: CaseResult[] = [];
  let bytes = 0;
  let batch: DetectionRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    await log.take(await engine.process(records, Date.now()));
  };

  for (const path of request.files) {
    const file = displayPath(path, request.cwd);
    if (isRuleTestFile(path)) {
      const testFile = parseRuleTestFile(file, await readFile(path, 'utf8'));
      for (const result of await runRuleTests(ruleSet, testFile)) cases.push({ file, ...result });
      continue;
    }
    const info = await stat(path);
    bytes += info.size;
    let records = 0;
    let unreadable = 0;
    const reader = new RecordFileReader(source.binding.name);
    const chunks = readDetectionRecords(
      readFileChunks(path),
      {
        source: source.reading,
        bucket: 'local',
        key: file,
        // As `sluice forward` names a local file: the same file gives the same record ids.
        eTag: `${info.size}-${Math.floor(info.mtimeMs)}`,
        logTypeFromKey: request.logType ?? logTypeOfPath(file) ?? 'unknown',
        eventTime: info.mtime,
        maxRecordBytes: request.maxRecordBytes,
        maxDecompressedBytes: request.maxObjectBytes,
      },
      reader.select,
    );
    try {
      for await (const chunk of chunks) {
        unreadable += chunk.invalid;
        for (const read of chunk.records) {
          // A `_bulk` document or a search hit keeps the id the forwarder gave it (its `_id`), not one of its place here.
          const id = reader.idOf(read.offset);
          const record = id === undefined ? read : { ...read, id };
          records += 1;
          const matched = engine.match(record).map(ruleLabel);
          for (const rule of matched) matchesPerRule[rule] = (matchesPerRule[rule] ?? 0) + 1;
          if (matched.length > 0)
            matches.push({
              file,
              offset: record.offset,
              id: record.id,
              logType: record.logType,
              rules: matched,
            });
          batch.push(record);
        }
        if (batch.length >= DETECTION_BATCH_RECORDS) await flush();
      }
      reader.finish();
    } catch (error) {
      throw await locateEnvelopeError(error, path, file);
    }
    const otherSourcetypes = reader.otherSourcetypes;
    files.push({
      file,
      format: reader.format,
      records,
      unreadable,
      ...(otherSourcetypes.length > 0 ? { otherSourcetypes } : {}),
    });
  }
  await flush();
  return {
    source: source.binding.name,
    rules: ruleSet.detections.length + ruleSet.correlations.length,
    files,
    records: files.reduce((sum, file) => sum + file.records, 0),
    bytes,
    matches,
    matchesPerRule,
    alerts: log.summaries(),
    cases,
    failedCases: cases.filter((result) => result.failures.length > 0).length,
  };
}

/** How the summary says files were read other than as records, e.g. "1 as Splunk HEC events, their event only". */
const READ_AS: Readonly<Record<Exclude<RecordFileFormat, 'records'>, string>> = {
  'elasticsearch-bulk': 'as Elasticsearch _bulk, its documents only',
  'splunk-hec': 'as Splunk HEC events, their event only',
  'elasticsearch-hits': 'as Elasticsearch search hits, their _source only',
};

function howRead(files: readonly RecordFileSummary[]): string[] {
  return Object.entries(READ_AS).flatMap(([format, how]) => {
    const count = files.filter((file) => file.format === format).length;
    return count > 0 ? [`${count} ${how}`] : [];
  });
}

export function renderDetectTest(report: DetectTestReport): string {
  const lines: string[] = [];
  if (report.files.length > 0) {
    const unreadable = report.files.reduce((sum, file) => sum + file.unreadable, 0);
    lines.push(
      `read ${report.records} record(s) from ${report.files.length} file(s) (${[formatBytes(report.bytes), ...howRead(report.files)].join('; ')}) as source ${report.source}${unreadable > 0 ? `; ${unreadable} unreadable` : ''}; ${report.rules} rule(s)`,
    );
    if (report.matches.length === 0) lines.push('no record matches a rule');
    else {
      lines.push(
        `${report.matches.length} record(s) match:`,
        table([
          ['file', 'byte', 'id', 'log type', 'rules'],
          ...report.matches.map((match) => [
            match.file,
            match.offset,
            match.id,
            match.logType,
            match.rules.join(', '),
          ]),
        ]),
      );
    }
    lines.push(renderAlerts(report.alerts));
  }
  if (report.cases.length > 0) {
    lines.push(
      `rule test cases: ${report.cases.length - report.failedCases} passed, ${report.failedCases} failed`,
    );
    for (const result of report.cases) {
      if (result.failures.length > 0)
        lines.push(
          `  FAIL ${result.file}${result.at ? `:${result.at.line}:${result.at.column}` : ''}: ${result.name}: ${result.failures.join('; ')}`,
        );
    }
  }
  return lines.join('\n');
}
