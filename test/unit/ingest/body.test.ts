import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseBody } from '../../../lambda/core/ingest/body';

const texts = (body: ReturnType<typeof parseBody>) => body.events.map((event) => event.text);

describe('parseBody (json): NDJSON, stacked objects or one JSON array', () => {
  it('takes one object per NDJSON line, keeping each line exactly as sent', () => {
    const body = '{"b":2,"a":1}\n{ "x" : 1.50, "s": "caf\\u00e9" }\n';
    const parsed = parseBody(body, 'json');
    assert.equal(parsed.rejection, undefined);
    assert.deepEqual(texts(parsed), ['{"b":2,"a":1}', '{ "x" : 1.50, "s": "caf\\u00e9" }']);
    assert.deepEqual(parsed.events[1].value, { x: 1.5, s: 'café' });
  });

  it('ignores blank lines, CRLF line ends and a UTF-8 byte order mark', () => {
    const parsed = parseBody('\ufeff{"a":1}\r\n\r\n  \n{"b":2}\r\n', 'json');
    assert.deepEqual(texts(parsed), ['{"a":1}', '{"b":2}']);
  });

  it('splits objects stacked without separators and joins pretty-printed ones onto one line', () => {
    const parsed = parseBody('{"a":1}{"b":2}\n{\n  "c": {\n    "d": [1, 2]\n  }\n}', 'json');
    assert.deepEqual(texts(parsed), ['{"a":1}', '{"b":2}', '{  "c": {    "d": [1, 2]  }}']);
  });

  it('is not confused by braces, brackets, quotes and newlines escaped inside strings', () => {
    const event = '{"msg":"a } ] { [ \\" \\\\ \\n end"}';
    const parsed = parseBody(`${event}\n${event}`, 'json');
    assert.deepEqual(texts(parsed), [event, event]);
    assert.equal(parsed.events[0].value.msg, 'a } ] { [ " \\ \n end');
  });

  it('takes the elements of a JSON array (seed 000 generic format) as events', () => {
    const parsed = parseBody('[{"source":"x","n":1}, {"n":2}\n]', 'json');
    assert.deepEqual(texts(parsed), ['{"source":"x","n":1}', '{"n":2}']);
  });

  it('reports NO_DATA for a body without events: empty, whitespace, or an empty array', () => {
    for (const body of ['', ' \n\t', '[]', ' [ ] ']) {
      assert.deepEqual(parseBody(body, 'json'), {
        events: [],
        rejection: { index: 0, code: 'NO_DATA', reason: 'the body holds no events' },
      });
    }
  });

  it('stops at the first bad event, keeping the ones before it and naming its index', () => {
    const cases: [string, number, string][] = [
      ['{"a":1}\nnot json\n{"c":3}', 1, 'INVALID_JSON'],
      ['{"a":1}\n{"b":}\n', 1, 'INVALID_JSON'],
      ['{"a":1}\n{"b":2', 1, 'INVALID_JSON'],
      ['{"a":1}\n{"b":"unterminated}\n', 1, 'INVALID_JSON'],
      ['{"a":1}\n{"b":2}\n[1,2]', 2, 'NOT_AN_OBJECT'],
      ['"just a string"', 0, 'NOT_AN_OBJECT'],
      ['[{"a":1}, 42, {"c":3}]', 1, 'NOT_AN_OBJECT'],
      ['[{"a":1}, {"b":2}', 2, 'INVALID_JSON'],
      ['[{"a":1} {"b":2}]', 1, 'INVALID_JSON'],
      ['[{"a":1}] {"b":2}', 1, 'INVALID_JSON'],
      ['[', 0, 'INVALID_JSON'],
    ];
    for (const [body, index, code] of cases) {
      const parsed = parseBody(body, 'json');
      assert.equal(parsed.rejection?.code, code, body);
      assert.equal(parsed.rejection?.index, index, body);
      assert.equal(parsed.events.length, index, body);
    }
  });

  it('never quotes the event in the reason (events may hold secrets)', () => {
    const parsed = parseBody('{"password":"hunter2"', 'json');
    assert.equal(parsed.rejection?.reason, 'event 0 is not valid JSON');
  });

  it('round-trips any list of objects, whatever the layout', () => {
    const objects = fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { minLength: 1, maxLength: 8 });
    const layouts = fc.constantFrom('ndjson', 'pretty', 'array', 'stacked');
    fc.assert(
      fc.property(objects, layouts, (values, layout) => {
        const body =
          layout === 'ndjson'
            ? values.map((value) => JSON.stringify(value)).join('\n')
            : layout === 'pretty'
              ? values.map((value) => JSON.stringify(value, null, 2)).join('\n')
              : layout === 'array'
                ? JSON.stringify(values, null, 1)
                : values.map((value) => JSON.stringify(value)).join('');
        const parsed = parseBody(body, 'json');
        assert.equal(parsed.rejection, undefined);
        assert.deepEqual(
          parsed.events.map((event) => JSON.parse(event.text)),
          values.map((value) => JSON.parse(JSON.stringify(value))),
        );
        for (const event of parsed.events) assert.doesNotMatch(event.text, /[\r\n]/);
      }),
    );
  });
});

describe('parseBody (hec): Splunk HEC envelopes', () => {
  it("writes the envelope's event object as sent and drops the envelope", () => {
    const body =
      '{"time":1706813404.78,"sourcetype":"_json","event":{"z":1, "a":"b"},"host":"h"}\n{"event":{"n":2}}';
    const parsed = parseBody(body, 'hec');
    assert.equal(parsed.rejection, undefined);
    assert.deepEqual(texts(parsed), ['{"z":1, "a":"b"}', '{"n":2}']);
  });

  it('accepts envelopes stacked without newlines, as HEC does', () => {
    assert.deepEqual(texts(parseBody('{"event":{"a":1}}{"event":{"b":2}}', 'hec')), ['{"a":1}', '{"b":2}']);
  });

  it('writes an event that is not an object as {"message": <event as sent>}', () => {
    const parsed = parseBody('{"event":"GET /api/ping 200"}\n{"event": 42}', 'hec');
    assert.deepEqual(texts(parsed), ['{"message":"GET /api/ping 200"}', '{"message":42}']);
    assert.deepEqual(parsed.events[0].value, { message: 'GET /api/ping 200' });
  });

  it('uses the last event member when an envelope repeats it, as JSON.parse does', () => {
    assert.deepEqual(texts(parseBody('{"event":{"old":1},"event":{"new":2}}', 'hec')), ['{"new":2}']);
  });

  it('refuses an envelope without event, with a blank event, or that is not an object', () => {
    const cases: [string, string][] = [
      ['{"event":{"a":1}}\n{"time":1}', 'HEC_EVENT_MISSING'],
      ['{"event":{"a":1}}\n{"event":""}', 'HEC_EVENT_BLANK'],
      ['{"event":{"a":1}}\n{"event":null}', 'HEC_EVENT_BLANK'],
      ['{"event":{"a":1}}\n[{"event":{}}]', 'NOT_AN_OBJECT'],
      ['{"event":{"a":1}}\n{"event":', 'INVALID_JSON'],
    ];
    for (const [body, code] of cases) {
      const parsed = parseBody(body, 'hec');
      assert.deepEqual(
        [parsed.rejection?.code, parsed.rejection?.index, parsed.events.length],
        [code, 1, 1],
        body,
      );
    }
  });
});
