/**
 * Each part of the docs check (docs.test.ts) catches what it is there for: shown on small pages
 * with one mistake each.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { configJsonSchema } from '../../../lambda/core/config/json-schema';
import { cliReference } from '../../../scripts/docs/cli-reference';
import { configReference, type JsonSchemaNode } from '../../../scripts/docs/config-reference';
import { generatedPart, replaceGeneratedPart } from '../../../scripts/docs/markers';
import { githubSlug } from '../../../scripts/docs/slug';
import { commandLines, refusal, type CommandLine } from '../../support/docs/command-lines';
import { checkConfigExample, configExamples, NOT_CONFIG } from '../../support/docs/config-examples';
import { brokenLinks, type ReadPage } from '../../support/docs/links';
import { anchors, sluggerAfter } from '../../../scripts/docs/markdown';
import { staleGeneratedPart } from '../../support/docs/pages';
import { simpleCommands } from '../../support/docs/shell';

const fence = '```';

describe('generated parts of a page', () => {
  const page = [
    '# Title',
    'Prose before.',
    '<!-- generated:demo:start -->',
    'old part',
    '<!-- generated:demo:end -->',
    'Prose after.',
  ].join('\n');

  it('are replaced between their markers, the prose around them kept byte for byte', () => {
    const next = replaceGeneratedPart(page, 'demo', 'new part\nline two\n', 'demo.md');
    assert.equal(
      next,
      '# Title\nProse before.\n<!-- generated:demo:start -->\nnew part\nline two\n<!-- generated:demo:end -->\nProse after.',
    );
    assert.equal(generatedPart(next, 'demo', 'demo.md'), 'new part\nline two');
  });

  it('need both markers, once each', () => {
    assert.throws(
      () => replaceGeneratedPart('# Title', 'demo', 'x', 'demo.md'),
      /generated:demo:start.*exactly once/,
    );
    assert.throws(
      () => replaceGeneratedPart(`${page}\n<!-- generated:demo:start -->`, 'demo', 'x', 'demo.md'),
      /found several/,
    );
    assert.throws(
      () => generatedPart('<!-- generated:demo:start -->\nx', 'demo', 'demo.md'),
      /generated:demo:end --> exactly once/,
    );
  });

  it('are reported out of date, with the fix, when a fresh generation differs', () => {
    const stale = staleGeneratedPart({ path: 'demo.md', text: page }, 'demo', 'new part');
    assert.match(
      stale ?? '',
      /demo part of demo\.md is out of date .*"old part", expected "new part".*npm run docs/,
    );
    assert.equal(staleGeneratedPart({ path: 'demo.md', text: page }, 'demo', 'old part\n'), undefined);
  });
});

describe('the configuration reference', () => {
  const schema = z.strictObject({
    name: z.string().describe('What it is called.'),
    retries: z.number().int().min(0).max(10).default(3).describe('Attempts after the first. Default: `3`.'),
    mode: z.enum(['fast', 'safe']).default('safe').describe('How it runs. Default: `safe`.'),
    collectors: z
      .array(
        z.discriminatedUnion('type', [
          z.strictObject({
            type: z.literal('okta').describe('Okta.'),
            domain: z.string().describe('Org domain.'),
          }),
          z.strictObject({
            type: z.literal('github').describe('GitHub.'),
            org: z.string().optional().describe('Organization. Default: every one the token sees.'),
          }),
        ]),
      )
      .default([])
      .describe('Pollers. Default: `[]`.'),
  });
  const reference = configReference(z.toJSONSchema(schema, { io: 'input' }) as JsonSchemaNode);

  it('has a row per field: type or allowed values, default, meaning', () => {
    assert.match(reference, /^\| `name` \| string \| required \| What it is called\. \|$/m);
    assert.match(reference, /^\| `retries` \| integer 0–10 \| `3` \| Attempts after the first\. \|$/m);
    assert.match(reference, /^\| `mode` \| `fast` \\\| `safe` \| `safe` \| How it runs\. \|$/m);
  });

  it('has a table per object, union variants included, each linked from where it is used', () => {
    assert.match(reference, /^### `collectors\[\]` with `"type": "okta"`$/m);
    assert.match(reference, /^\| `domain` \| string \| required \| Org domain\. \|$/m);
    assert.match(reference, /^\| `org` \| string \| every one the token sees \| Organization\. \|$/m);
    assert.match(reference, /\[`collectors\[\]` with `"type": "github"`\]\(#collectors-with-type-github\)/);
  });

  it("links its tables by the anchors GitHub gives them below the page's own headings", () => {
    const below = configReference(
      z.toJSONSchema(schema, { io: 'input' }) as JsonSchemaNode,
      sluggerAfter('# Configuration\n## Top level\nHand-written.\n'),
    );
    assert.match(below, /^\* \[Top level\]\(#top-level-1\)$/m);
    assert.match(reference, /^\* \[Top level\]\(#top-level\)$/m);
  });

  it('of the real schema covers every destination type', () => {
    const real = configReference(configJsonSchema() as JsonSchemaNode);
    for (const type of ['splunk-hec', 'elasticsearch', 'https', 'sentinel', 'file']) {
      assert.match(real, new RegExp(`^### \`destinations\\[\\]\` with \`"type": "${type}"\`$`, 'm'), type);
    }
  });
});

describe('the CLI reference', () => {
  it("holds each command's own --help, 80 columns wide", async () => {
    const reference = await cliReference();
    assert.match(reference, /^## `sluice replay`\n\n```text\nUsage: sluice replay \[options\]$/m);
    assert.match(reference, /^ {2}--from <time> {2,}start \(inclusive\)/m);
    const lines = reference.split('\n');
    assert.ok(
      lines.every((text) => text === text.trimEnd()),
      'no trailing spaces',
    );
    assert.ok(
      lines.filter((text) => text.startsWith('  -')).every((text) => text.length <= 80),
      'options wrap at 80',
    );
  });
});

describe('JSON examples', () => {
  const STRONGDM = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };
  const SPLUNK = {
    type: 'splunk-hec',
    name: 'splunk',
    url: 'https://splunk.example.com:8088',
    tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hec-AbCdEf',
  };
  const check = (value: unknown) => checkConfigExample(JSON.stringify(value, null, 2));

  it('a whole configuration passes the validator the code uses, rules between fields included', () => {
    assert.deepEqual(check({ sources: [STRONGDM], destinations: [SPLUNK] }), {
      as: 'whole configuration',
      problems: [],
    });
    assert.match(check({ sources: [STRONGDM], destinaitons: [] }).problems.join('\n'), /destinaitons/);
    const overlapping = check({ sources: [STRONGDM, { ...STRONGDM, name: 'more', prefix: 'sdm/logs/x' }] });
    assert.match(overlapping.problems.join('\n'), /sources\[1\]\.prefix: .*overlaps/);
  });

  it('a whole configuration with a file destination passes the CLI validator, and only it', () => {
    const local = { sources: [STRONGDM], destinations: [{ type: 'file', name: 'out', path: 'out.ndjson' }] };
    assert.deepEqual(check(local).problems, []);
    assert.match(check(local).as, /CLI/);
    const misspelt = { ...local, destinations: [{ type: 'file', name: 'out', pth: 'out.ndjson' }] };
    assert.match(check(misspelt).problems.join('\n'), /pth/);
  });

  it('a part is valid against the part of the schema it shows', () => {
    assert.deepEqual(check(SPLUNK), { as: 'destinations[] (type splunk-hec)', problems: [] });
    assert.deepEqual(check({ ...STRONGDM, ingest: {} }), { as: 'sources[]', problems: [] });
    assert.deepEqual(check({ forwarder: { memoryMb: 1024 } }), {
      as: 'top level (part of a file)',
      problems: [],
    });
  });

  it('a part with a bad field or value is refused, naming the part it fits best and the field', () => {
    const misspelt = check({ ...SPLUNK, tokenSecret: 'abc' });
    assert.equal(misspelt.as, 'destinations[] (type splunk-hec)');
    assert.match(misspelt.problems.join('\n'), /additional properties: 'tokenSecret'/);
    const small = check({ memoryMb: 100, maxRecordBytes: 8388608 });
    assert.equal(small.as, 'forwarder');
    assert.match(small.problems.join('\n'), /\/memoryMb must be >= 256/);
    assert.notDeepEqual(check(42).problems, []);
  });

  it('a block that is not JSON is refused with the way to mark it', () => {
    assert.match(checkConfigExample('').problems.join(''), /not-config/);
    assert.match(
      checkConfigExample('{ "type": "splunk-hec", … }').problems.join(''),
      /not valid JSON.*not-config/,
    );
  });

  it('only ```json blocks are examples, and not those marked <!-- not-config -->', () => {
    const page = [
      `${fence}json`,
      '{ "memoryMb": 512 }',
      fence,
      '',
      NOT_CONFIG,
      `${fence}json`,
      '{"ok":true,"code":"OK"}',
      fence,
      `${fence}jsonc`,
      '{ "a": 1 } // an answer',
      fence,
    ].join('\n');
    assert.deepEqual(configExamples(page), [{ body: '{ "memoryMb": 512 }', line: 1 }]);
  });
});

describe('command lines', () => {
  const argvs = (markdown: string) => commandLines(markdown).map(({ argv }) => argv.join(' '));
  const line = (text: string): CommandLine => ({ argv: simpleCommands(text)[0].slice(1), text, line: 1 });

  it('are read as the shell would: continuations, comments, pipes, assignments, redirections, $(…)', () => {
    const page = [
      `${fence}bash`,
      'npm ci',
      'npx sluice replay --source strongdm \\',
      '  --from 7d --to now   # a week',
      'AWS_PROFILE=prod npx sluice status --json | jq -r .verdict.state > state.txt 2>&1',
      "STATE=$(sluice status --json --stack 'My Stack') && node bin/sluice.mjs redrive --max <n>",
      'sluice forward s3://<bucket>/<key> --from-dlq; echo sluice status',
      '# npx sluice not-run',
      "cat > notes.txt <<'EOF'",
      'npx sluice data-not-a-command',
      'EOF',
      'sluice verify',
      fence,
      `${fence}console`,
      '$ npm start -- --once',
      'summary: sluice status is healthy',
      fence,
    ].join('\n');
    assert.deepEqual(argvs(page), [
      'replay --source strongdm --from 7d --to now',
      'status --json',
      'status --json --stack My Stack',
      'redrive --max 1',
      'forward s3://placeholder/placeholder --from-dlq',
      'verify',
      'dev --once',
    ]);
  });

  it('in inline code: a whole line is parsed, a command named alone must exist', () => {
    const page =
      'Run `sluice redrive --from-dlq ingest` or `sluice replay`, not `npx sluice …`; `sluice.config.json`.';
    assert.deepEqual(argvs(page), ['redrive --from-dlq ingest', 'help replay']);
  });

  it('in inline code: a subcommand named by its path must exist', async () => {
    const [named, wrong] = commandLines('`sluice setup elasticsearch` is not `sluice setup elastic`');
    assert.deepEqual(named.argv, ['setup', 'elasticsearch', '--help']);
    assert.equal(await refusal(named), undefined);
    assert.match((await refusal(wrong)) ?? '', /unknown command 'elastic'/);
  });

  it('are refused when the CLI refuses them, with its reason', async () => {
    assert.match((await refusal(line('sluice status --verbos'))) ?? '', /unknown option '--verbos'/);
    assert.match((await refusal(line('sluice statuss'))) ?? '', /unknown command 'statuss'/);
    assert.match((await refusal(line('sluice replay --source strongdm --from 7d'))) ?? '', /'--to <time>'/);
    assert.match((await refusal(line('sluice redrive --from-dlq both'))) ?? '', /argument 'both' is invalid/);
    assert.match((await refusal(line('sluice redrive --max -3'))) ?? '', /--max/);
    assert.match((await refusal(line('sluice forward'))) ?? '', /missing required argument 'paths'/);
    assert.match((await refusal(commandLines('see `sluice statuss`')[0])) ?? '', /unknown command/);
  });

  it('naming a command are accepted even when an earlier failure set the exit code', async (t) => {
    const before = process.exitCode;
    t.after(() => {
      process.exitCode = before;
    });
    process.exitCode = 1;
    const named = commandLines('see `sluice status`')[0];
    const accepted = await refusal(named);
    const refused = await refusal(line('sluice'));
    process.exitCode = before;
    assert.equal(accepted, undefined);
    assert.notEqual(refused, undefined, 'sluice without a command prints help as an error');
  });

  it('are accepted when they parse, and no command runs', async () => {
    assert.equal(
      await refusal(line('sluice replay --source strongdm --from 7d --to now --dry-run')),
      undefined,
    );
    assert.equal(await refusal(line('sluice --json status --max-age 60')), undefined);
    assert.equal(await refusal(line('sluice --help')), undefined);
    // `dev` would start moto and print a summary; `verify` would write to S3: they stop before their action.
    assert.equal(await refusal(line('sluice dev --once')), undefined);
    assert.equal(await refusal(line('sluice verify --stack DoesNotExist')), undefined);
  });
});

describe('internal links', () => {
  const root = '/repo';
  const files: Record<string, string> = {
    '/repo/README.md': [
      '# sluice',
      '## Try it first: the local pipeline (`npm start`)',
      '## Configuration',
      '### Configuration',
      '## SIEM outage → DLQ → redrive',
      'See [start](#try-it-first-the-local-pipeline-npm-start), [the second](#configuration-1),',
      '[runbook](#siem-outage--dlq--redrive), [CLI](docs/cli.md#sluice-status), [site](https://example.com/#x)',
      'and `[not a link](#nowhere)`.',
      `${fence}md`,
      '[in a code block](#nowhere)',
      fence,
    ].join('\n'),
    '/repo/docs/cli.md': '# CLI\n## `sluice status`\nBack to [the top](../README.md#sluice).',
  };
  const read: ReadPage = (path) => files[path];
  const broken = (path: string, text: string) =>
    brokenLinks(path, text, root, read).map(({ target, reason }) => `${target}: ${reason}`);

  it('resolve to files and to headings by their GitHub anchors', () => {
    assert.deepEqual(broken('/repo/README.md', files['/repo/README.md']), []);
    assert.deepEqual(broken('/repo/docs/cli.md', files['/repo/docs/cli.md']), []);
  });

  it('are reported when the file or the heading is missing', () => {
    const page = [
      '# Page',
      '[a](#pag) [b](docs/missing.md) [c](docs/cli.md#sluice-statu) [d](#configuration-1)',
    ].join('\n');
    assert.deepEqual(broken('/repo/README.md', page), [
      '#pag: README.md has no heading with the anchor #pag',
      'docs/missing.md: docs/missing.md does not exist',
      'docs/cli.md#sluice-statu: docs/cli.md has no heading with the anchor #sluice-statu',
      '#configuration-1: README.md has no heading with the anchor #configuration-1',
    ]);
  });

  it("anchors follow GitHub's rules", () => {
    assert.equal(githubSlug('Way in 1: the ingest queue (AWS SDK)'), 'way-in-1-the-ingest-queue-aws-sdk');
    assert.equal(githubSlug('Vector (splunk_hec_logs sink)'), 'vector-splunk_hec_logs-sink');
    assert.equal(githubSlug('destinations[] with "type": "file"'), 'destinations-with-type-file');
    assert.deepEqual(
      [...anchors('# A\n## A\n## A-1\n## a\n<a id="custom"></a>')],
      ['a', 'a-1', 'a-1-1', 'a-2', 'custom'],
    );
  });
});
