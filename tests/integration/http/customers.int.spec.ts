import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationIdFor } from '../../../src/domain/fold/conversation.ts';
import { controlKeys } from '../../../src/projections/keys.ts';
import { ProjectionStore } from '../../../src/projections/store.ts';
import { dropNamespace } from '../../support/namespace.ts';
import { at, build, seed, startApi, type TestApi } from './support.ts';

interface Summary {
  id: string;
  customer: string;
  channels: string[];
  status: string;
}
interface Entry {
  at: string;
  channel: string;
  direction: string;
  text: string;
  conversationId: string;
  customerId: string;
}
const day = 24 * 60;

let api: TestApi;
const ids = { first: '', second: '' };

beforeAll(async () => {
  api = await startApi();
  const t = api.tenants.a;
  // Ana writes by e-mail; two days later (the first conversation resolved by inactivity) by SMS, then on chat.
  const email = build.received(t, 'ana', at(0), { channel: 'email', handle: 'ana@example.com', text: 'Where is my refund?', subject: 'Refund' });
  const sms = build.received(t, 'ana', at(2 * day), { channel: 'sms', handle: '+4915112345678', text: 'Any news?' });
  ids.first = conversationIdFor(email.id);
  ids.second = conversationIdFor(sms.id);
  await seed(api.store, [
    email,
    build.sent(t, 'ana', at(5), { channel: 'email', text: 'We are on it.' }),
    sms,
    build.received(t, 'ana', at(2 * day + 1), { channel: 'chat', handle: 'visitor-ana', text: 'Hello from chat' }),
    build.sent(t, 'ana', at(2 * day + 3), { channel: 'chat', text: 'Refund sent today.' }),
  ]);
});

afterAll(async () => {
  await api?.close();
});

describe('GET /v1/customers/:id', () => {
  it('gives the customer, the conversations newest first and one timeline across channels', async () => {
    const { status, body } = await api.get('/v1/customers/ana');
    expect(status).toBe(200);
    expect(body.customer).toMatchObject({ id: 'ana', tenant: api.tenants.a, conversationIds: [ids.first, ids.second] });
    expect(body).not.toHaveProperty('mergedInto');
    const conversations = body.conversations as Summary[];
    expect(conversations.map((c) => [c.id, c.status, c.channels])).toEqual([
      [ids.second, 'pending', ['sms', 'chat']],
      [ids.first, 'resolved', ['email']],
    ]);
    const timeline = body.timeline as Entry[];
    expect(timeline.map((e) => [e.channel, e.direction, e.text, e.conversationId])).toEqual([
      ['email', 'in', 'Where is my refund?', ids.first],
      ['email', 'out', 'We are on it.', ids.first],
      ['sms', 'in', 'Any news?', ids.second],
      ['chat', 'in', 'Hello from chat', ids.second],
      ['chat', 'out', 'Refund sent today.', ids.second],
    ]);
  });

  it('keeps the latest ?limit= entries of the timeline', async () => {
    const { body } = await api.get('/v1/customers/ana?limit=2');
    expect((body.timeline as Entry[]).map((e) => e.text)).toEqual(['Hello from chat', 'Refund sent today.']);
    expect(body.conversations).toHaveLength(2);
    expect((await api.get('/v1/customers/ana?limit=0')).status).toBe(400);
  });

  it('answers 404 JSON for an unknown customer', async () => {
    const { status, body } = await api.get('/v1/customers/nobody');
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'not_found', message: 'customer not found' });
  });

  it('reads the namespace a rebuild switched to, from the next request on', async () => {
    const rebuilt = `${api.namespace}-rebuilt`;
    const store = new ProjectionStore(api.redis, rebuilt);
    try {
      await seed(store, [build.received(api.tenants.a, 'only-rebuilt', at(0), { channel: 'chat', handle: 'v-1', text: 'hi' })]);
      expect((await api.get('/v1/customers/only-rebuilt')).status).toBe(404);
      await api.redis.set(controlKeys(api.instance).activeNamespace, rebuilt);
      expect((await api.get('/v1/customers/only-rebuilt')).status).toBe(200);
      expect((await api.get('/v1/customers/ana')).status).toBe(404);
    } finally {
      await api.redis.del(controlKeys(api.instance).activeNamespace);
      await dropNamespace(api.redis, rebuilt);
    }
    expect((await api.get('/v1/customers/ana')).status).toBe(200);
  });
});

describe('GET /v1/customers?handle=', () => {
  it('finds the customer by e-mail (any case), phone or social handle', async () => {
    for (const handle of ['ana@example.com', 'Ana@Example.COM', '+4915112345678', 'visitor-ana']) {
      const { status, body } = await api.get(`/v1/customers?handle=${encodeURIComponent(handle)}`);
      expect(status, handle).toBe(200);
      expect((body.customer as { id: string }).id).toBe('ana');
      expect(body.conversations).toHaveLength(2);
      expect(body.timeline).toHaveLength(5);
    }
  });

  it('answers 404 for an unknown handle (without repeating it) and 400 without one', async () => {
    const unknown = await api.get(`/v1/customers?handle=${encodeURIComponent('who@example.com')}`);
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).not.toContain('who@example.com');
    const missing = await api.get('/v1/customers');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'bad_request' });
  });

  it('answers 409 with the candidates when two people share a handle', async () => {
    const t = api.tenants.a;
    await seed(api.store, [build.received(t, 'flatmate-1', at(0), { channel: 'sms', handle: '+15550100', text: 'hi' })]);
    await seed(api.store, [build.received(t, 'flatmate-2', at(1), { channel: 'sms', handle: '+15550100', text: 'hello' })]);
    const { status, body } = await api.get(`/v1/customers?handle=${encodeURIComponent('+15550100')}`);
    expect(status).toBe(409);
    expect(body).toMatchObject({ error: 'ambiguous_handle', customers: ['flatmate-1', 'flatmate-2'] });
  });
});

describe('merged customers', () => {
  const survivor = 'bob';
  const absorbed = 'bob-sms';
  const conv = { survivor: '', absorbed: '' };

  beforeAll(async () => {
    const t = api.tenants.a;
    const mail = build.received(t, survivor, at(10), { channel: 'email', handle: 'bob@example.com', text: 'Invoice is wrong' });
    const text = build.received(t, absorbed, at(20), { channel: 'sms', handle: '+15550123', text: 'It is Bob, about the invoice' });
    conv.survivor = conversationIdFor(mail.id);
    conv.absorbed = conversationIdFor(text.id);
    const merge = { survivor, absorbed };
    await seed(api.store, [mail, build.merged(t, survivor, at(30), merge), build.sent(t, survivor, at(40), { channel: 'email', text: 'Fixed it.' })]);
    await seed(api.store, [text, build.merged(t, absorbed, at(30), merge)]);
  });

  it('shows the survivor with the absorbed customer’s conversations and timeline', async () => {
    const { status, body } = await api.get(`/v1/customers/${survivor}`);
    expect(status).toBe(200);
    expect(body).not.toHaveProperty('mergedInto');
    expect(body.customer).toMatchObject({ id: survivor, mergedFrom: [absorbed] });
    expect((body.conversations as Summary[]).map((c) => [c.id, c.customer])).toEqual([
      [conv.absorbed, absorbed],
      [conv.survivor, survivor],
    ]);
    expect((body.timeline as Entry[]).map((e) => [e.channel, e.customerId, e.text])).toEqual([
      ['email', survivor, 'Invoice is wrong'],
      ['sms', absorbed, 'It is Bob, about the invoice'],
      ['email', survivor, 'Fixed it.'],
    ]);
  });

  it('answers for the absorbed customer with the survivor’s view and mergedInto', async () => {
    const merged = await api.get(`/v1/customers/${absorbed}`);
    const direct = await api.get(`/v1/customers/${survivor}`);
    expect(merged.status).toBe(200);
    expect(merged.body.mergedInto).toBe(survivor);
    expect({ ...merged.body, mergedInto: undefined }).toEqual({ ...direct.body, mergedInto: undefined });
    // The absorbed customer's handle leads to the same person.
    const byHandle = await api.get(`/v1/customers?handle=${encodeURIComponent('+15550123')}`);
    expect(byHandle.status).toBe(200);
    expect((byHandle.body.customer as { id: string }).id).toBe(survivor);
  });
});
