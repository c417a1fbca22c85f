import { BODY_TIMEOUT_MS, head, http, INVALID_UTF8, nested, nestedObjects, rawHttp, refuse, type CaseSpec, type Door, type HostileEnv } from '../support.ts';

/** What the transport cases need of a door: where it is, what it reads, and a body it takes. */
export interface DoorRoute {
  door: Door;
  path: string;
  method?: 'POST' | 'PUT';
  /** The media type the door reads. */
  contentType: string;
  /** Headers the door wants besides the content type (an API key, basic auth, a signature over the body). */
  headers?: (body: Buffer) => Record<string, string>;
  /** A body the door would take, carrying the marker. */
  valid(marker: string, index: number): Buffer;
  /** The door's body limit in bytes. */
  limit: number;
  /** The door reads JSON: encoding, charset and depth cases apply. */
  json?: { expect: (problem: 'invalid_encoding' | 'unsupported_charset' | 'too_deep' | 'empty') => ReturnType<typeof refuse> };
}

const headersOf = (route: DoorRoute, body: Buffer, contentType = route.contentType) => ({ 'content-type': contentType, ...(route.headers?.(body) ?? {}) });
const rawHeaders = (route: DoorRoute, body: Buffer, extra: Array<[string, string]>, contentType: string | null = route.contentType): Array<[string, string]> => [
  ...(contentType === null ? [] : ([['Content-Type', contentType]] as Array<[string, string]>)),
  ...Object.entries(route.headers?.(body) ?? {}),
  ...extra,
];

/** The cases every HTTP door is held to, whatever it reads: media types, sizes, slow and short bodies. */
export function transportCases(route: DoorRoute): CaseSpec[] {
  const method = route.method ?? 'POST';
  const post = (env: HostileEnv, body: Buffer, contentType: string) => http(env, { method, path: route.path, headers: headersOf(route, body, contentType), body });
  const cases: CaseSpec[] = [
    {
      door: route.door,
      name: 'wrong media type (text/html)',
      expect: refuse(415, 'unsupported_media_type'),
      send: (env, marker, i) => post(env, route.valid(marker, i), 'text/html'),
    },
    {
      door: route.door,
      name: 'no Content-Type with a body',
      expect: refuse(415, 'unsupported_media_type'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Content-Length', String(body.length)]], null)), body]);
      },
    },
    {
      door: route.door,
      name: 'Content-Length over the body limit (refused before reading)',
      expect: refuse(413, 'payload_too_large'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Content-Length', String(route.limit + 1)]])), body]);
      },
    },
    {
      door: route.door,
      name: 'chunked body streamed past the body limit',
      timeoutMs: 20_000,
      expect: refuse(413, 'payload_too_large'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        const chunks: Buffer[] = [];
        for (let sent = 0; sent <= route.limit; sent += chunk.length) chunks.push(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Transfer-Encoding', 'chunked']])), ...chunks, '0\r\n\r\n'], 20_000);
      },
    },
    {
      door: route.door,
      name: 'body shorter than its Content-Length (connection held open)',
      expect: refuse(408, 'request_timeout'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Content-Length', String(body.length + 100)]])), body, { wait: BODY_TIMEOUT_MS * 3 }]);
      },
    },
    {
      door: route.door,
      name: 'body trickled a byte at a time (slower than the body deadline)',
      expect: refuse(408, 'request_timeout'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        const bytes = [...body.subarray(0, 12)].flatMap((b) => [Buffer.from([b]), { wait: 400 }]);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Content-Length', String(body.length)]])), ...bytes, { wait: BODY_TIMEOUT_MS * 2 }]);
      },
    },
    {
      door: route.door,
      name: 'chunked body whose last chunk never comes',
      expect: refuse(408, 'request_timeout'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Transfer-Encoding', 'chunked']])), `${body.length.toString(16)}\r\n`, body, '\r\n', { wait: BODY_TIMEOUT_MS * 3 }]);
      },
    },
    {
      door: route.door,
      name: 'two Content-Length headers that disagree',
      expect: refuse(400, 'malformed_request'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Content-Length', String(body.length)], ['Content-Length', String(body.length + 5)]])), body]);
      },
    },
    {
      door: route.door,
      name: 'Content-Length and Transfer-Encoding: chunked together',
      expect: refuse(400, 'malformed_request'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Content-Length', String(body.length)], ['Transfer-Encoding', 'chunked']])), chunked]);
      },
    },
    {
      door: route.door,
      name: 'Transfer-Encoding not ending in chunked',
      expect: refuse(400, 'malformed_request'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Transfer-Encoding', 'chunked, identity']])), body]);
      },
    },
    {
      door: route.door,
      name: 'chunk size that is not hexadecimal',
      expect: refuse(400, 'malformed_request'),
      send: (env, marker, i) => {
        const body = route.valid(marker, i);
        return rawHttp(env, [head(method, route.path, rawHeaders(route, body, [['Transfer-Encoding', 'chunked']])), 'zz\r\n', body, '\r\n0\r\n\r\n']);
      },
    },
  ];
  if (route.json) {
    const expectFor = route.json.expect;
    const withType = (contentType: string, name: string, problem: 'unsupported_charset'): CaseSpec => ({
      door: route.door,
      name,
      expect: expectFor(problem),
      send: (env, marker, i) => post(env, route.valid(marker, i), contentType),
    });
    cases.push(
      withType(`${route.contentType}; charset=iso-8859-1`, 'charset=iso-8859-1 named', 'unsupported_charset'),
      withType(`${route.contentType}; charset=utf-16le`, 'charset=utf-16le named', 'unsupported_charset'),
      ...INVALID_UTF8.map(
        (bad, n): CaseSpec => ({
          door: route.door,
          name: `bytes that are not UTF-8 (${bad.toString('hex')}) inside a string`,
          expect: expectFor('invalid_encoding'),
          send: (env, marker, i) => {
            const valid = route.valid(marker, i).toString('latin1');
            const at = valid.indexOf(marker) + marker.length;
            return post(env, Buffer.concat([Buffer.from(valid.slice(0, at), 'latin1'), bad, Buffer.from(valid.slice(at), 'latin1')]), route.contentType + (n % 2 ? '; charset=utf-8' : ''));
          },
        }),
      ),
      {
        door: route.door,
        name: 'UTF-16 body (byte-order mark and NULs)',
        expect: expectFor('invalid_encoding'),
        send: (env, marker, i) => post(env, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(route.valid(marker, i).toString('utf8'), 'utf16le')]), route.contentType),
      },
      ...[
        ['arrays nested 10,000 deep', nested(10_000)],
        ['arrays nested 200,000 deep (400 kB)', nested(200_000)],
        ['objects nested 100,000 deep', nestedObjects(100_000)],
        ['arrays nested 65 deep (one past the limit)', nested(65)],
        ['unclosed arrays 100,000 deep', '['.repeat(100_000)],
      ].map(
        ([name, text]): CaseSpec => ({
          door: route.door,
          name: `JSON ${name!}`,
          // Deeper than the door reads, or larger than it takes: either is named.
          expect: text!.length + 1024 > route.limit ? refuse(413, 'payload_too_large') : expectFor('too_deep'),
          send: (env, marker, i) => {
            // The deep value inside the door's own valid body, so nothing else is wrong with it.
            const valid = route.valid(marker, i).toString('utf8');
            const body = valid.replace(/\}\s*$/, `,"hostile":${text!}}`);
            return post(env, Buffer.from(body), route.contentType);
          },
        }),
      ),
      {
        door: route.door,
        name: 'empty body',
        expect: expectFor('empty'),
        send: (env) => post(env, Buffer.alloc(0), route.contentType),
      },
    );
  }
  return cases;
}
