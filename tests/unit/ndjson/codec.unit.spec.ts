import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import { createEnvelopeWriter, parseNdjsonBuffer, readEnvelopes, type NdjsonLine } from '../../../src/ndjson/codec.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ndjson-codec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const event = (i: number): AnyEvent =>
  createEvent({
    type: 'message.received',
    id: `e${i}`,
    source: '/adapters/webchat',
    tenant: 'acme',
    customer: `c${i % 7}`,
    time: '2025-03-04T09:15:27Z',
    data: { channel: 'chat', provider: 'webchat', handle: `visitor-${i}`, text: `message ${i} — ünïcödé ✓` },
  });

async function collect(iterable: AsyncIterable<NdjsonLine>): Promise<NdjsonLine[]> {
  const all: NdjsonLine[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

const line = (i: number) => JSON.stringify(event(i));

describe('NDJSON codec', () => {
  it.each(['plain.ndjson', 'compressed.ndjson.gz'])('round-trips events through %s', async (name) => {
    const path = join(dir, name);
    const events = Array.from({ length: 50 }, (_, i) => event(i));
    const writer = createEnvelopeWriter(path);
    for (const e of events) await writer.write(e);
    await writer.close();

    const raw = await readFile(path);
    const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    expect(text.split('\n')).toHaveLength(51); // one line each, newline-terminated
    const read = await collect(readEnvelopes(path));
    expect(read.map((r) => r.line)).toEqual(events.map((_, i) => i + 1));
    expect(read.map((r) => (r.result.ok ? r.result.event : r.result.error))).toEqual(events);
  });

  it('reports a bad line in the middle and goes on', async () => {
    const path = join(dir, 'bad-line.ndjson');
    await writeFile(path, [line(1), '{"specversion": "1.0", oops', line(2), JSON.stringify({ ...event(3), tenant: '' }), line(4)].join('\n'));
    const read = await collect(readEnvelopes(path));
    expect(read.map((r) => [r.line, r.result.ok ? 'ok' : r.result.error.code])).toEqual([
      [1, 'ok'],
      [2, 'invalid_json'],
      [3, 'ok'],
      [4, 'invalid_envelope'],
      [5, 'ok'],
    ]);
  });

  it('handles CRLF, blank lines, a BOM and a missing final newline; numbers physical lines', async () => {
    const path = join(dir, 'windows.ndjson.gz');
    await writeFile(path, gzipSync(`\uFEFF${line(1)}\r\n\r\n   \r\n${line(2)}\r\n${line(3)}`));
    const read = await collect(readEnvelopes(path));
    expect(read.map((r) => [r.line, r.result.ok])).toEqual([
      [1, true],
      [4, true],
      [5, true],
    ]);
  });

  it('reads concatenated gzip members (appended exports) as one file', async () => {
    const path = join(dir, 'appended.ndjson.gz');
    await writeFile(path, Buffer.concat([gzipSync(`${line(1)}\n${line(2)}\n`), gzipSync(`${line(3)}\n`)]));
    const read = await collect(readEnvelopes(path));
    expect(read.map((r) => r.result.ok && r.result.event.id)).toEqual(['e1', 'e2', 'e3']);
  });

  it('reads multi-byte characters split across chunk boundaries', async () => {
    const path = join(dir, 'multibyte.ndjson');
    const writer = createEnvelopeWriter(path);
    for (let i = 0; i < 3000; i++) await writer.write(event(i)); // several 64 KiB read chunks
    await writer.close();
    const read = await collect(readEnvelopes(path));
    expect(read.every((r) => r.result.ok)).toBe(true);
    expect(read.at(-1)?.result).toMatchObject({ ok: true, event: { data: { text: 'message 2999 — ünïcödé ✓' } } });
  });

  it('turns an over-long line into an error result without buffering it', async () => {
    const path = join(dir, 'long-line.ndjson');
    await writeFile(path, [line(1), 'x'.repeat(300_000), line(2)].join('\n'));
    const read = await collect(readEnvelopes(path, { maxLineLength: 10_000 }));
    expect(read.map((r) => [r.line, r.result.ok ? 'ok' : r.result.error.message])).toEqual([
      [1, 'ok'],
      [2, 'line is longer than 10000 characters'],
      [3, 'ok'],
    ]);
  });

  it('stops reading and releases the file when the consumer breaks early', async () => {
    const path = join(dir, 'early.ndjson');
    await writeFile(path, Array.from({ length: 100 }, (_, i) => line(i)).join('\n'));
    let seen = 0;
    for await (const _ of readEnvelopes(path)) if (++seen === 3) break;
    expect(seen).toBe(3);
    await rm(path); // would fail on some platforms if the descriptor leaked
  });

  it('rejects on I/O errors: a missing file, a truncated gzip', async () => {
    await expect(collect(readEnvelopes(join(dir, 'missing.ndjson')))).rejects.toThrow(/ENOENT/);
    const truncated = join(dir, 'truncated.ndjson.gz');
    const gz = gzipSync(Array.from({ length: 100 }, (_, i) => line(i)).join('\n'));
    await writeFile(truncated, gz.subarray(0, gz.length - 20));
    await expect(collect(readEnvelopes(truncated))).rejects.toThrow();
  });

  it('surfaces a write error instead of hanging', async () => {
    const writer = createEnvelopeWriter(join(dir, 'no-such-dir', 'out.ndjson'));
    await expect(
      (async () => {
        await writer.write(event(1));
        await writer.close();
      })(),
    ).rejects.toThrow(/ENOENT/);
  });
});

describe('parseNdjsonBuffer', () => {
  it('returns one result per non-blank line with its line number', () => {
    const body = `${line(1)}\r\n\n{not json}\n${line(2)}\n`;
    const results = parseNdjsonBuffer(body);
    expect(results.map((r) => [r.line, r.result.ok ? 'ok' : r.result.error.code])).toEqual([
      [1, 'ok'],
      [3, 'invalid_json'],
      [4, 'ok'],
    ]);
  });

  it('returns nothing for an empty body', () => {
    expect(parseNdjsonBuffer('')).toEqual([]);
    expect(parseNdjsonBuffer('\n\r\n')).toEqual([]);
  });
});
