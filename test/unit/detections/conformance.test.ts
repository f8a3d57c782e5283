import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePlainRule } from '../../../lambda/core/detections/sigma/rule-set';
import type { DetectionRule } from '../../../lambda/core/detections/sigma/types';

/**
 * The Sigma subset, as a table: a detection, a record, and whether the rule matches. Rules are
 * given as plain data (the YAML they stand for is in the row's name where it helps).
 */
interface Row {
  readonly name: string;
  readonly detection: Record<string, unknown>;
  readonly record: Record<string, unknown>;
  readonly match: boolean;
}

function sel(selection: unknown): Record<string, unknown> {
  return { selection, condition: 'selection' };
}

const rows: readonly Row[] = [
  // Selections: maps, lists, keywords
  {
    name: 'a map is the AND of its fields',
    detection: sel({ a: 'x', b: 'y' }),
    record: { a: 'x', b: 'y' },
    match: true,
  },
  {
    name: 'a map fails when one field differs',
    detection: sel({ a: 'x', b: 'y' }),
    record: { a: 'x', b: 'z' },
    match: false,
  },
  {
    name: 'a list of values is their OR',
    detection: sel({ a: ['x', 'y'] }),
    record: { a: 'y' },
    match: true,
  },
  {
    name: 'a list of values fails when none matches',
    detection: sel({ a: ['x', 'y'] }),
    record: { a: 'z' },
    match: false,
  },
  {
    name: 'a list of maps is their OR',
    detection: sel([{ a: 'x' }, { b: 'y' }]),
    record: { b: 'y' },
    match: true,
  },
  {
    name: 'a list of maps fails when no map matches',
    detection: sel([{ a: 'x' }, { b: 'y' }]),
    record: { a: 'q' },
    match: false,
  },
  {
    name: 'keywords are found in any value, case-insensitively',
    detection: sel(['evil', 'bad']),
    record: { msg: 'an EVIL thing' },
    match: true,
  },
  {
    name: 'keywords are searched at any depth',
    detection: sel(['evil']),
    record: { x: { y: ['fine', 'pure evil'] } },
    match: true,
  },
  { name: 'keywords do not search keys', detection: sel(['evil']), record: { evil: 'fine' }, match: false },
  { name: 'keywords match numbers as text', detection: sel(['4625']), record: { id: 4625 }, match: true },
  { name: 'keywords fail when absent', detection: sel(['evil']), record: { msg: 'fine' }, match: false },
  { name: 'keywords take wildcards', detection: sel(['ev*l']), record: { msg: 'the devil' }, match: true },
  { name: 'a single keyword', detection: sel('evil'), record: { msg: 'evildoer' }, match: true },
  {
    name: "'|all' keywords must all be found",
    detection: sel({ '|all': ['a1', 'b2'] }),
    record: { x: 'a1', y: 'xb2' },
    match: true,
  },
  {
    name: "'|all' keywords fail when one is missing",
    detection: sel({ '|all': ['a1', 'b2'] }),
    record: { x: 'a1' },
    match: false,
  },
  {
    name: "'|re' keywords",
    detection: sel({ '|re': '^ab\\d$' }),
    record: { x: 'zz', y: 'ab7' },
    match: true,
  },

  // Case
  {
    name: 'strings compare case-insensitively',
    detection: sel({ a: 'Admin' }),
    record: { a: 'ADMIN' },
    match: true,
  },
  { name: 'equality is whole-value', detection: sel({ a: 'Admin' }), record: { a: 'Admin2' }, match: false },
  {
    name: 'non-ASCII letters fold case too',
    detection: sel({ a: 'zoë' }),
    record: { a: 'ZOË' },
    match: true,
  },
  {
    name: 'cased compares exactly',
    detection: sel({ 'a|cased': 'Admin' }),
    record: { a: 'admin' },
    match: false,
  },
  {
    name: 'cased matches the exact text',
    detection: sel({ 'a|cased': 'Admin' }),
    record: { a: 'Admin' },
    match: true,
  },
  {
    name: 'cased contains',
    detection: sel({ 'a|contains|cased': 'Min' }),
    record: { a: 'adMin' },
    match: true,
  },
  {
    name: 'cased contains refuses other case',
    detection: sel({ 'a|contains|cased': 'Min' }),
    record: { a: 'admin' },
    match: false,
  },

  // Wildcards and escapes
  { name: '* matches any run', detection: sel({ a: 'adm*n' }), record: { a: 'ADMIN' }, match: true },
  {
    name: '* still anchors both ends',
    detection: sel({ a: 'adm*n' }),
    record: { a: 'admins' },
    match: false,
  },
  { name: '* matches across lines', detection: sel({ a: 'a*b' }), record: { a: 'a\nb' }, match: true },
  { name: '? matches one character', detection: sel({ a: 'adm?n' }), record: { a: 'admin' }, match: true },
  {
    name: '? needs exactly one character',
    detection: sel({ a: 'adm?n' }),
    record: { a: 'admn' },
    match: false,
  },
  { name: '\\* is a literal star', detection: sel({ a: 'a\\*b' }), record: { a: 'a*b' }, match: true },
  {
    name: '\\* does not match other text',
    detection: sel({ a: 'a\\*b' }),
    record: { a: 'axb' },
    match: false,
  },
  {
    name: '\\? is a literal question mark',
    detection: sel({ a: 'a\\?b' }),
    record: { a: 'axb' },
    match: false,
  },
  {
    name: '\\\\* is a backslash then a wildcard',
    detection: sel({ a: 'C:\\\\*' }),
    record: { a: 'c:\\temp' },
    match: true,
  },
  {
    name: '\\\\* still needs the backslash',
    detection: sel({ a: 'C:\\\\*' }),
    record: { a: 'C:temp' },
    match: false,
  },
  {
    name: 'a lone backslash is literal',
    detection: sel({ a: 'C:\\Windows' }),
    record: { a: 'c:\\windows' },
    match: true,
  },
  {
    name: 'regex characters in values are literal',
    detection: sel({ a: 'a.b(c)' }),
    record: { a: 'axb(c)' },
    match: false,
  },
  {
    name: 'regex characters in values match themselves',
    detection: sel({ a: 'a.b(c)' }),
    record: { a: 'A.B(C)' },
    match: true,
  },
  {
    name: 'an empty string matches only an empty value',
    detection: sel({ a: '' }),
    record: { a: '' },
    match: true,
  },
  {
    name: 'an empty string does not match an absent field',
    detection: sel({ a: '' }),
    record: {},
    match: false,
  },

  // String modifiers
  { name: 'contains', detection: sel({ 'a|contains': 'mid' }), record: { a: 'xMIDy' }, match: true },
  {
    name: 'contains fails without the text',
    detection: sel({ 'a|contains': 'mid' }),
    record: { a: 'xmdy' },
    match: false,
  },
  {
    name: 'contains keeps inner wildcards',
    detection: sel({ 'a|contains': 'a*c' }),
    record: { a: 'xxabbcxx' },
    match: true,
  },
  { name: 'startswith', detection: sel({ 'a|startswith': 'pre' }), record: { a: 'PREfix' }, match: true },
  {
    name: 'startswith fails later in the value',
    detection: sel({ 'a|startswith': 'pre' }),
    record: { a: 'xpre' },
    match: false,
  },
  { name: 'endswith', detection: sel({ 'a|endswith': '.exe' }), record: { a: 'CMD.EXE' }, match: true },
  {
    name: 'endswith fails earlier in the value',
    detection: sel({ 'a|endswith': '.exe' }),
    record: { a: 'exe.txt' },
    match: false,
  },
  {
    name: 'contains|all needs every value',
    detection: sel({ 'a|contains|all': ['a', 'b'] }),
    record: { a: 'xaybz' },
    match: true,
  },
  {
    name: 'contains|all fails on one missing',
    detection: sel({ 'a|contains|all': ['a', 'b'] }),
    record: { a: 'xa' },
    match: false,
  },
  {
    name: 'contains on a number value searches its text',
    detection: sel({ 'a|contains': 42 }),
    record: { a: 'x42y' },
    match: true,
  },
  {
    name: 'string values match numbers by text',
    detection: sel({ a: '42' }),
    record: { a: 42 },
    match: true,
  },

  // Regular expressions
  { name: 're matches', detection: sel({ 'a|re': '^ab+c$' }), record: { a: 'abbc' }, match: true },
  { name: 're is case-sensitive', detection: sel({ 'a|re': '^ab+c$' }), record: { a: 'ABBC' }, match: false },
  {
    name: 're searches anywhere unless anchored',
    detection: sel({ 'a|re': 'b+' }),
    record: { a: 'abbbc' },
    match: true,
  },
  { name: 're|i ignores case', detection: sel({ 'a|re|i': '^ab+c$' }), record: { a: 'ABBC' }, match: true },
  {
    name: 're with a leading (?i) (PCRE, Python) ignores case',
    detection: sel({ 'a|re': '(?i)^ab+c$' }),
    record: { a: 'ABBC' },
    match: true,
  },
  {
    name: 're with a leading (?is) sets both flags',
    detection: sel({ 'a|re': '(?is)^A.B$' }),
    record: { a: 'a\nb' },
    match: true,
  },
  {
    name: 're with a leading (?s) still cares for case',
    detection: sel({ 'a|re': '(?s)^A.B$' }),
    record: { a: 'a\nb' },
    match: false,
  },
  { name: 're|m anchors at lines', detection: sel({ 'a|re|m': '^b$' }), record: { a: 'a\nb' }, match: true },
  {
    name: 're without m anchors at the value',
    detection: sel({ 'a|re': '^b$' }),
    record: { a: 'a\nb' },
    match: false,
  },
  {
    name: 're|s lets . match newlines',
    detection: sel({ 'a|re|s': 'a.b' }),
    record: { a: 'a\nb' },
    match: true,
  },
  {
    name: 're without s stops . at newlines',
    detection: sel({ 'a|re': 'a.b' }),
    record: { a: 'a\nb' },
    match: false,
  },

  // CIDR
  {
    name: 'cidr IPv4 inside',
    detection: sel({ 'ip|cidr': '10.0.0.0/8' }),
    record: { ip: '10.1.2.3' },
    match: true,
  },
  {
    name: 'cidr IPv4 outside',
    detection: sel({ 'ip|cidr': '10.0.0.0/8' }),
    record: { ip: '11.0.0.1' },
    match: false,
  },
  {
    name: 'cidr on text that is no address',
    detection: sel({ 'ip|cidr': '10.0.0.0/8' }),
    record: { ip: 'ten' },
    match: false,
  },
  {
    name: 'cidr /32 is one address',
    detection: sel({ 'ip|cidr': '192.0.2.7/32' }),
    record: { ip: '192.0.2.7' },
    match: true,
  },
  {
    name: 'cidr list is OR',
    detection: sel({ 'ip|cidr': ['10.0.0.0/8', '192.168.0.0/16'] }),
    record: { ip: '192.168.1.1' },
    match: true,
  },
  {
    name: 'cidr IPv6 inside',
    detection: sel({ 'ip|cidr': '2001:db8::/32' }),
    record: { ip: '2001:db8:1::5' },
    match: true,
  },
  {
    name: 'cidr IPv6 outside',
    detection: sel({ 'ip|cidr': '2001:db8::/32' }),
    record: { ip: '2001:db9::1' },
    match: false,
  },
  {
    name: 'cidr IPv4 matches IPv4-mapped IPv6',
    detection: sel({ 'ip|cidr': '10.0.0.0/8' }),
    record: { ip: '::ffff:10.1.1.1' },
    match: true,
  },

  // exists, null, numbers, booleans
  {
    name: 'exists: true on a present field, even null',
    detection: sel({ 'a|exists': true }),
    record: { a: null },
    match: true,
  },
  {
    name: 'exists: true on an absent field',
    detection: sel({ 'a|exists': true }),
    record: { b: 1 },
    match: false,
  },
  {
    name: 'exists: false on an absent field',
    detection: sel({ 'a|exists': false }),
    record: { b: 1 },
    match: true,
  },
  {
    name: 'exists: false on a present field',
    detection: sel({ 'a|exists': false }),
    record: { a: 1 },
    match: false,
  },
  { name: 'null matches an absent field', detection: sel({ a: null }), record: {}, match: true },
  { name: 'null matches a null field', detection: sel({ a: null }), record: { a: null }, match: true },
  { name: 'null does not match a value', detection: sel({ a: null }), record: { a: 'x' }, match: false },
  {
    name: 'null does not match an empty string',
    detection: sel({ a: null }),
    record: { a: '' },
    match: false,
  },
  { name: 'a number matches the number', detection: sel({ n: 20 }), record: { n: 20 }, match: true },
  { name: 'a number matches numeric text', detection: sel({ n: 20 }), record: { n: '20' }, match: true },
  {
    name: 'a number matches numeric text in another form',
    detection: sel({ n: 20 }),
    record: { n: '20.0' },
    match: true,
  },
  {
    name: 'a number does not match another number',
    detection: sel({ n: 20 }),
    record: { n: 21 },
    match: false,
  },
  { name: 'a boolean matches the boolean', detection: sel({ b: true }), record: { b: true }, match: true },
  { name: 'a boolean matches its text', detection: sel({ b: true }), record: { b: 'TRUE' }, match: true },
  {
    name: 'a boolean does not match the other',
    detection: sel({ b: true }),
    record: { b: false },
    match: false,
  },
  { name: 'gt', detection: sel({ 'n|gt': 5 }), record: { n: 6 }, match: true },
  { name: 'gt is strict', detection: sel({ 'n|gt': 5 }), record: { n: 5 }, match: false },
  { name: 'gt reads numeric text', detection: sel({ 'n|gt': 5 }), record: { n: '6' }, match: true },
  { name: 'gt on non-numeric text', detection: sel({ 'n|gt': 5 }), record: { n: 'six' }, match: false },
  { name: 'gt on blank text', detection: sel({ 'n|gte': 0 }), record: { n: '  ' }, match: false },
  { name: 'gt on an absent field', detection: sel({ 'n|gt': 5 }), record: {}, match: false },
  {
    name: 'gt reads signed decimal text',
    detection: sel({ 'n|gt': -2 }),
    record: { n: '-1.5e0' },
    match: true,
  },
  // Number() reads hex, binary, Infinity and padded text; a record's text is a number only in decimal.
  { name: 'gt on hex text', detection: sel({ 'n|gt': 5 }), record: { n: '0x10' }, match: false },
  { name: 'gt on Infinity text', detection: sel({ 'n|gt': 5 }), record: { n: 'Infinity' }, match: false },
  { name: 'lt on padded text', detection: sel({ 'n|lt': 5 }), record: { n: ' 1 ' }, match: false },
  {
    name: 'a number does not match hex text',
    detection: sel({ p: 16 }),
    record: { p: '0x10' },
    match: false,
  },
  {
    name: 'a number does not match binary text',
    detection: sel({ p: 1 }),
    record: { p: '0b1' },
    match: false,
  },
  { name: 'gte includes the bound', detection: sel({ 'n|gte': 5 }), record: { n: 5 }, match: true },
  { name: 'lt', detection: sel({ 'n|lt': 5 }), record: { n: 4 }, match: true },
  { name: 'lt is strict', detection: sel({ 'n|lt': 5 }), record: { n: 5 }, match: false },
  { name: 'lte includes the bound', detection: sel({ 'n|lte': 5 }), record: { n: 5 }, match: true },
  { name: 'lte above the bound', detection: sel({ 'n|lte': 5 }), record: { n: 6 }, match: false },

  // `?` is one character (a code point), whatever its UTF-16 length.
  {
    name: '? matches an astral character',
    detection: sel({ a: 'x?y' }),
    record: { a: 'x\u{1F600}y' },
    match: true,
  },
  {
    name: '? matches one character only',
    detection: sel({ a: 'x?y' }),
    record: { a: 'x\u{1F600}\u{1F600}y' },
    match: false,
  },

  // Field paths
  {
    name: 'a dotted name reads nested fields',
    detection: sel({ 'resourceTags.env': 'prod' }),
    record: { resourceTags: { env: 'prod' } },
    match: true,
  },
  {
    name: 'a dotted name reads a key with dots',
    detection: sel({ 'app.name': 'x' }),
    record: { 'app.name': 'x' },
    match: true,
  },
  {
    name: 'a dotted name mixes nesting and dotted keys',
    detection: sel({ 'labels.app.kubernetes.io/name': 'api' }),
    record: { labels: { 'app.kubernetes.io/name': 'api' } },
    match: true,
  },
  {
    name: 'a dotted name tries every split',
    detection: sel({ 'a.b.c': 'v' }),
    record: { a: { b: { c: 'w' } }, 'a.b': { c: 'v' } },
    match: true,
  },
  {
    name: 'a path through a list searches each element',
    detection: sel({ 'entities.type': 'role' }),
    record: { entities: [{ type: 'user' }, { type: 'role' }] },
    match: true,
  },
  {
    name: 'a path through a list fails when no element matches',
    detection: sel({ 'entities.type': 'role' }),
    record: { entities: [{ type: 'user' }] },
    match: false,
  },
  {
    name: 'a list value matches when an element does',
    detection: sel({ tags: 'b' }),
    record: { tags: ['a', 'b'] },
    match: true,
  },
  {
    name: 'all over a list value',
    detection: sel({ 'tags|all': ['a', 'b'] }),
    record: { tags: ['b', 'a'] },
    match: true,
  },
  {
    name: 'all over a list value missing one',
    detection: sel({ 'tags|all': ['a', 'b'] }),
    record: { tags: ['a'] },
    match: false,
  },
  {
    name: 'an absent field does not match a value',
    detection: sel({ a: 'x' }),
    record: { b: 'x' },
    match: false,
  },
  {
    name: 'an object does not match a string',
    detection: sel({ a: 'x' }),
    record: { a: { x: 'x' } },
    match: false,
  },
  {
    name: 'prototype names are not fields',
    detection: sel({ 'toString|exists': true }),
    record: {},
    match: false,
  },
  { name: 'prototype names have no values', detection: sel({ constructor: '*' }), record: {}, match: false },

  // Conditions
  ...conditionRows(),
];

function conditionRows(): Row[] {
  const three = { a: { f: 'a' }, b: { f: 'b' }, c: { g: 'c' } };
  const record = { f: 'a' }; // a true, b false, c false
  const rows: [string, boolean][] = [
    ['a or b and c', true], // and binds tighter than or
    ['(a or b) and c', false],
    ['a and not b', true],
    ['not a and b', false], // not binds tighter than and
    ['not (a and b)', true],
    ['not not a', true],
    ['a AND NOT b', true], // keywords in any case
    ['b or c', false],
    ['1 of them', true],
    ['all of them', false],
  ];
  const result: Row[] = rows.map(([condition, match]) => ({
    name: `condition "${condition}"`,
    detection: { ...three, condition },
    record,
    match,
  }));
  const patterns = { sel_one: { f: 'a' }, sel_two: { g: 'x' }, _helper: { h: 'nope' }, filter: { f: 'zzz' } };
  const patternRows: [string, Record<string, unknown>, boolean][] = [
    ['1 of sel_*', { f: 'a' }, true],
    ['all of sel_*', { f: 'a' }, false],
    ['all of sel_*', { f: 'a', g: 'x' }, true],
    ['1 of s*_two', { g: 'x' }, true],
    ['all of them', { f: 'a', g: 'x' }, false], // filter is part of them
    ['1 of sel_* and not filter', { f: 'a' }, true],
  ];
  for (const [condition, record, match] of patternRows) {
    result.push({
      name: `condition "${condition}" on ${JSON.stringify(record)}`,
      detection: { ...patterns, condition },
      record,
      match,
    });
  }
  const underscore = { one: { f: 'a' }, two: { g: 'x' }, _unused: { h: 'never' } };
  result.push({
    name: 'all of them leaves out names starting with _',
    detection: { ...underscore, condition: 'all of them' },
    record: { f: 'a', g: 'x' },
    match: true,
  });
  result.push({
    name: 'a list of conditions is their OR',
    detection: { ...three, condition: ['b', 'a'] },
    record,
    match: true,
  });
  return result;
}

function compile(detection: Record<string, unknown>): DetectionRule {
  const rule = compilePlainRule('conformance.yml', {
    title: 'conformance',
    logsource: { product: 'test' },
    detection,
  });
  assert.equal(rule.kind, 'detection');
  return rule as DetectionRule;
}

describe('Sigma conformance', () => {
  for (const row of rows) {
    it(`${row.name} → ${row.match ? 'match' : 'no match'}`, () => {
      assert.equal(compile(row.detection).matches(row.record), row.match);
    });
  }
});
