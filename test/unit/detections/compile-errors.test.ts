import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleError } from '../../../lambda/core/detections/errors';
import { compileRuleFile, compileRuleSet, loadRules } from '../../../lambda/core/detections/sigma/rule-set';

/** Compiles `text` as `rules/bad.yml` and returns the RuleError it must throw. */
function refusal(text: string, path = 'rules/bad.yml'): RuleError {
  try {
    compileRuleSet([{ path, text }]);
  } catch (error) {
    assert.ok(error instanceof RuleError, `expected a RuleError, got ${String(error)}`);
    return error;
  }
  assert.fail('the rule compiled');
}

function expectRefusal(text: string, where: { line: number; column?: number }, reason: RegExp): void {
  const error = refusal(text);
  assert.equal(error.code, 'RULE_INVALID');
  assert.equal(error.file, 'rules/bad.yml');
  assert.equal(error.line, where.line, `line of: ${error.message}`);
  if (where.column !== undefined) assert.equal(error.column, where.column, `column of: ${error.message}`);
  assert.match(error.reason, reason);
  assert.ok(error.message.startsWith(`rules/bad.yml:${where.line}:`), error.message);
  assert.deepEqual(
    { file: error.context.file, line: error.context.line, reason: error.context.reason },
    { file: 'rules/bad.yml', line: where.line, reason: error.reason },
  );
}

const HEAD = 'title: a rule\nlogsource:\n  product: strongdm\n  service: queries\ndetection:\n';

describe('rules that do not compile', () => {
  it('name an unknown modifier at its key', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query|contians: drop\n  condition: selection\n`,
      { line: 7, column: 5 },
      /unknown modifier "contians": did you mean "contains"\? \(supported: /,
    );
  });

  it('offer no guess for a modifier that is no typo of a known one', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query|sounds_like: drop\n  condition: selection\n`,
      { line: 7 },
      /unknown modifier "sounds_like" \(supported: /,
    );
  });

  it('name the Sigma modifier a typo meant, even one sluice does not support', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query|startwith: drop\n  condition: selection\n`,
      { line: 7 },
      /unknown modifier "startwith": did you mean "startswith"\?/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    query|base46: drop\n  condition: selection\n`,
      { line: 7 },
      /did you mean "base64"\?/,
    );
  });

  it('refuse a cidr network with host bits set, naming the network and the one address (as pySigma does)', () => {
    expectRefusal(
      `${HEAD}  selection:\n    ip|cidr: 10.0.0.1/8\n  condition: selection\n`,
      { line: 7 },
      /"10\.0\.0\.1\/8" has host bits set after the \/8 prefix: did you mean 10\.0\.0\.0\/8, or 10\.0\.0\.1\/32 for the one address\?/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    ip|cidr: ['10.0.0.0/8', '2001:db8::1/64']\n  condition: selection\n`,
      { line: 7 },
      /"2001:db8::1\/64" has host bits set after the \/64 prefix/,
    );
  });

  it('say when a modifier is Sigma but not supported', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query|base64: drop\n  condition: selection\n`,
      { line: 7 },
      /"base64" is a Sigma modifier sluice does not support/,
    );
  });

  it('point at the unknown selection inside the condition', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query: x\n  condition: selection and not filter\n`,
      { line: 8, column: 32 },
      /unknown selection "filter" \(defined: selection\)/,
    );
  });

  it('point at a quoted condition past its quote', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query: x\n  condition: 'selection or ghost'\n`,
      { line: 8, column: 28 },
      /unknown selection "ghost"/,
    );
  });

  it('name a bad regular expression at its value', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query|re: '(unclosed'\n  condition: selection\n`,
      { line: 7, column: 15 },
      /invalid regular expression/,
    );
  });

  it('refuse inline flags they cannot keep, naming the modifiers to use', () => {
    for (const pattern of ['drop(?i)table', '(?i:drop) table', 'a(?-i)b']) {
      expectRefusal(
        `${HEAD}  selection:\n    query|re: '${pattern}'\n  condition: selection\n`,
        { line: 7, column: 15 },
        /inline flags are read only at the start of the pattern, e\.g\. "\(\?i\)drop"; elsewhere or scoped, use the re\|i, re\|m or re\|s modifiers/,
      );
    }
    expectRefusal(
      `${HEAD}  selection:\n    query|re: '(?x)drop  table'\n  condition: selection\n`,
      { line: 7, column: 15 },
      /inline flag "x" in "\(\?x\)" is not supported \(i, m and s are\)/,
    );
  });

  it('name a bad CIDR at its value', () => {
    expectRefusal(
      `${HEAD}  selection:\n    sourceIp|cidr:\n      - 10.0.0.0/8\n      - 10.0.0.0/33\n  condition: selection\n`,
      { line: 9, column: 9 },
      /invalid CIDR: .*at most 32/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    sourceIp|cidr: 10.0.0/8\n  condition: selection\n`,
      { line: 7 },
      /not an IPv4 or IPv6 address/,
    );
  });

  it('refuse combinations that make no sense', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query|contains|startswith: x\n  condition: selection\n`,
      { line: 7 },
      /"contains" and "startswith" exclude each other/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    query|i: x\n  condition: selection\n`,
      { line: 7 },
      /flag of "re"/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    query|re|contains: x\n  condition: selection\n`,
      { line: 7 },
      /"contains" cannot be combined with "re"/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    query|exists: yes\n  condition: selection\n`,
      { line: 7 },
      /"exists" takes true or false/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    durationMs|gt: '20'\n  condition: selection\n`,
      { line: 7 },
      /"gt" needs a number/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    query|contains|all: x\n  condition: selection\n`,
      { line: 7 },
      /"all" needs a list of at least two values/,
    );
    expectRefusal(
      `${HEAD}  selection:\n    query|contains||all: [x, y]\n  condition: selection\n`,
      { line: 7 },
      /empty modifier/,
    );
  });

  it('refuse null inside a list of values, as Sigma does', () => {
    expectRefusal(
      `${HEAD}  selection:\n    query:\n      - ''\n      - null\n  condition: selection\n`,
      { line: 9 },
      /null cannot be part of a list/,
    );
  });

  it('refuse malformed conditions with the character that broke them', () => {
    expectRefusal(
      `${HEAD}  a:\n    query: x\n  condition: (a or a\n`,
      { line: 8, column: 21 },
      /missing "\)"/,
    );
    expectRefusal(`${HEAD}  a:\n    query: x\n  condition: a a\n`, { line: 8, column: 16 }, /unexpected "a"/);
    expectRefusal(
      `${HEAD}  a:\n    query: x\n  condition: 2 of a*\n`,
      { line: 8, column: 14 },
      /"2 of" is not Sigma/,
    );
    expectRefusal(
      `${HEAD}  a:\n    query: x\n  condition: 1 of b*\n`,
      { line: 8, column: 14 },
      /"b\*" matches no selection/,
    );
    expectRefusal(
      `${HEAD}  a:\n    query: x\n  condition: a and\n`,
      { line: 8 },
      /condition ends where a selection name was expected/,
    );
  });

  it('name missing or malformed parts of a rule', () => {
    expectRefusal(
      'logsource: {product: x}\ndetection: {a: {f: 1}, condition: a}\n',
      { line: 1 },
      /title is missing/,
    );
    expectRefusal('title: t\ndetection: {a: {f: 1}, condition: a}\n', { line: 1 }, /logsource is missing/);
    expectRefusal(
      'title: t\nlogsource: {definition: text}\ndetection: {a: {f: 1}, condition: a}\n',
      { line: 2 },
      /logsource needs a product, a service or a category/,
    );
    expectRefusal(`${HEAD}  a:\n    query: x\n`, { line: 6 }, /detection.condition is missing/);
    expectRefusal(
      `title: t\nlevel: severe\n${HEAD.slice(14)}  a: {f: 1}\n  condition: a\n`,
      { line: 2, column: 8 },
      /level must be one of/,
    );
    expectRefusal(
      `${HEAD}  a:\n    query: x\n  timeframe: 5m\n  condition: a\n`,
      { line: 8 },
      /timeframe is obsolete/,
    );
    expectRefusal(
      `${HEAD}  a:\n    - query: x\n    - drop\n  condition: a\n`,
      { line: 7 },
      /mixes maps and keywords/,
    );
    expectRefusal('action: global\ntitle: t\n', { line: 1 }, /rule collections/);
  });

  it('report YAML syntax errors at their line', () => {
    expectRefusal(
      `${HEAD}  a:\n    query: x\n    query: y\n  condition: a\n`,
      { line: 8 },
      /YAML: Map keys must be unique/,
    );
    // YAML finds a quote unclosed where the text ends, past the last line: the quote that opened is
    // where the author has to look.
    const unclosed = `${HEAD}  a:\n    query: 'drop table\n  condition: a\n`;
    expectRefusal(unclosed, { line: 7, column: 12 }, /^YAML: this quoted value has no closing quote$/);
    expectRefusal(
      `title: first\n---\ntitle: "second\nlogsource: {}\n`,
      { line: 3, column: 8 },
      /^YAML: this quoted value has no closing quote$/,
    );
  });

  it('report correlation problems at their line', () => {
    const base = `${HEAD}  a:\n    query: x\n  condition: a\nname: base\n---\n`;
    const correlation = (body: string) => `${base}title: burst\ncorrelation:\n${body}`;
    expectRefusal(
      correlation(
        '  type: event_count\n  rules:\n    - base\n    - ghost\n  timespan: 5m\n  condition:\n    gte: 5\n',
      ),
      { line: 16, column: 7 },
      /no rule has the id or name "ghost"/,
    );
    expectRefusal(
      correlation('  type: event_count\n  rules: [base]\n  timespan: 5m\n  condition:\n    lt: 5\n'),
      { line: 17 },
      /lt is not supported/,
    );
    expectRefusal(
      correlation('  type: event_count\n  rules: [base]\n  timespan: 5 minutes\n  condition: {gte: 5}\n'),
      { line: 15 },
      /not a Sigma timespan/,
    );
    expectRefusal(
      correlation('  type: temporal\n  rules: [base]\n  timespan: 5m\n'),
      { line: 13 },
      /"temporal" is Sigma that sluice does not support/,
    );
    expectRefusal(
      correlation('  type: value_count\n  rules: [base]\n  timespan: 5m\n  condition: {gte: 5}\n'),
      { line: 16 },
      /value_count needs condition.field/,
    );
  });

  it('refuse a misspelt correlation key, which would otherwise count across every group', () => {
    const base = `${HEAD}  a:\n    query: x\n  condition: a\nname: base\n---\n`;
    expectRefusal(
      `${base}title: burst\ncorrelation:\n  type: event_count\n  rules: [base]\n  groupby: [actorAccountID]\n  timespan: 5m\n  condition: {gte: 5}\n`,
      { line: 15, column: 3 },
      /correlation\.groupby is not a correlation key \(known: type, rules, group-by, timespan, condition, generate\)/,
    );
  });

  it('refuse a misspelt logsource key, which would otherwise run the rule more widely', () => {
    expectRefusal(
      'title: t\nlogsource:\n  prodcut: strongdm\n  service: queries\ndetection: {a: {f: 1}, condition: a}\n',
      { line: 3, column: 3 },
      /logsource\.prodcut is not a logsource key \(known: product, service, category, definition\)/,
    );
  });

  it('refuse duplicate ids and chained correlations across files', () => {
    const rule = (id: string) => `title: t ${id}\nid: same\n${HEAD.slice(14)}  a: {f: 1}\n  condition: a\n`;
    const { errors } = loadRules([
      { path: 'one.yml', text: rule('1') },
      { path: 'two.yml', text: rule('2') },
    ]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].file, 'two.yml');
    assert.match(errors[0].reason, /"same" is also used by "t 1" \(one\.yml:1:1\)/);
    assert.match(errors[0].message, /^two\.yml:1:1: /, 'the clash names file:line:column, as every problem');
    const chained = `${HEAD}  a: {f: 1}\n  condition: a\nname: base\n---\ntitle: c1\nname: c1\ncorrelation: {type: event_count, rules: [base], timespan: 1m, condition: {gte: 2}}\n---\ntitle: c2\ncorrelation:\n  type: event_count\n  rules: [c1]\n  timespan: 1m\n  condition: {gte: 2}\n`;
    expectRefusal(
      chained,
      { line: 17, column: 11 },
      /"c1" is a correlation; chained correlations are not supported/,
    );
  });

  it('collect the first error of every file for validate', () => {
    const { ruleSet, errors } = loadRules([
      { path: 'a.yml', text: 'title: a\n' },
      { path: 'b.yml', text: `${HEAD}  s: {query|nope: x}\n  condition: s\n` },
      { path: 'c.yml', text: `${HEAD}  s: {query: x}\n  condition: s\n` },
    ]);
    assert.equal(ruleSet, undefined);
    assert.deepEqual(
      errors.map((error) => [error.file, error.line]),
      [
        ['a.yml', 1],
        ['b.yml', 6],
      ],
    );
  });

  it('collect every document’s error, and every cross-file problem, for validate', () => {
    const twoBad = `${HEAD}  s: {query|nope: x}\n  condition: s\n---\n${HEAD}  s: {query: x}\n  condition: s and t\n`;
    const { errors } = loadRules([
      { path: 'two.yml', text: twoBad },
      { path: 'syntax.yml', text: 'title: [a\n---\ntitle: b\n' },
    ]);
    assert.deepEqual(
      errors.map((error) => [error.file, error.line]),
      [
        ['two.yml', 6],
        ['two.yml', 15],
        ['syntax.yml', 2],
        ['syntax.yml', 3],
      ],
    );
    const rule = (title: string, id: string) =>
      `title: ${title}\nid: ${id}\n${HEAD.slice(14)}  a: {f: 1}\n  condition: a\n`;
    const crossFile = loadRules([
      { path: 'a.yml', text: rule('a', 'x') },
      { path: 'b.yml', text: rule('b', 'x') },
      { path: 'c.yml', text: rule('c', 'y') },
      { path: 'd.yml', text: rule('d', 'y') },
      {
        path: 'e.yml',
        text: 'title: e\ncorrelation: {type: event_count, rules: [ghost], timespan: 1m, condition: {gte: 2}}\n',
      },
    ]);
    assert.deepEqual(
      crossFile.errors.map((error) => error.file),
      ['b.yml', 'd.yml', 'e.yml'],
    );
    assert.match(crossFile.errors[2].reason, /no rule has the id or name "ghost"/);
  });

  it('do not report a reference to a rule that did not compile as a second problem', () => {
    const { errors } = loadRules([
      { path: 'base.yml', text: `${HEAD}  s: {query|nope: x}\n  condition: s\nname: base\n` },
      {
        path: 'burst.yml',
        text: 'title: burst\ncorrelation: {type: event_count, rules: [base], timespan: 1m, condition: {gte: 2}}\n',
      },
    ]);
    assert.deepEqual(
      errors.map((error) => error.file),
      ['base.yml'],
    );
  });

  it('compiles a file holding several documents', () => {
    const rules = compileRuleFile({
      path: 'ok.yml',
      text: `${HEAD}  s: {query: x}\n  condition: s\n---\n${HEAD.replace('a rule', 'another')}  s: {query: y}\n  condition: s\n`,
    });
    assert.deepEqual(
      rules.map((rule) => [rule.title, rule.line]),
      [
        ['a rule', 1],
        ['another', 9],
      ],
    );
  });
});
