import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyWriter } from '../../../lambda/core/sinks/body-writer';
import { createBulkEncoder } from '../../../lambda/core/sinks/elasticsearch/encoder';
import { encodeJsonArray } from '../../../lambda/core/sinks/https/encoder';
import { createHecEncoder } from '../../../lambda/core/sinks/splunk-hec/encoder';
import { makeRecord } from './fixtures';

describe('BodyWriter', () => {
  it('writes UTF-8 and grows when the size hint was too small', () => {
    const writer = new BodyWriter(1);
    const pieces = ['abc', 'é', '🚀'.repeat(100), 'x'.repeat(1_000)];
    for (const piece of pieces) writer.write(piece);
    assert.equal(writer.bytes().toString('utf8'), pieces.join(''));
  });

  it('copies bytes as they are between text, growing as needed', () => {
    const writer = new BodyWriter(4);
    const raw = Buffer.from('{"msg":"héllo ✓ 🚀"}');
    writer.write('[');
    for (let index = 0; index < 500; index += 1) {
      if (index > 0) writer.write(',');
      writer.writeBytes(raw);
    }
    writer.write(']');
    assert.equal(writer.bytes().toString('utf8'), `[${Array(500).fill(raw.toString()).join(',')}]`);
  });

  it('writes ASCII text and short byte runs as they are, growing as needed', () => {
    const writer = new BodyWriter(1);
    const expected: Buffer[] = [];
    for (let index = 0; index < 300; index += 1) {
      const text = `{"time":${1706813404 + index}.${index}`;
      const bytes = Buffer.from('x'.repeat(index % 40));
      writer.writeAscii(text);
      writer.writeBytes(bytes);
      expected.push(Buffer.from(text), bytes);
    }
    assert.deepEqual(writer.bytes(), Buffer.concat(expected));
  });

  it('encoders stay exact when records are far larger in UTF-8 than their estimate', () => {
    const heavy = [
      makeRecord({ text: '🚀'.repeat(2_000) }),
      makeRecord({ text: 'ü'.repeat(3_000) }),
      makeRecord(),
    ];
    const hec = createHecEncoder({ sourcetype: 'x' });
    assert.equal(hec.encode(heavy).toString(), heavy.map((record) => `${hec.event(record)}\n`).join(''));
    const bulk = createBulkEncoder({ index: 'i', indexByLogType: {}, documentIds: 'record' });
    assert.equal(
      bulk.encode(heavy).toString(),
      heavy.map((record) => `${bulk.actionLine(record)}\n${bulk.sourceLine(record)}\n`).join(''),
    );
    assert.deepEqual(
      JSON.parse(encodeJsonArray(heavy).toString()),
      heavy.map((record) => record.value),
    );
  });
});
