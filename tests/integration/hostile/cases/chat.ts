import type WebSocket from 'ws';
import { accept, head, http, rawHttp, refuse, WIDGET_KEY, ws, wsSession, type CaseSpec, type HostileEnv } from '../support.ts';
import { transportCases } from './transport.ts';

const PATH = '/v1/chat/messages';

const visitor = (marker: string) => `visitor-${marker}-abcdefgh`;

export const chatBody = (marker: string, overrides: Record<string, unknown> = {}) => ({
  widgetKey: WIDGET_KEY,
  visitorToken: visitor(marker),
  text: `hello ${marker}`,
  clientMessageId: `c-${marker}`,
  ...overrides,
});

const post = (env: HostileEnv, body: string | Buffer, contentType = 'application/json') => http(env, { path: PATH, headers: { 'content-type': contentType }, body });

function httpCases(): CaseSpec[] {
  const door = 'chat http' as const;
  const c = (name: string, expect: CaseSpec['expect'], body: (m: string) => string | Buffer, contentType?: string): CaseSpec => ({ door, name, expect, send: (env, m) => post(env, body(m), contentType) });
  const json = (m: string, o: Record<string, unknown> = {}) => JSON.stringify(chatBody(m, o));
  const invalid = refuse(400, 'invalid_body');
  return [
    c('a valid message', accept(202, 1, 'answered once Kafka acknowledged'), (m) => json(m)),
    c('a valid message as text/plain (no CORS preflight)', accept(202, 1, 'browsers send text/plain cross-origin'), (m) => json(m), 'text/plain'),
    c('widgetKey __proto__', refuse(403, 'unknown_widget'), (m) => json(m, { widgetKey: '__proto__' })),
    c('widgetKey constructor', refuse(403, 'unknown_widget'), (m) => json(m, { widgetKey: 'constructor' })),
    c('widgetKey hasOwnProperty', refuse(403, 'unknown_widget'), (m) => json(m, { widgetKey: 'hasOwnProperty' })),
    c('a __proto__ key', invalid, (m) => json(m).replace(/^\{/, '{"__proto__":{"polluted":true},')),
    c('a constructor key', invalid, (m) => json(m).replace(/^\{/, '{"constructor":{"prototype":{"polluted":true}},')),
    c('text of 10,001 characters', invalid, (m) => json(m, { text: `${m} ${'t'.repeat(10_000)}` })),
    c('text of 60 kB (under the body limit)', invalid, (m) => json(m, { text: `${m} ${'t'.repeat(60_000)}` })),
    c('text of 1.05 MB', refuse(413, 'payload_too_large'), (m) => json(m, { text: `${m} ${'t'.repeat(1_050_000)}` })),
    c('only whitespace as text', invalid, (m) => json(m, { text: ' \n\t ' })),
    c('text that is a number', invalid, (m) => json(m, { text: 42 })),
    c('text that is an array', invalid, (m) => json(m, { text: ['a'] })),
    c('a visitor token of 15 characters', invalid, (m) => json(m, { visitorToken: 'short-token-123' })),
    c('a visitor token with a slash', invalid, (m) => json(m, { visitorToken: `../../${m}-abcdefgh` })),
    c('a clientMessageId of 200 characters', invalid, (m) => json(m, { clientMessageId: 'c'.repeat(200) })),
    c('no widgetKey', invalid, (m) => json(m, { widgetKey: undefined })),
    c('not JSON', refuse(400, 'invalid_json'), () => '{widgetKey:'),
    c('JSON null', invalid, () => 'null'),
    c('a JSON array', invalid, (m) => `[${json(m)}]`),
    c('a lone surrogate in the text', accept(202, 1, 'JSON allows it; the event keeps it escaped'), (m) => json(m).replace(`"hello ${m}"`, `"hello ${m} \\udfff"`)),
    {
      door,
      name: 'the same clientMessageId three times',
      expect: accept(202, 1, 'a re-sent message is one event'),
      send: async (env, m) => {
        await post(env, json(m));
        await post(env, json(m));
        return post(env, json(m));
      },
    },
    {
      door,
      name: 'CORS preflight',
      expect: accept(204, 0, 'the widget runs on the tenant’s site'),
      send: (env) => http(env, { method: 'OPTIONS', path: PATH, headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } }),
    },
  ];
}

function wsCases(): CaseSpec[] {
  const door = 'chat websocket' as const;
  const query = (m: string, o: { widgetKey?: string; visitorToken?: string } = {}) =>
    new URLSearchParams({ widgetKey: o.widgetKey ?? WIDGET_KEY, visitorToken: o.visitorToken ?? visitor(m) }).toString();
  const c = (name: string, expect: CaseSpec['expect'], q: (m: string) => string, act: (socket: WebSocket, m: string) => void = () => undefined, holdMs = 300): CaseSpec => ({
    door,
    name,
    expect,
    send: (env, m) => wsSession(env, q(m), (s) => act(s, m), holdMs),
  });
  return [
    c('a valid connection', ws('open', 'the visitor’s socket stays open'), (m) => query(m)),
    c('no parameters', refuse(400, 'bad_request'), () => ''),
    c('widgetKey __proto__', refuse(403, 'unknown_widget'), (m) => query(m, { widgetKey: '__proto__' })),
    c('widgetKey constructor', refuse(403, 'unknown_widget'), (m) => query(m, { widgetKey: 'constructor' })),
    c('widgetKey toString', refuse(403, 'unknown_widget'), (m) => query(m, { widgetKey: 'toString' })),
    c('visitorToken __proto__', refuse(400, 'bad_request'), (m) => query(m, { visitorToken: '__proto__' })),
    c('visitorToken of 10 kB', refuse(400, 'bad_request'), (m) => query(m, { visitorToken: 'v'.repeat(10_000) })),
    c('widgetKey given twice', refuse(400, 'bad_request'), (m) => `${query(m)}&widgetKey=${WIDGET_KEY}`),
    c('text frames of junk', ws('open', 'the socket only carries replies out; what a client sends is ignored'), (m) => query(m), (s) => {
      for (let n = 0; n < 50; n++) s.send(`{"__proto__":{"x":${n}}}`);
    }),
    c('binary frames', ws('open', 'ignored'), (m) => query(m), (s) => s.send(Buffer.alloc(1000, 0xff))),
    c('a frame over 16 KiB', ws(1009, 'a frame over the socket’s maximum closes it (1009, message too big)'), (m) => query(m), (s) => s.send('x'.repeat(17 * 1024)), 1000),
    c('a frame of 1 MB', ws(1009, 'closed (1009)'), (m) => query(m), (s) => s.send(Buffer.alloc(1024 * 1024)), 1000),
    {
      door,
      name: 'an upgrade with a Sec-WebSocket-Key that is not base64',
      expect: refuse(400, 'bad_upgrade'),
      send: (env, m) =>
        rawHttp(env, [head('GET', `/v1/chat/ws?${query(m)}`, [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', '%%%not base64%%%']])]),
    },
    {
      door,
      name: 'an upgrade for WebSocket version 8',
      expect: accept(101, 0, 'the WebSocket library speaks versions 8 and 13'),
      send: (env, m) =>
        rawHttp(env, [head('GET', `/v1/chat/ws?${query(m)}`, [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '8'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']])]),
    },
    {
      door,
      name: 'an upgrade for WebSocket version 99',
      expect: refuse(400, 'bad_upgrade'),
      send: (env, m) =>
        rawHttp(env, [head('GET', `/v1/chat/ws?${query(m)}`, [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '99'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']])]),
    },
    {
      door,
      name: 'an upgrade to something else than websocket',
      expect: refuse(400, 'bad_upgrade'),
      send: (env, m) =>
        rawHttp(env, [head('GET', `/v1/chat/ws?${query(m)}`, [['Upgrade', 'h2c'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']])]),
    },
    {
      door,
      name: 'a plain GET without the upgrade',
      expect: refuse(426, 'upgrade_required'),
      send: (env, m) => http(env, { method: 'GET', path: `/v1/chat/ws?${query(m)}` }),
    },
  ];
}

export function chatCases(): CaseSpec[] {
  return [
    ...httpCases(),
    ...wsCases(),
    ...transportCases({
      door: 'chat http',
      path: PATH,
      contentType: 'application/json',
      valid: (m) => Buffer.from(JSON.stringify(chatBody(m))),
      limit: 64 * 1024,
      json: { expect: (problem) => (problem === 'empty' ? refuse(400, 'invalid_json') : problem === 'unsupported_charset' ? refuse(415, problem) : refuse(400, problem)) },
    }),
  ];
}
