import { accept, AGENT, API_KEY, head, http, nested, rawHttp, refuse, type CaseSpec, type HostileEnv } from '../support.ts';
import { transportCases } from './transport.ts';

const auth = { authorization: `Bearer ${API_KEY}` };

const call = (env: HostileEnv, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
  http(env, { method, path, headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body } : {}) });

export function actionCases(): CaseSpec[] {
  const door = 'agent actions' as const;
  const c = (name: string, expect: CaseSpec['expect'], method: string, path: (m: string) => string, body?: (m: string) => string | Buffer, headers?: Record<string, string>): CaseSpec => ({
    door,
    name,
    expect,
    send: (env, m) => call(env, method, path(m), body?.(m), headers),
  });
  const resolve = (m: string) => `/v1/conversations/cnv-${m}/resolve`;
  const reply = (m: string) => `/v1/conversations/cnv-${m}/messages`;
  const status = (agent: string) => () => `/v1/agents/${encodeURIComponent(agent)}/status`;
  const badRequest = refuse(400, 'bad_request');
  const notFound = refuse(404, 'not_found');
  const cases: CaseSpec[] = [
    c('resolve a conversation that is not there', notFound, 'POST', resolve, () => '{"by":"ag_hostile"}'),
    c('a __proto__ key', refuse(400, 'forbidden_key'), 'POST', resolve, () => '{"by":"ag_hostile","__proto__":{"polluted":true}}'),
    c('a __proto__ key nested in by', refuse(400, 'forbidden_key'), 'POST', resolve, () => '{"by":{"kind":"agent","id":"a","__proto__":{"x":1}}}'),
    c('constructor.prototype', refuse(400, 'forbidden_key'), 'POST', resolve, () => '{"by":"ag_hostile","constructor":{"prototype":{"polluted":true}}}'),
    c('a constructor key without prototype (an unknown field)', badRequest, 'POST', resolve, () => '{"by":"ag_hostile","constructor":1}'),
    c('not JSON', refuse(400, 'invalid_json'), 'POST', resolve, () => '{by:'),
    c('JSON null', badRequest, 'POST', resolve, () => 'null'),
    c('a JSON array', badRequest, 'POST', resolve, () => '[{"by":"ag_hostile"}]'),
    c('an unknown field', badRequest, 'POST', resolve, () => '{"byy":"ag_hostile"}'),
    c('by of 300 characters', badRequest, 'POST', resolve, () => JSON.stringify({ by: 'a'.repeat(300) })),
    c('by with control characters', badRequest, 'POST', resolve, () => JSON.stringify({ by: 'a\u0000b' })),
    c('by of kind customer', badRequest, 'POST', resolve, () => JSON.stringify({ by: { kind: 'customer', id: 'x' } })),
    c('reply text of 100,001 characters', badRequest, 'POST', reply, () => JSON.stringify({ text: 't'.repeat(100_001), authorId: AGENT })),
    c('reply text of 1.05 MB', badRequest, 'POST', reply, () => JSON.stringify({ text: 't'.repeat(1_050_000), authorId: AGENT })),
    c('reply to a conversation that is not there', notFound, 'POST', reply, (m) => JSON.stringify({ text: `hi ${m}`, authorId: AGENT })),
    c('reply with an Idempotency-Key of control characters', notFound, 'POST', reply, (m) => JSON.stringify({ text: `hi ${m}`, authorId: AGENT }), { 'idempotency-key': 'a\tb' }),
    c('priority sky-high', badRequest, 'POST', (m) => `/v1/conversations/cnv-${m}/priority`, () => JSON.stringify({ priority: 'sky-high', by: AGENT })),
    c('transfer to agent __proto__ (conversation not there)', notFound, 'POST', (m) => `/v1/conversations/cnv-${m}/transfer`, () => JSON.stringify({ toAgent: '__proto__', by: AGENT })),
    c('assign to constructor (conversation not there)', notFound, 'POST', (m) => `/v1/conversations/cnv-${m}/assign`, () => JSON.stringify({ agent: 'constructor' })),
    c('conversation id __proto__', notFound, 'POST', () => '/v1/conversations/__proto__/resolve', () => '{"by":"ag_hostile"}'),
    c('conversation id constructor', notFound, 'POST', () => '/v1/conversations/constructor/resolve', () => '{"by":"ag_hostile"}'),
    c('conversation id of 300 characters', refuse(414, 'uri_too_long'), 'POST', () => `/v1/conversations/${'c'.repeat(300)}/resolve`, () => '{"by":"ag_hostile"}'),
    c('agent __proto__ goes online', notFound, 'PUT', status('__proto__'), () => '{"status":"online"}'),
    c('agent constructor goes online', notFound, 'PUT', status('constructor'), () => '{"status":"online"}'),
    c('agent toString goes online', notFound, 'PUT', status('toString'), () => '{"status":"online"}'),
    c('status busy', badRequest, 'PUT', status(AGENT), () => '{"status":"busy"}'),
    c('capacity with a __proto__ key', refuse(400, 'forbidden_key'), 'PUT', status(AGENT), () => '{"status":"online","capacity":{"__proto__":{"chat":5}}}'),
    c('capacity of 1,000 seats', badRequest, 'PUT', status(AGENT), () => '{"status":"online","capacity":{"chat":1000}}'),
    c('capacity nested 60 deep', badRequest, 'PUT', status(AGENT), () => `{"status":"online","capacity":{"chat":${nested(60)}}}`),
    c('merge customer __proto__ from constructor', notFound, 'POST', () => '/v1/customers/__proto__/merge', () => '{"from":"constructor"}'),
    c('conversations of agent __proto__', notFound, 'GET', () => '/v1/agents/__proto__/conversations'),
    c('conversations of agent constructor', notFound, 'GET', () => '/v1/agents/constructor/conversations'),
    c('customer __proto__', notFound, 'GET', () => '/v1/customers/__proto__'),
    c('customer with handle constructor', notFound, 'GET', () => '/v1/customers?handle=constructor'),
    c('customers with limit 1e9', badRequest, 'GET', () => '/v1/customers/x?limit=1000000000'),
    c('conversation toString', notFound, 'GET', () => '/v1/conversations/toString'),
    c('queue __proto__', accept(200, 0, 'a team nobody queues in has an empty queue'), 'GET', () => '/v1/queues/__proto__'),
    c('no API key', refuse(401, 'unauthorized'), 'POST', resolve, () => '{"by":"ag_hostile"}', { authorization: '' }),
    c('X-Api-Key __proto__', refuse(401, 'unauthorized'), 'POST', resolve, () => '{"by":"ag_hostile"}', { authorization: '', 'x-api-key': '__proto__' }),
    c('Bearer constructor', refuse(401, 'unauthorized'), 'POST', resolve, () => '{"by":"ag_hostile"}', { authorization: 'Bearer constructor' }),
    c('unknown route', notFound, 'POST', (m) => `/v1/conversations/cnv-${m}/explode`, () => '{}'),
    {
      door,
      name: 'the configured agent goes online (Idempotency-Key)',
      expect: accept(202, 1, 'a valid action is one event'),
      claims: (event, marker) => event.type === 'agent.status_changed' && event.data.agent === AGENT && marker.length > 0,
      send: (env, m) => call(env, 'PUT', `/v1/agents/${AGENT}/status`, '{"status":"online","capacity":{"chat":1}}', { 'idempotency-key': `key-${m}` }),
    },
  ];
  return [
    ...cases,
    ...transportCases({
      door,
      path: '/v1/conversations/cnv-transport/resolve',
      contentType: 'application/json',
      headers: () => auth,
      valid: (m) => Buffer.from(JSON.stringify({ by: AGENT, note: m })),
      limit: 5 * 1024 * 1024,
      json: { expect: (problem) => (problem === 'empty' ? refuse(400, 'empty_body') : problem === 'unsupported_charset' ? refuse(415, problem) : refuse(400, problem)) },
    }),
  ];
}

/** Requests aimed at HTTP itself rather than a door: request smuggling shapes, headers, pipelining. */
export function rawCases(): CaseSpec[] {
  const door = 'raw http' as const;
  const malformed = refuse(400, 'malformed_request');
  const c = (name: string, expect: CaseSpec['expect'], steps: string[], timeoutMs?: number): CaseSpec => ({
    door,
    name,
    expect,
    ...(timeoutMs ? { timeoutMs } : {}),
    send: (env) => rawHttp(env, steps, timeoutMs),
  });
  const body = '{"by":"ag_hostile"}';
  const resolvePath = '/v1/conversations/cnv-raw/resolve';
  const common: Array<[string, string]> = [
    ['Authorization', `Bearer ${API_KEY}`],
    ['Content-Type', 'application/json'],
  ];
  return [
    c('two identical Content-Length headers', malformed, [head('POST', resolvePath, [...common, ['Content-Length', String(body.length)], ['Content-Length', String(body.length)]]) + body]),
    c('Content-Length: -1', malformed, [head('POST', resolvePath, [...common, ['Content-Length', '-1']]) + body]),
    c('Content-Length: 1e3', malformed, [head('POST', resolvePath, [...common, ['Content-Length', '1e3']]) + body]),
    c('Content-Length with a plus sign', malformed, [head('POST', resolvePath, [...common, ['Content-Length', `+${body.length}`]]) + body]),
    c('Transfer-Encoding: xchunked', malformed, [head('POST', resolvePath, [...common, ['Transfer-Encoding', 'xchunked']]) + body]),
    c('Transfer-Encoding twice', malformed, [head('POST', resolvePath, [...common, ['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', 'chunked']]) + `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`]),
    c('Transfer-Encoding folded onto a second line', malformed, [`POST ${resolvePath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`]),
    c('a space before the colon', malformed, [`POST ${resolvePath} HTTP/1.1\r\nHost: x\r\nContent-Length : ${body.length}\r\n\r\n${body}`]),
    c('a bare LF line end in the head', malformed, [`POST ${resolvePath} HTTP/1.1\nHost: x\nContent-Length: ${body.length}\n\n${body}`]),
    c('a NUL in a header value', malformed, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Evil: a\u0000b\r\n\r\n`]),
    c('a request line of garbage', malformed, ['\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003 garbage\r\n\r\n']),
    c('an HTTP/2 preface', malformed, ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n']),
    c('HTTP/1.1 without Host', refuse(400, 'missing_host'), [`GET /healthz HTTP/1.1\r\n\r\n`]),
    c('an unknown method', malformed, [`BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n`]),
    c('headers of 20 kB', refuse(431, 'headers_too_large'), [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`]),
    c('5,000 headers', refuse(431, 'headers_too_large'), [`GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 5000 }, (_, n) => `X-H${n}: v\r\n`).join('')}\r\n`]),
    c('a URL of 100 kB', refuse(431, 'headers_too_large'), [`GET /v1/customers/${'u'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]),
    c('a path with %00 and ../', refuse(404, 'not_found'), [`GET /v1/customers/%00/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n`]),
    c('a smuggled request after a complete body (answered one at a time)', refuse(404, 'not_found'), [head('POST', resolvePath, [...common, ['Content-Length', String(body.length)]]) + body + `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`]),
    {
      door,
      name: 'headers sent a byte every 200 ms (slower than the header deadline)',
      expect: refuse(408, 'request_timeout'),
      timeoutMs: 15_000,
      send: (env) => {
        const text = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(200)}\r\n\r\n`;
        return rawHttp(env, [...text].flatMap((ch) => [ch, { wait: 200 }]), 15_000);
      },
    },
  ];
}
