/**
 * Lines of an NDJSON(.gz) export, streamed in constant memory (big chunks: fewer hand-offs), with
 * the same rules as the codec (src/ndjson/codec.ts): `\r\n` accepted, blank lines skipped, a BOM on
 * the first line ignored, a line that does not parse reported by number and skipped.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { AnyEvent, ParseFailure } from '../../events/index.ts';
import type { EventReader } from './fast-parse.ts';

export interface FileReadHandlers {
  event(event: AnyEvent): void;
  rejected?(line: number, failure: ParseFailure): void;
  /** Bytes of the file read so far (compressed bytes for .gz), for a progress bar. */
  progress?(bytesRead: number, totalBytes: number): void;
}

export interface LineHandlers {
  /** A non-blank line (BOM and `\r` removed) and its number. */
  line(text: string, n: number): void;
  /** Awaited after each chunk: a consumer's backpressure. */
  afterChunk?(): Promise<void>;
  progress?(bytesRead: number, totalBytes: number): void;
}

/** The non-blank lines of an NDJSON(.gz) file, streamed. */
export async function readLines(path: string, on: LineHandlers): Promise<{ lines: number }> {
  const total = (await stat(path)).size;
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  let source: Readable = file;
  if (path.endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
    pipeline(file, gunzip).catch(() => {});
    source = gunzip;
  }
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  const take = (raw: string) => {
    line++;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (text.length === 0 || text.trim() === '') return;
    on.line(text, line);
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const text = pending + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        take(text.slice(start, nl));
        start = nl + 1;
      }
      pending = text.slice(start);
      on.progress?.(file.bytesRead, total);
      if (on.afterChunk) await on.afterChunk();
    }
    pending += decoder.end();
    if (pending.length > 0) take(pending);
  } finally {
    source.destroy();
    file.destroy();
  }
  return { lines: line };
}

export async function readEventFile(path: string, read: EventReader, on: FileReadHandlers): Promise<{ lines: number; rejected: number }> {
  let rejected = 0;
  const { lines } = await readLines(path, {
    line: (text, n) => {
      const result = read(text);
      if (result.ok) on.event(result.event);
      else {
        rejected++;
        on.rejected?.(n, result);
      }
    },
    ...(on.progress ? { progress: on.progress } : {}),
  });
  return { lines, rejected };
}
