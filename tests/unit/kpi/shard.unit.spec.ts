import { describe, expect, it } from 'vitest';
import { customerOfRecord, shardOfRecord } from '../../../src/replay/shard.ts';

const shard = (text: string, threads: number) => shardOfRecord(Buffer.from(text), 0, Buffer.byteLength(text), threads);

// The reading thread deals records to fold threads by the envelope's customer without parsing them;
// wherever the text could mislead it, the answer must still be what JSON.parse says.
describe('dealing records to fold threads by customer', () => {
  it('finds the envelope customer in the usual key order', () => {
    expect(customerOfRecord('{"specversion":"1.0","id":"e1","tenant":"acme","customer":"cust-1","data":{"text":"hi"}}')).toBe('cust-1');
  });

  it('is not misled by data, spacing, escapes, repeated keys or another key order', () => {
    const cases = [
      '{"id":"e1","data":{"customer":"someone-else"},"customer":"cust-2"}',
      '{"id":"e1", "customer" : "cust-3", "data":{}}',
      '{"id":"e1","customer":"cust\\u002d4","data":{}}',
      '{"id":"e1","customer":"a\\"b","data":{}}',
      '{"id":"e1","customer":"first","customer":"last","data":{}}',
      '{"id":"{odd}","customer":"cust-5","data":{}}',
    ];
    for (const text of cases) expect(customerOfRecord(text), text).toBe((JSON.parse(text) as { customer: string }).customer);
  });

  it('gives no customer for a record that is not a JSON object with one; those go to thread 0', () => {
    for (const text of ['{"id":"broken"', '[1,2]', '{"customer":7}', 'null']) {
      expect(customerOfRecord(text)).toBeUndefined();
      expect(shardOfRecord(Buffer.from(text), 0, Buffer.byteLength(text), 3)).toBe(0);
    }
  });

  it('reads only the record it is given, not the next one in the same chunk', () => {
    const chunk = Buffer.from('{"id":"e1","data":{}}\n{"id":"e2","customer":"cust-9","data":{}}\n');
    expect(shardOfRecord(chunk, 0, 21, 3)).toBe(0);
    const second = shardOfRecord(chunk, 22, chunk.length - 1, 3);
    expect(second).toBe(shard('{"customer":"cust-9"}', 3));
  });

  it('sends every record of a customer to one thread, however it is written, and spreads customers over all of them', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const a = shard(`{"id":"a${i}","customer":"cust-${i}","data":{}}`, 4);
      const b = shard(`{"id":"b${i}","data":{"x":1},"customer":"cust-${i}"}`, 4);
      expect(b).toBe(a);
      seen.add(a);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });
});
