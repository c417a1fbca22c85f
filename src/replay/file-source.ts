/**
 * Lines of an NDJSON(.gz) export, streamed in constant memory (big chunks: fewer hand-offs), with
 * the same rules as the codec (src/ndjson/codec.ts): `\r\n` accepted, blank lines skipped, a BOM on
 * the first line ignored, a line that does not parse reported by number and skipped.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

export interface RecordHandlers {
  /** A non-blank line as bytes `[start, end)` of `bytes` (BOM and `\r` removed), and its number; `bytes` is reused after the call. */
  record(bytes: Buffer, start: number, end: number, n: number): void;
  afterChunk?(): Promise<void>;
  progress?(bytesRead: number, totalBytes: number): void;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const OPEN_BRACE = 0x7b;

/** True when `[start, end)` holds only whitespace (a line starting with `{`, i.e. nearly all, is decided at once). */
function blank(bytes: Buffer, start: number, end: number): boolean {
  if (start === end) return true;
  if (bytes[start] === OPEN_BRACE) return false;
  return bytes.toString('utf8', start, end).trim() === '';
}

/**
 * The non-blank lines of an NDJSON(.gz) file as bytes, streamed: splitting on the newline byte is
 * safe in UTF-8 (it never occurs inside a multi-byte character), and leaves decoding to whoever
 * reads the line (the replay's fold threads).
 */
export async function readRecords(path: string, on: RecordHandlers): Promise<{ lines: number }> {
  const total = (await stat(path)).size;
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  let source: Readable = file;
  if (path.endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
    pipeline(file, gunzip).catch(() => {});
    source = gunzip;
  }
  let pending: Buffer | null = null;
  let line = 0;
  const take = (bytes: Buffer, start: number, end: number) => {
    line++;
    if (end > start && bytes[end - 1] === CR) end--;
    if (line === 1 && end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf) start += 3;
    if (!blank(bytes, start, end)) on.record(bytes, start, end, line);
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const bytes: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
        take(bytes, start, nl);
        start = nl + 1;
      }
      pending = start < bytes.length ? Buffer.from(bytes.subarray(start)) : null;
      on.progress?.(file.bytesRead, total);
      if (on.afterChunk) await on.afterChunk();
    }
    if (pending) take(pending, 0, pending.length);
  } finally {
    source.destroy();
    file.destroy();
  }
  return { lines: line };
}

/** The non-blank lines of an NDJSON(.gz) file as text, streamed. */
export function readLines(path: string, on: LineHandlers): Promise<{ lines: number }> {
  return readRecords(path, {
    record: (bytes, start, end, n) => on.line(bytes.toString('utf8', start, end), n),
    ...(on.afterChunk ? { afterChunk: on.afterChunk } : {}),
    ...(on.progress ? { progress: on.progress } : {}),
  });
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
