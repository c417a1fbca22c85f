import { isUtf8 } from 'node:buffer';
import { ApiError } from './errors.ts';

/**
 * The deepest JSON any door reads: real payloads nest under a dozen levels (Meta's deepest about
 * ten). Parsing is iterative, but anything recursive over a deeper value (serialising it to keep or
 * log it) would overflow the stack; it is refused at the door, before anything looks at it.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests deeper than `max` arrays and objects. A scan of the bytes (structural
 * characters are ASCII, so UTF-8 needs no decoding), never a parse. With `lines`, each line is a
 * value of its own (NDJSON): a raw newline cannot be inside a JSON string, so the count restarts.
 */
export function jsonDepthExceeds(bytes: Uint8Array, max = MAX_JSON_DEPTH, lines = false): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (lines && c === 0x0a) {
      depth = 0;
      inString = false;
    } else if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return false;
}

/** The `charset` parameter of a Content-Type, lower-cased and unquoted, if it has one. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

const UTF8 = new Set(['utf-8', 'utf8']);

/**
 * The refusal of a JSON (or JSON-as-text) body that is not UTF-8 JSON we can read safely: another
 * charset named (415 `unsupported_charset`), bytes that are not UTF-8 (400 `invalid_encoding`),
 * nesting deeper than MAX_JSON_DEPTH (400 `too_deep`). Undefined when the body is fine.
 */
export function jsonBodyProblem(contentType: string | undefined, body: Buffer, options: { lines?: boolean } = {}): ApiError | undefined {
  const charset = charsetOf(contentType);
  if (charset !== undefined && !UTF8.has(charset)) return new ApiError(415, 'unsupported_charset', `charset ${JSON.stringify(charset.slice(0, 40))} is not accepted: JSON is UTF-8`);
  return bytesProblem(body, options);
}

/** Invalid UTF-8 or too deep, for bodies whose media type says nothing of their charset. */
export function bytesProblem(body: Buffer, options: { lines?: boolean; json?: boolean } = {}): ApiError | undefined {
  if (!isUtf8(body)) return new ApiError(400, 'invalid_encoding', 'the body is not valid UTF-8');
  if (options.json !== false && jsonDepthExceeds(body, MAX_JSON_DEPTH, options.lines)) {
    return new ApiError(400, 'too_deep', `the JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return undefined;
}

/**
 * The first key of a parsed JSON value that would reach an object's prototype if the value were
 * ever merged or assigned key by key: `__proto__`, or `constructor` holding a `prototype`. Depth is
 * bounded at the door (MAX_JSON_DEPTH), and the walk is a loop all the same.
 */
export function forbiddenKey(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
      continue;
    }
    if (Object.hasOwn(node, '__proto__')) return '__proto__';
    const record = node as Record<string, unknown>;
    const ctor = Object.hasOwn(record, 'constructor') ? record.constructor : undefined;
    if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return 'constructor.prototype';
    for (const key of Object.keys(record)) pending.push(record[key]);
  }
  return undefined;
}

/**
 * A JSON request body read safely: UTF-8 and sane depth first (jsonBodyProblem), then parsed, then
 * refused if it holds a prototype key. Each refusal is an ApiError naming it: `empty_body`,
 * `invalid_json`, `forbidden_key` (400), or the byte-level ones.
 */
export function readJsonBody(contentType: string | undefined, body: Buffer): unknown {
  const problem = jsonBodyProblem(contentType, body);
  if (problem) throw problem;
  if (body.length === 0) throw new ApiError(400, 'empty_body', 'the body is empty; a JSON value was expected');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  }
  const key = forbiddenKey(value);
  if (key !== undefined) throw new ApiError(400, 'forbidden_key', `the body has a "${key}" key, which is never accepted`);
  return value;
}
