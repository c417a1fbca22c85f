import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { conversationIdFor } from '../../../src/domain/fold/conversation.ts';
import { at, build, seed, startApi, type TestApi } from './support.ts';

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

describe('GET /v1/conversations/:id', () => {
  it('gives the conversation and its transcript, oldest first', async () => {
    const t = api.tenants.a;
    const first = build.received(t, 'cleo', at(0), { channel: 'chat', handle: 'visitor-cleo', text: 'My order is late' });
    const id = conversationIdFor(first.id);
    await seed(api.store, [
      first,
      build.sent(t, 'cleo', at(2), { channel: 'chat', text: 'Let me check.', agent: 'agent-7' }),
      build.received(t, 'cleo', at(3), { channel: 'email', handle: 'cleo@example.com', text: 'Sending the receipt by mail' }),
    ]);
    const { status, body } = await api.get(`/v1/conversations/${id}`);
    expect(status).toBe(200);
    expect(body.conversation).toMatchObject({ id, customer: 'cleo', tenant: t, channels: ['chat', 'email'], messageCount: 3, firstResponseAt: at(2) });
    expect(body.transcript).toEqual([
      expect.objectContaining({ eventId: first.id, direction: 'in', channel: 'chat', text: 'My order is late', author: { kind: 'customer', id: 'cleo' } }),
      expect.objectContaining({ direction: 'out', channel: 'chat', text: 'Let me check.', author: { kind: 'agent', id: 'agent-7' } }),
      expect.objectContaining({ direction: 'in', channel: 'email', text: 'Sending the receipt by mail' }),
    ]);
  });

  it('answers 404 JSON for an unknown conversation', async () => {
    const { status, body } = await api.get('/v1/conversations/cv_unknown');
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'not_found', message: 'conversation not found' });
  });
});

describe('GET /v1/queues/:team', () => {
  const open = async (customer: string, minute: number, priority: 'low' | 'normal' | 'urgent', assignee?: string) => {
    const t = api.tenants.a;
    const wrote = build.received(t, customer, at(minute), { channel: 'sms', handle: `+1555${minute}`, text: `help ${customer}` });
    const id = conversationIdFor(wrote.id);
    const events: AnyEvent[] = [wrote, build.triaged(t, customer, id, at(minute + 1), { team: 'returns', priority })];
    if (assignee) events.push(build.assigned(t, customer, id, at(minute + 2), assignee));
    await seed(api.store, events);
    return id;
  };

  it('lists the team’s waiting conversations, most urgent first, with ?limit=', async () => {
    const low = await open('q-low', 0, 'low');
    const normalLater = await open('q-normal-later', 30, 'normal');
    const urgent = await open('q-urgent', 40, 'urgent');
    const normalEarlier = await open('q-normal-earlier', 10, 'normal');
    await open('q-assigned', 5, 'urgent', 'agent-3');

    const { status, body } = await api.get('/v1/queues/returns');
    expect(status).toBe(200);
    expect(body.team).toBe('returns');
    const listed = body.conversations as Array<{ id: string; priority: string; team: string; assignee: string | null }>;
    expect(listed.map((c) => c.id)).toEqual([urgent, normalEarlier, normalLater, low]);
    expect(listed[0]).toMatchObject({ priority: 'urgent', team: 'returns', assignee: null });

    const top = await api.get('/v1/queues/returns?limit=2');
    expect((top.body.conversations as Array<{ id: string }>).map((c) => c.id)).toEqual([urgent, normalEarlier]);
  });

  it('gives an empty list for a team with nobody waiting', async () => {
    expect((await api.get('/v1/queues/nobody-here')).body).toEqual({ team: 'nobody-here', conversations: [] });
  });
});
