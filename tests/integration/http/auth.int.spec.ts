import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { conversationIdFor } from '../../../src/domain/fold/conversation.ts';
import { at, build, seed, startApi, type TestApi } from './support.ts';

let api: TestApi;
let conversationId: string;

beforeAll(async () => {
  api = await startApi();
  const { a } = api.tenants;
  const wrote = build.received(a, 'ana', at(0), { channel: 'email', handle: 'ana@example.com', text: 'Where is my refund?' });
  conversationId = conversationIdFor(wrote.id);
  await seed(api.store, [wrote, build.triaged(a, 'ana', conversationId, at(1), { team: 'billing', priority: 'high' })]);
});

afterAll(async () => {
  await api?.close();
});

describe('API keys', () => {
  it('answers 401 JSON without a key or with an unknown one', async () => {
    for (const key of [null, 'not-a-key-of-anyone-0000']) {
      const { status, body, headers } = await api.get('/v1/customers/ana', key);
      expect(status).toBe(401);
      expect(body).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
      expect(headers.get('content-type')).toMatch(/^application\/json/);
    }
    const post = await fetch(`${api.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(401);
  });

  it('takes the key as a Bearer token or as X-Api-Key', async () => {
    const bearer = await fetch(`${api.url}/v1/customers/ana`, { headers: { authorization: `bearer ${api.keys.a}` } });
    const header = await fetch(`${api.url}/v1/customers/ana`, { headers: { 'x-api-key': api.keys.a } });
    expect(bearer.status).toBe(200);
    expect(header.status).toBe(200);
    // A Basic (or otherwise malformed) Authorization header is no key at all.
    const basic = await fetch(`${api.url}/v1/customers/ana`, { headers: { authorization: `Basic ${api.keys.a}` } });
    expect(basic.status).toBe(401);
  });

  it('never shows one tenant’s data to another tenant’s key', async () => {
    const { b } = api.keys;
    expect((await api.get('/v1/customers/ana', b)).status).toBe(404);
    expect((await api.get(`/v1/conversations/${conversationId}`, b)).status).toBe(404);
    expect((await api.get(`/v1/customers?handle=${encodeURIComponent('ana@example.com')}`, b)).status).toBe(404);
    expect((await api.get('/v1/queues/billing', b)).body).toEqual({ team: 'billing', conversations: [] });

    // The same customer id under tenant b is b's own customer, and only b sees it.
    await seed(api.store, [build.received(api.tenants.b, 'ana', at(5), { channel: 'sms', handle: '+15550001', text: 'b’s ana' })]);
    const asB = await api.get('/v1/customers/ana', b);
    const asA = await api.get('/v1/customers/ana');
    expect(asB.status).toBe(200);
    expect(asB.body.customer).toMatchObject({ tenant: api.tenants.b, id: 'ana' });
    expect(asA.body.customer).toMatchObject({ tenant: api.tenants.a, id: 'ana' });
    expect((asB.body.timeline as Array<{ channel: string }>).map((e) => e.channel)).toEqual(['sms']);
  });
});

describe('errors and health', () => {
  it('answers unknown routes and bad parameters with JSON, never HTML', async () => {
    const unknown = await fetch(`${api.url}/nope?handle=secret`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await unknown.json()).toEqual({ error: 'not_found', message: 'no route GET /nope' });

    const badLimit = await api.get('/v1/customers/ana?limit=abc');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body).toMatchObject({ error: 'bad_request', message: expect.stringContaining('limit') });
    expect(JSON.stringify(badLimit.body)).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('GET /healthz and /readyz answer without a key: alive, and ready when Redis answers PING', async () => {
    const response = await fetch(`${api.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis: 'ok' } });
  });

  it('answers 503 JSON when Redis does not answer: /readyz (naming Redis; /healthz stays 200), and reads after their timeout', async () => {
    // Nothing listens on port 1: a real client that never gets an answer.
    const deadRedis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: null, retryStrategy: () => 200 });
    deadRedis.on('error', () => undefined);
    const down = await startApi({ redis: deadRedis, readTimeoutMs: 500 });
    try {
      const ready = await fetch(`${down.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unready', error: 'unready', failed: ['redis'] });
      // Alive all the same: restarting the api would not bring Redis back.
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);

      const read = await down.get('/v1/customers/ana');
      expect(read.status).toBe(503);
      expect(read.body).toEqual({ error: 'timeout', message: 'the request took too long; retry later' });
      expect(read.headers.get('retry-after')).toBe('5');
    } finally {
      await down.close();
      deadRedis.disconnect();
    }
  });
});
