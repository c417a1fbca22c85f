// Own file on purpose: heap figures are per worker, so no other spec's allocations mix in.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import { createEnvelopeWriter, readEnvelopes } from '../../../src/ndjson/codec.ts';

const LINES = 200_000;
// Held all at once, 200k of these (~1.3 KB each) take well over 300 MB of heap; streamed, the
// heap grows by a few tens of MB at most. The bound sits far from both, so GC timing cannot flip it.
const HEAP_BOUND_MB = 100;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ndjson-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const template = createEvent({
  type: 'message.received',
  source: '/adapters/smtp',
  tenant: 'acme',
  customer: 'c1',
  time: '2025-03-04T09:15:27Z',
  data: { channel: 'email', provider: 'smtp', handle: 'a@example.com', text: 'Where is my order? '.repeat(64) },
});

const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

describe('NDJSON streaming', () => {
  it(`writes and reads ${LINES} lines in bounded memory`, { timeout: 120_000 }, async () => {
    const path = join(dir, 'big.ndjson.gz');
    let base = heapMb();
    let peak = 0;
    const writer = createEnvelopeWriter(path);
    for (let i = 0; i < LINES; i++) {
      await writer.write({ ...template, id: `e${i}`, customer: `c${i % 1000}` });
      if (i % 5_000 === 0) peak = Math.max(peak, heapMb() - base);
    }
    await writer.close();
    expect(peak, 'writer heap growth (MB)').toBeLessThan(HEAP_BOUND_MB);

    base = heapMb();
    peak = 0;
    let count = 0;
    let lastLine = 0;
    for await (const { line, result } of readEnvelopes(path)) {
      if (!result.ok) throw new Error(`line ${line}: ${result.error.message}`);
      if (result.event.id !== `e${count}`) throw new Error(`line ${line} out of order: ${result.event.id}`);
      count++;
      lastLine = line;
      if (count % 5_000 === 0) peak = Math.max(peak, heapMb() - base);
    }
    expect(count).toBe(LINES);
    expect(lastLine).toBe(LINES);
    expect(peak, 'reader heap growth (MB)').toBeLessThan(HEAP_BOUND_MB);
  });

  it('hands out lines before it has read the whole file', async () => {
    // A gzip cut short fails only at its end: results arriving first prove the reader streams.
    const path = join(dir, 'cut.ndjson.gz');
    const text = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ ...template, id: `e${i}` })).join('\n');
    const gz = gzipSync(text);
    await writeFile(path, gz.subarray(0, Math.floor(gz.length * 0.9)));
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of readEnvelopes(path)) seen++;
      })(),
    ).rejects.toThrow();
    expect(seen).toBeGreaterThan(1_000);
  });
});
