import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBody } from '../../../lambda/core/ingest/body';
import { enrich } from '../../../lambda/core/ingest/enrich';

const event = (text: string) => parseBody(text, 'json').events[0];
const defaults = { source: 'orders-api', app: 'shop', env: 'prod' };

describe('enrich (seed 000 defaults: source, app, env)', () => {
  it('appends missing fields after the existing ones, leaving their text untouched', () => {
    const enriched = enrich(event('{ "z": 1.50,  "a" : "x" }'), defaults);
    assert.equal(enriched.text, '{ "z": 1.50,  "a" : "x" ,"source":"orders-api","app":"shop","env":"prod"}');
    assert.deepEqual(JSON.parse(enriched.text), {
      z: 1.5,
      a: 'x',
      source: 'orders-api',
      app: 'shop',
      env: 'prod',
    });
  });

  it('never overwrites a field the event has, whatever its value', () => {
    const enriched = enrich(event('{"source":"own","env":null}'), defaults);
    assert.equal(enriched.text, '{"source":"own","env":null,"app":"shop"}');
  });

  it('fills an empty object without a leading comma', () => {
    assert.equal(enrich(event('{ }'), { app: 'shop' }).text, '{ "app":"shop"}');
  });

  it('returns the event as is when nothing is missing or nothing is configured', () => {
    const complete = event('{"source":"a","app":"b","env":"c"}');
    assert.equal(enrich(complete, defaults), complete);
    const any = event('{"a":1}');
    assert.equal(enrich(any, {}), any);
  });

  it('escapes default values as JSON strings', () => {
    assert.equal(enrich(event('{"a":1}'), { app: 'say "hi"\n' }).text, '{"a":1,"app":"say \\"hi\\"\\n"}');
  });

  it('keeps nested objects and a closing brace inside a string intact', () => {
    const enriched = enrich(event('{"nested":{"source":"inner"},"msg":"}"}'), { source: 'outer' });
    assert.deepEqual(JSON.parse(enriched.text), { nested: { source: 'inner' }, msg: '}', source: 'outer' });
  });
});
