import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryAlertStore } from '../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../lambda/core/detections/engine';
import type { DetectionRecord } from '../../lambda/core/detections/records';
import { RuleIndex } from '../../lambda/core/detections/rule-index';
import { compileRuleSet } from '../../lambda/core/detections/sigma/rule-set';
import { MemoryWindowStore } from '../../lambda/core/detections/windows/memory-store';
import { strongDmRecords, type LogType } from '../data/strongdm';
import { serveOnce } from '../lib/child';

/**
 * The StrongDM rule pack's cost per record, beside the floor (parse + serialize each record, as
 * bench/children/floor.ts). Records are generated as the forwarder benchmark's are (70 % queries,
 * 20 % activities, 10 % replays), grouped in objects of one log type and 1,000 records.
 *
 * * **match**: what the pack's compiled predicates add to the floor when they run on each record
 *   right after it is parsed (the forwarder hands detection the value its reader parsed).
 * * **engine**: `DetectionEngine.process` per object with in-memory stores: matching, the query
 *   burst correlation counting every query, alert registration. The DynamoDB round trips of the
 *   deployed stage are not in it. Alert documents are built when read: **engine with documents**
 *   reads every outcome's (an opening is routed; whether updates are is the router's choice).
 *
 * Run in the bench (`runChild(bundle('children/detections.ts'), input)`), or alone:
 * `node --import tsx bench/children/detections.ts [rule-dir]` prints the result.
 */
export interface DetectionsInput {
  readonly records: number;
  readonly seed: number;
  readonly repeats: number;
  /** Default: the shipped pack, `detections/strongdm`. */
  readonly packDir?: string;
}

export interface DetectionsOutput {
  readonly records: number;
  readonly rules: number;
  /** Parse and serialize each record. */
  readonly floorNsPerRecord: number;
  /** What running the pack's predicates adds to the floor, per record. */
  readonly matchNsPerRecord: number;
  /** `DetectionEngine.process` per record (records already parsed), in-memory stores. */
  readonly engineNsPerRecord: number;
  /** match ÷ floor. */
  readonly matchShareOfFloor: number;
  /** engine ÷ floor. */
  readonly engineShareOfFloor: number;
  /** The same, with every outcome's alert document built (the engine builds one only when it is read). */
  readonly engineWithDocumentsNsPerRecord: number;
  /** CPU time (user + system, GC threads included) of the engine, and with every document built. */
  readonly engineCpuNsPerRecord: number;
  readonly engineWithDocumentsCpuNsPerRecord: number;
  readonly matchesPerRule: Readonly<Record<string, number>>;
  readonly alertsOpened: number;
  readonly alertsUpdated: number;
}

const OBJECT_RECORDS = 1_000;

function fastestNs(repeats: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i += 1) {
    const started = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - started));
  }
  return best;
}

export async function measureDetections(input: DetectionsInput): Promise<DetectionsOutput> {
  const packDir = input.packDir ?? resolve(__dirname, '../../detections/strongdm');
  const files = readdirSync(packDir).filter((name) => name.endsWith('.yml') && !name.endsWith('.tests.yml'));
  const ruleSet = compileRuleSet(
    files.map((name) => ({ path: name, text: readFileSync(join(packDir, name), 'utf8') })),
  );
  const index = new RuleIndex(ruleSet, [{ name: 'strongdm', preset: 'strongdm' }]);

  // Objects of one log type each, in the generator's proportions.
  const generator = strongDmRecords(input.seed);
  const objects: { logType: LogType; lines: string[] }[] = [];
  for (let made = 0; made < input.records; made += OBJECT_RECORDS) {
    const first = generator.next();
    const lines = [JSON.stringify(first)];
    while (lines.length < OBJECT_RECORDS) lines.push(JSON.stringify(generator.of(first.logType)));
    objects.push({ logType: first.logType, lines });
  }
  const records = objects.reduce((sum, object) => sum + object.lines.length, 0);
  const parsed = objects.map((object) => ({
    logType: object.logType,
    values: object.lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  }));
  // The generator draws a new account id per record; a deployment has one per person, which is
  // what the per-account correlations group by.
  for (const object of parsed) {
    for (const value of object.values) {
      if (typeof value.actorEmail === 'string') value.actorAccountID = `a-${value.actorEmail}`;
    }
  }

  let sink = 0;
  const floor = () => {
    for (const object of objects)
      for (const line of object.lines) sink += JSON.stringify(JSON.parse(line)).length;
  };
  // The same, with the pack run on each record right after it is parsed (as the forwarder would,
  // on the value its reader parsed: still in the CPU's cache).
  const floorWithMatch = () => {
    for (const object of objects) {
      const { rules } = index.rulesFor('strongdm', object.logType);
      for (const line of object.lines) {
        const value = JSON.parse(line) as Record<string, unknown>;
        for (let r = 0; r < rules.length; r += 1) if (rules[r].matches(value)) sink += 1;
        sink += JSON.stringify(value).length;
      }
    }
  };
  const matchesPerRule: Record<string, number> = {};
  for (const object of parsed) {
    const { rules } = index.rulesFor('strongdm', object.logType);
    for (const value of object.values) {
      for (const rule of rules)
        if (rule.matches(value)) matchesPerRule[rule.title] = (matchesPerRule[rule.title] ?? 0) + 1;
    }
  }
  // Warm up both, then alternate them (a busy machine slows both alike) and keep the fastest of each.
  floor();
  floorWithMatch();
  let floorNs = Number.POSITIVE_INFINITY;
  let withMatchNs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < input.repeats * 3; i += 1) {
    floorNs = Math.min(floorNs, fastestNs(1, floor));
    withMatchNs = Math.min(withMatchNs, fastestNs(1, floorWithMatch));
  }
  const matchNs = Math.max(0, withMatchNs - floorNs);

  const toRecords = (object: (typeof parsed)[number], o: number): DetectionRecord[] =>
    object.values.map((value, i) => ({
      id: `${o}-${i}`,
      source: 'strongdm',
      logType: object.logType,
      eventTimeMs: Date.parse(String(value.timestamp)),
      bucket: 'bench',
      key: `sdm/${object.logType}/${o}.json`,
      offset: i,
      value,
    }));
  const batches = parsed.map(toRecords);
  /** One pass of the engine over every object; `documents` also builds every outcome's alert document. */
  const runEngine = async (
    documents: boolean,
  ): Promise<{ ns: number; cpuNs: number; opened: number; updated: number }> => {
    const alerts = new MemoryAlertStore();
    const engine = new DetectionEngine(index, { windows: new MemoryWindowStore(), alerts });
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    let opened = 0;
    let updated = 0;
    for (const batch of batches) {
      for (const outcome of await engine.process(batch, batch[batch.length - 1].eventTimeMs)) {
        if (documents) sink += outcome.alert.records.length;
        // As the router does once it delivered the opening.
        if (outcome.kind === 'opened') {
          opened += 1;
          await alerts.markNotified(outcome.dedupKey);
        } else updated += 1;
      }
    }
    const ns = Number(process.hrtime.bigint() - started);
    const used = process.cpuUsage(cpu);
    return { ns, cpuNs: (used.user + used.system) * 1000, opened, updated };
  };
  // The first run of each warms up; then alternate them and keep the fastest of each.
  await runEngine(false);
  await runEngine(true);
  let engineNs = Number.POSITIVE_INFINITY;
  let documentsNs = Number.POSITIVE_INFINITY;
  let engineCpuNs = Number.POSITIVE_INFINITY;
  let documentsCpuNs = Number.POSITIVE_INFINITY;
  let alertsOpened = 0;
  let alertsUpdated = 0;
  for (let repeat = 0; repeat < Math.max(2, input.repeats); repeat += 1) {
    const run = await runEngine(false);
    engineNs = Math.min(engineNs, run.ns);
    engineCpuNs = Math.min(engineCpuNs, run.cpuNs);
    const withDocuments = await runEngine(true);
    documentsNs = Math.min(documentsNs, withDocuments.ns);
    documentsCpuNs = Math.min(documentsCpuNs, withDocuments.cpuNs);
    alertsOpened = run.opened;
    alertsUpdated = run.updated;
  }
  if (sink === 0) throw new Error('nothing was measured');
  return {
    records,
    rules: ruleSet.detections.length + ruleSet.correlations.length,
    floorNsPerRecord: Math.round(floorNs / records),
    matchNsPerRecord: Math.round(matchNs / records),
    engineNsPerRecord: Math.round(engineNs / records),
    matchShareOfFloor: Math.round((matchNs / floorNs) * 1000) / 1000,
    engineShareOfFloor: Math.round((engineNs / floorNs) * 1000) / 1000,
    engineWithDocumentsNsPerRecord: Math.round(documentsNs / records),
    engineCpuNsPerRecord: Math.round(engineCpuNs / records),
    engineWithDocumentsCpuNsPerRecord: Math.round(documentsCpuNs / records),
    matchesPerRule,
    alertsOpened,
    alertsUpdated,
  };
}

if (process.send) {
  serveOnce<DetectionsInput, DetectionsOutput>(measureDetections);
} else {
  // Optional argument: another rule directory (e.g. the pack without one rule, to see its share).
  measureDetections({ records: 100_000, seed: 7, repeats: 5, packDir: process.argv[2] }).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
