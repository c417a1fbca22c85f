import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { chatRoutes } from '../../../src/channels/chat/routes.ts';
import { Ingestor } from '../../../src/channels/ingest.ts';
import type { Config } from '../../../src/config/schema.ts';
import { lazyEventLog } from '../../support/lazy-event-log.ts';
import { createApiServer } from '../../../src/api/server.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { eventually } from '../../support/collect.ts';
import { testLogger } from '../../support/kafka.ts';
import { outboundConfig, startEngine, statusesOf, TENANT, WIDGET_KEY } from '../outbound/support.ts';

let config: Config;
let engine: Awaited<ReturnType<typeof startEngine>>;

beforeAll(async () => {
  // No provider is called here: chat replies go through Redis.
  config = outboundConfig({ providerUrl: 'http://127.0.0.1:9', smtpPort: 9 });
  engine = await startEngine(config, [chatRoutes, actionRoutes]);
});

afterAll(async () => {
  await engine?.close();
});

let visitors = 0;
const visitorToken = () => `visitor-${Date.now().toString(36)}-${++visitors}-abcdefgh`;

async function post(body: unknown, contentType = 'application/json', raw?: string) {
  const response = await fetch(`${engine.harness.url}/v1/chat/messages`, { method: 'POST', headers: { 'content-type': contentType }, body: raw ?? JSON.stringify(body) });
  return { status: response.status, cors: response.headers.get('access-control-allow-origin'), body: (await response.json()) as Record<string, unknown> };
}

/** A visitor's socket, collecting what it receives; or the HTTP status that refused the upgrade. */
function connect(query: string): Promise<{ socket: WebSocket; received: Array<Record<string, unknown>> } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${engine.harness.url.replace('http', 'ws')}/v1/chat/ws?${query}`);
    const received: Array<Record<string, unknown>> = [];
    socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
    socket.once('open', () => resolve({ socket, received }));
    socket.once('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    socket.once('error', reject);
  });
}

async function connected(token: string) {
  const result = await connect(`widgetKey=${WIDGET_KEY}&visitorToken=${token}`);
  if ('refused' in result) throw new Error(`refused with ${result.refused}`);
  return result;
}

describe('POST /v1/chat/messages', () => {
  it('turns a visitor’s message into message.received once Kafka acknowledged, once per clientMessageId', async () => {
    const token = visitorToken();
    const first = await post({ widgetKey: WIDGET_KEY, visitorToken: token, text: 'Hi, is anyone there?', clientMessageId: 'm1' });
    expect(first).toMatchObject({ status: 202, cors: '*', body: { status: 'accepted' } });
    // A flaky network re-sends: the same message, not a second one. text/plain needs no CORS preflight.
    const again = await post({ widgetKey: WIDGET_KEY, visitorToken: token, text: 'Hi, is anyone there?', clientMessageId: 'm1' }, 'text/plain');
    expect(again).toMatchObject({ status: 202, body: { status: 'duplicate', eventId: first.body.eventId } });

    await eventually('the event', () => engine.harness.events.some((e) => e.id === first.body.eventId));
    const received = engine.harness.events.filter((e) => e.type === 'message.received' && e.data.handle === token);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ tenant: TENANT, data: { channel: 'chat', provider: 'webchat', handle: token, text: 'Hi, is anyone there?', providerMessageId: `${token}/m1` } });
  });

  it('answers a CORS preflight', async () => {
    const response = await fetch(`${engine.harness.url}/v1/chat/messages`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('refuses bad input with 400 or 403 and keeps it on the rejected-input topic', async () => {
    expect(await post(undefined, 'application/json', '{"widgetKey":')).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    const short = await post({ widgetKey: WIDGET_KEY, visitorToken: 'short', text: 'hi' });
    expect(short).toMatchObject({ status: 400, body: { error: 'invalid_body', issues: [expect.objectContaining({ path: ['visitorToken'] })] } });
    expect(await post({ widgetKey: WIDGET_KEY, visitorToken: visitorToken(), text: '   ' })).toMatchObject({ status: 400, body: { error: 'invalid_body' } });
    expect(await post({ widgetKey: 'wk_nobody_knows_it', visitorToken: visitorToken(), text: 'hi' })).toMatchObject({ status: 403, body: { error: 'unknown_widget' } });

    const rejected = await engine.harness.rejected();
    expect(rejected.filter((r) => r.provider === 'webchat')).toHaveLength(4);
    expect(rejected.some((r) => r.body === '{"widgetKey":')).toBe(true);
  });

  it('answers 503 while Kafka is down, so the widget retries', async () => {
    const dead = lazyEventLog(
      () => openKafkaEventLog({ kafka: createKafka({ ...config.kafka, brokers: ['127.0.0.1:1'] }, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 500 }),
      500,
    );
    const ctx = engine.harness.ctx;
    const ingestor = new Ingestor({ redis: ctx.redis, instance: config.instance, identities: ctx.identities, eventLog: dead, source: '/adapters' });
    const app = createApiServer({ config, redis: ctx.redis, eventLog: dead, logger: testLogger, extensions: [(scope) => chatRoutes(scope, { ...ctx, eventLog: dead, ingestor })] });
    try {
      const response = await app.inject({ method: 'POST', url: '/v1/chat/messages', headers: { 'content-type': 'application/json' }, payload: { widgetKey: WIDGET_KEY, visitorToken: visitorToken(), text: 'anyone?', clientMessageId: 'x1' } });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toMatchObject({ error: 'log_unavailable' });
    } finally {
      await app.close();
      await dead.close();
    }
  });
});

describe('GET /v1/chat/ws', () => {
  it('refuses an unknown widget (403) or a bad token (400) before upgrading', async () => {
    expect(await connect(`widgetKey=wk_nobody_knows_it&visitorToken=${visitorToken()}`)).toEqual({ refused: 403 });
    expect(await connect(`widgetKey=${WIDGET_KEY}&visitorToken=no`)).toEqual({ refused: 400 });
  });

  it('delivers an agent’s reply to the visitor’s socket live', async () => {
    const token = visitorToken();
    const visitor = await connected(token);
    const bystander = await connected(visitorToken());
    try {
      const posted = await post({ widgetKey: WIDGET_KEY, visitorToken: token, text: 'My order is late', clientMessageId: 'c1' });
      expect(posted.status).toBe(202);
      const conversationId = `cv_${String(posted.body.eventId)}`;
      await engine.conversation(conversationId);

      const reply = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'Sorry! It ships today.', authorId: 'agent-7' });
      expect(reply.status).toBe(202);
      const { messageId } = reply.body as { messageId: string };
      await eventually('the reply on the socket', () => visitor.received.length > 0);
      expect(visitor.received).toEqual([{ type: 'message', messageId, text: 'Sorry! It ships today.', author: { kind: 'agent', id: 'agent-7' }, at: expect.any(String) }]);
      await eventually('sent', () => statusesOf(engine.harness.events, messageId).some((s) => s.status === 'sent'));
      expect(bystander.received).toEqual([]);
    } finally {
      visitor.socket.close();
      bystander.socket.close();
    }
  });

  it('keeps a reply for a visitor with no socket open and sends it on the next connect', async () => {
    const token = visitorToken();
    const posted = await post({ widgetKey: WIDGET_KEY, visitorToken: token, text: 'Are you open today?' });
    const conversationId = `cv_${String(posted.body.eventId)}`;
    await engine.conversation(conversationId);
    const reply = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'Until 6 pm.', authorId: 'agent-3' });
    const { messageId } = reply.body as { messageId: string };
    await eventually('sent', () => statusesOf(engine.harness.events, messageId).some((s) => s.status === 'sent'));

    const visitor = await connected(token);
    try {
      await eventually('the kept reply', () => visitor.received.length > 0);
      expect(visitor.received.map((m) => m.text)).toEqual(['Until 6 pm.']);
    } finally {
      visitor.socket.close();
    }
  });
});
