/**
 * The docs check: README.md and docs/**\/*.md show what the code does.
 *
 * * The generated parts (configuration and CLI references) are what `npm run docs` writes today.
 * * Every ```json block is valid configuration: a whole sluice.config.json when it has `"$schema"` or
 *   `"sources"`, else a part of one (a source, a destination, `forwarder`…). JSON that is not
 *   configuration (an HTTP answer, a log line) is marked with `<!-- not-config -->` on the line before
 *   its fence, or fenced as ```jsonc / ```text.
 * * Every `sluice …` command line shown (shell, console and Dockerfile blocks, inline code) parses with
 *   the real CLI, up to the command's action, which never runs: no AWS call, no file written.
 * * Every internal link resolves, `#anchors` included (GitHub's heading anchors).
 *
 * The rules in detail are at the top of each module in test/support/docs/; checks.test.ts shows each
 * check failing on bad input.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GENERATED_PAGES } from '../../../scripts/docs/pages';
import { commandLines, refusal } from '../../support/docs/command-lines';
import { checkConfigExample, configExamples } from '../../support/docs/config-examples';
import { brokenLinks, readFromDisk } from '../../support/docs/links';
import { docsPages, ROOT, staleGeneratedPart } from '../../support/docs/pages';

const pages = docsPages();

describe('the docs', () => {
  for (const generated of GENERATED_PAGES) {
    it(`${generated.path} holds the ${generated.marker} that \`npm run docs\` writes`, async () => {
      const page = pages.find(({ path }) => path === generated.path);
      assert.ok(
        page,
        `${generated.path} is missing. Fix: create it with its markers, then run \`npm run docs\``,
      );
      assert.equal(
        staleGeneratedPart(page, generated.marker, await generated.generate(page.text)),
        undefined,
      );
    });
  }

  it('show only valid configuration in their JSON examples', () => {
    const problems: string[] = [];
    let examples = 0;
    for (const page of pages) {
      for (const example of configExamples(page.text)) {
        examples += 1;
        const verdict = checkConfigExample(example.body);
        problems.push(...verdict.problems.map((problem) => `${page.path}:${example.line} ${problem}`));
      }
    }
    assert.ok(examples >= 3, `only ${examples} JSON examples found: the check is not reading the docs`);
    assert.deepEqual(problems, []);
  });

  it('show only sluice command lines that the real CLI accepts', async () => {
    const problems: string[] = [];
    let lines = 0;
    for (const page of pages) {
      for (const command of commandLines(page.text)) {
        lines += 1;
        const reason = await refusal(command);
        if (reason) problems.push(`${page.path}:${command.line} \`${command.text}\`: ${reason}`);
      }
    }
    assert.ok(lines >= 20, `only ${lines} command lines found: the check is not reading the docs`);
    assert.deepEqual(problems, []);
  });

  it('link only to files and headings that exist', () => {
    const problems = pages.flatMap((page) =>
      brokenLinks(join(ROOT, page.path), page.text, ROOT, readFromDisk).map(
        ({ target, line, reason }) => `${page.path}:${line} (${target}): ${reason}`,
      ),
    );
    assert.deepEqual(problems, []);
  });
});
