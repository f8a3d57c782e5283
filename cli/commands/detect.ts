import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { CommandFailed, usageError } from '../shared/errors';
import { listenForStop } from '../shared/stop-signal';
import { parseTimeArg } from '../shared/time-arg';
import type { Runner } from './runner';

interface RulesOption {
  rules?: string[];
}

interface TestOptions extends RulesOption {
  source?: string;
  logType?: string;
}

interface BacktestOptions extends RulesOption {
  from: string;
  to: string;
  source?: string[];
  logType?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Record limits as the forwarder's: the configuration's when there is one, else its defaults. */
const DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 ** 3;

function limitsOf(context: CommandContext): { maxRecordBytes: number; maxObjectBytes: number } {
  const forwarder = context.optionalConfig()?.config.forwarder;
  return {
    maxRecordBytes: forwarder?.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    maxObjectBytes: forwarder?.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES,
  };
}

const RULES_HELP = 'also load the rules in this folder (repeatable)';
const RULES_DEFAULT = "the configuration's detections.packs and .rules, else the shipped rule packs";

/**
 * The compiled rules, or every problem on stderr (`file:line:column: reason`) and exit code 1. With
 * `--json`, stdout holds the report `detect validate --json` prints: a script reading it finds the
 * problems there rather than an empty stdout.
 */
function ruleSetOrFail<T, R extends { readonly problems: readonly { readonly message: string }[] }>(
  context: CommandContext,
  validated: { readonly ruleSet?: T; readonly report: R },
): T {
  if (validated.ruleSet) return validated.ruleSet;
  const { report } = validated;
  if (context.output.json) context.output.result(report, () => '');
  throw new CommandFailed(report.problems.map((problem) => problem.message).join('\n'), 1);
}

export function registerDetect(program: Command, run: Runner): void {
  const detect = program
    .command('detect')
    .description(
      'Sigma detection rules: check they compile, run them on local records, backtest them on a time range of the bucket',
    )
    .addHelpText(
      'after',
      `
Rules are Sigma YAML (one or more documents per file); <rule>.tests.yml files beside them are rule
tests. Unless rules are named, the configuration's detections are used (its packs and rules, read
as cdk synth reads them), else the rule packs shipped with sluice (its detections/ folder); --rules
folders are loaded as well. Alerts are counted with the configuration's dedupPeriod and lateness.
Nothing here sends an alert: the deployed forwarder runs the configuration's detections.`,
    );

  detect
    .command('validate')
    .description(
      'Compile rules; print file:line:column: reason for every problem, and warn about rules no source runs',
    )
    .argument('[rules...]', `rule files or folders (default: ${RULES_DEFAULT})`)
    .option('--rules <dir>', RULES_HELP, collect)
    .addHelpText(
      'after',
      `
Rules are bound to the configuration's sources (logsource product = a source's preset or name,
service = the log type); without a configuration that check is skipped.
Exit code: 0 when every rule compiles, 1 otherwise, 2 when a path does not exist or holds no rule file.`,
    )
    .action(
      run(async (context: CommandContext, options: RulesOption, paths: string[]) => {
        const { detectRules, validateRules, configuredSources, renderValidate, unboundReason } =
          await import('./deps/detect.js');
        const config = context.optionalConfig();
        const { files } = detectRules({ paths, extra: options.rules }, config, context.io.cwd);
        const sources = config ? configuredSources(config.config).map((source) => source.binding) : undefined;
        const { report } = validateRules(files, sources);
        for (const rule of report.unbound)
          context.output.warn(unboundReason(rule, report.sources ?? []), { rule: rule.rule });
        context.output.result(report, renderValidate);
        if (report.problems.length > 0) throw new CommandFailed('', 1);
      }),
    );

  detect
    .command('test')
    .description(
      'Run rules on local records (NDJSON, pretty-printed JSON, gzip): which records match which rule, and the alerts that would fire',
    )
    .argument('<rules>', 'a rule file or folder')
    .argument(
      '<files...>',
      'record files, or folders walked for *.json, *.ndjson, *.jsonl, *.log (gzip too); *.tests.yml files are run as rule tests',
    )
    .option(
      '--source <name>',
      "the records' source: a configured source, a vendor preset or a product the rules name (default: the configuration's only source, else the rules' product)",
    )
    .option(
      '--log-type <type>',
      'log type of records that name none, nor does their HEC sourcetype (default: from a layout path, else unknown)',
    )
    .option('--rules <dir>', RULES_HELP, collect)
    .addHelpText(
      'after',
      `
Records are read as the forwarder reads them (record ids, log types, event times); correlations
count across all the files. Alerts are reported, never sent. A file is read as what a destination
was sent when its first line is one of these (the file destination's formats, or exports):
  Elasticsearch _bulk action ({"create":…}, {"index":…}): the documents, each with its action's _id
  Splunk HEC event ({"sourcetype":…,"event":{…}}): each event, with the log type of a sourcetype
    <source>:<logType> of the source read (else --log-type)
  Elasticsearch search hit ({"_index":…,"_id":…,"_source":{…}}: _search, elasticdump): each
    _source, with its _id
With --json, rules that do not compile are reported on stdout as detect validate --json does.
Exit code: 0; 1 when a rule does not compile, a rule test file is invalid or one of its cases
fails, or a file read as envelopes holds a line that is not one (or a _bulk file is not whole
pairs); 2 when a path does not exist, or no record file or rule test file is found.`,
    )
    .action(
      run(async (context: CommandContext, options: TestOptions, args: string[]) => {
        const {
          detectRules,
          validateRules,
          configuredSources,
          chooseSource,
          detectTestInputs,
          misnamedHint,
          runDetectTest,
          renderDetectTest,
        } = await import('./deps/detect.js');
        const [rules, ...paths] = args;
        const config = context.optionalConfig();
        const { files: ruleFiles, timing } = detectRules(
          { paths: [rules], extra: options.rules },
          config,
          context.io.cwd,
        );
        const ruleSet = ruleSetOrFail(context, validateRules(ruleFiles, undefined));
        const source = chooseSource(
          options.source,
          config ? configuredSources(config.config) : [],
          ruleSet,
          config?.path,
        );
        const { files, misnamed } = detectTestInputs(paths, context.io.cwd);
        if (misnamed.length > 0) context.output.warn(misnamedHint(misnamed), { files: misnamed });
        const report = await runDetectTest({
          ruleSet,
          timing,
          source,
          files,
          cwd: context.io.cwd,
          logType: options.logType,
          ...limitsOf(context),
        });
        for (const file of report.files)
          if (file.otherSourcetypes)
            context.output.warn(
              `${file.file}: HEC events of sourcetype ${file.otherSourcetypes.join(', ')} are not of source ${report.source}, yet were read as its records (log type: as for records that name none). Fix: test them in a run of their own with --source ${[...new Set(file.otherSourcetypes.map((sourcetype) => sourcetype.split(':')[0]))].join(' or ')}`,
              { file: file.file, sourcetypes: file.otherSourcetypes },
            );
        context.output.result(report, renderDetectTest);
        if (report.failedCases > 0) throw new CommandFailed('', 1);
      }),
    );

  detect
    .command('backtest')
    .description(
      "Run the rules over a time range of the bucket's objects, as the forwarder would have: report the alerts, send none",
    )
    .requiredOption(
      '--from <time>',
      'start (inclusive): ISO 8601 UTC (2024-02-01T18:50Z), or a duration ago (6h, 7d)',
    )
    .requiredOption(
      '--to <time>',
      "end (exclusive, minute resolution): ISO 8601 UTC, 'now' or a duration ago",
    )
    .option(
      '--source <name>',
      'only this source (repeatable; default: every source of the configuration)',
      collect,
    )
    .option('--log-type <type>', 'only this log type (repeatable; default: every log type found)', collect)
    .option('--rules <dir>', RULES_HELP, collect)
    .addHelpText(
      'after',
      `
Only the key layout's time prefixes of the range are listed, as sluice replay lists them; each
object is read as the forwarder reads it and counted in memory (correlations across objects and
log types). Alerts are reported and never sent. Needs the configuration (its sources) and the
deployment's bucket (SLUICE_BUCKET alone is enough: no queue is used). Ctrl-C stops it and reports
what was read.
Exit code: 0 (alerts that would fire are no failure, nor a Ctrl-C), 1 when a rule does not compile or
the bucket cannot be read, 2 bad usage or configuration, 130 on a second Ctrl-C (exits at once).`,
    )
    .action(
      run(async (context: CommandContext, options: BacktestOptions) => {
        const {
          detectRules,
          validateRules,
          configuredSources,
          S3ObjectSource,
          backtest,
          renderBacktest,
          unmatchedLogTypeWarnings,
        } = await import('./deps/detect.js');
        const now = new Date();
        const from = parseTimeArg(options.from, now, '--from');
        const to = parseTimeArg(options.to, now, '--to');
        if (to <= from)
          throw usageError(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);
        const cli = context.config();
        const { files: ruleFiles, timing } = detectRules({ extra: options.rules }, cli, context.io.cwd);
        const ruleSet = ruleSetOrFail(context, validateRules(ruleFiles, undefined));
        const all = configuredSources(cli.config);
        const unknown = (options.source ?? []).filter(
          (name) => !all.some((source) => source.binding.name === name),
        );
        if (unknown.length > 0)
          throw usageError(
            `source '${unknown[0]}' is not in ${cli.path}. Fix: use one of ${all.map((source) => source.binding.name).join(', ')}`,
          );
        const sources = options.source
          ? all.filter((source) => options.source!.includes(source.binding.name))
          : all.filter((source) => !source.implicit);
        const bucket = await context.deploymentBucket();
        const stop = listenForStop(
          context.io,
          context.output,
          'finishing the object in progress, then reporting what was read',
        );
        const progress = context.output.progress('backtest');
        try {
          const report = await backtest({
            s3: context.aws.s3,
            objects: new S3ObjectSource(context.aws.s3),
            bucket,
            ruleSet,
            timing,
            sources,
            from,
            to,
            logTypes: options.logType,
            ...limitsOf(context),
            onProgress: (objects, key) => progress.update(objects, key),
            shouldStop: () => stop.requested,
          });
          progress.stop();
          for (const { message, logType } of unmatchedLogTypeWarnings(report.unmatchedLogTypes))
            context.output.warn(message, { logType });
          context.output.result(report, renderBacktest);
        } finally {
          stop.dispose();
        }
      }),
    );
}
