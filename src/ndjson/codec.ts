// NDJSON export format (events/README.md): one JSON envelope per line, in log order; `.gz` = gzip.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { parseEventJson, type AnyEvent, type ParseResult } from '../../events/index.ts';

export interface NdjsonLine {
  /** 1-based physical line number, blank lines included, so it matches an editor's. */
  line: number;
  result: ParseResult;
}

export interface ReadOptions {
  /**
   * Longest line accepted, in characters. Bounds memory on a file without newlines; the default
   * (1 MiB) is Kafka's default maximum message size, so no real envelope is longer.
   */
  maxLineLength?: number;
}

export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

const isGzip = (path: string) => path.endsWith('.gz');

/**
 * Streams the envelopes of an NDJSON(.gz) file in constant memory. A bad line is an error result
 * (the rest of the file is still read); I/O problems (missing file, corrupt gzip) reject.
 */
export async function* readEnvelopes(path: string, options: ReadOptions = {}): AsyncGenerator<NdjsonLine> {
  const maxLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const file = createReadStream(path);
  let source: Readable = file;
  if (isGzip(path)) {
    const gunzip = createGunzip();
    // pipeline forwards a read error into the gunzip stream, where the loop below sees it.
    pipeline(file, gunzip).catch(() => {});
    source = gunzip;
  }
  try {
    for await (const raw of splitLines(source, maxLength)) {
      const parsed = raw.text === undefined ? tooLong(raw.line, maxLength) : parseLine(raw.text, raw.line);
      if (parsed) yield parsed;
    }
  } finally {
    // Also runs when the consumer stops early: release the file descriptor.
    source.destroy();
    file.destroy();
  }
}

/** Parses an NDJSON body (an HTTP batch): one result per non-blank line. */
export function parseNdjsonBuffer(text: string, options: ReadOptions = {}): NdjsonLine[] {
  const maxLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const results: NdjsonLine[] = [];
  text.split('\n').forEach((lineText, i) => {
    const parsed = lineText.length > maxLength ? tooLong(i + 1, maxLength) : parseLine(lineText, i + 1);
    if (parsed) results.push(parsed);
  });
  return results;
}

export interface EnvelopeWriter {
  /** Appends one envelope line; resolves once the stream accepts more (backpressure). Await each call. */
  write(event: AnyEvent): Promise<void>;
  /** Flushes, finishes the gzip trailer if any, and closes the file. */
  close(): Promise<void>;
}

/** Lines are handed to the stream in chunks of about this size: zlib costs a thread-pool round trip per write. */
const WRITE_CHUNK = 64 * 1024;

/** Writes envelopes as NDJSON, gzip-compressed when the path ends in `.gz`. */
export function createEnvelopeWriter(path: string): EnvelopeWriter {
  const file = createWriteStream(path);
  const fileClosed = once(file, 'close');
  const gzip = isGzip(path) ? createGzip() : undefined;
  const head: Writable = gzip ?? file;
  const done = gzip ? pipeline(gzip, file) : finished(file);
  let failure: unknown;
  // Remember the first error so every later call reports it instead of waiting for a 'drain' that never comes.
  done.catch((err: unknown) => (failure ??= err));
  fileClosed.catch(() => {});
  let closing = false;
  let pending: string[] = [];
  let pendingLength = 0;

  const flush = async () => {
    if (pendingLength === 0) return;
    const chunk = pending.join('');
    pending = [];
    pendingLength = 0;
    if (!head.write(chunk)) await Promise.race([once(head, 'drain'), done]);
  };

  return {
    async write(event) {
      if (failure) throw failure;
      if (closing) throw new Error(`envelope writer for ${path} is closed`);
      const line = `${JSON.stringify(event)}\n`;
      pending.push(line);
      pendingLength += line.length;
      if (pendingLength >= WRITE_CHUNK) await flush();
    },
    async close() {
      if (closing) return;
      closing = true;
      await flush();
      head.end();
      await done;
      await fileClosed;
    },
  };
}

type RawLine = { line: number; text: string } | { line: number; text: undefined };

/** Splits a byte stream into lines without holding more than one line (plus a chunk) in memory. */
async function* splitLines(source: AsyncIterable<Buffer>, maxLength: number): AsyncGenerator<RawLine> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let overflow = false; // the current line already exceeded maxLength; its text is being discarded
  let line = 0;
  const take = (text: string): RawLine => {
    line++;
    const tooLongLine = overflow || text.length > maxLength;
    overflow = false;
    return tooLongLine ? { line, text: undefined } : { line, text };
  };
  for await (const chunk of source) {
    const text = pending + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield take(text.slice(start, nl));
      start = nl + 1;
    }
    pending = text.slice(start);
    if (pending.length > maxLength) {
      overflow = true;
      pending = '';
    }
  }
  pending += decoder.end();
  if (pending.length > 0 || overflow) yield take(pending);
}

function parseLine(text: string, line: number): NdjsonLine | undefined {
  let body = text.endsWith('\r') ? text.slice(0, -1) : text;
  // Editors on Windows like to start files with a byte-order mark.
  if (line === 1 && body.startsWith('\uFEFF')) body = body.slice(1);
  if (body.trim() === '') return undefined;
  return { line, result: parseEventJson(body) };
}

function tooLong(line: number, maxLength: number): NdjsonLine {
  const message = `line is longer than ${maxLength} characters`;
  return { line, result: { ok: false, error: { code: 'invalid_json', message, issues: [{ path: [], message, code: 'too_long' }] } } };
}
