import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSubject } from '../../../events/types/agent.ts';
import type { StoredPresence } from '../../../src/projections/presence.ts';
import { eventually } from '../../support/collect.ts';
import { actionsConfig, API_KEY, OTHER_KEY, startActionsEngine, TENANT, type ActionsEngine } from './support.ts';

let engine: ActionsEngine;

beforeAll(async () => {
  engine = await startActionsEngine(actionsConfig());
});

afterAll(async () => {
  await engine?.close();
});

const putStatus = (agent: string, body: unknown, headers?: Record<string, string>) => engine.api('PUT', `/v1/agents/${agent}/status`, body, headers);
const eventIdOf = (answer: { body: unknown }) => (answer.body as { eventId: string }).eventId;

/** The agent's entry in the tenant's presence hash, once the fold wrote one that satisfies `ready`. */
async function presenceOf(agent: string, ready: (p: StoredPresence) => boolean): Promise<StoredPresence> {
  let found: StoredPresence | null = null;
  await eventually(`presence of ${agent}`, async () => {
    const raw = await engine.harness.ctx.redis.hget((await engine.scope()).keys.agentPresence(TENANT), agent);
    found = raw ? (JSON.parse(raw) as StoredPresence) : null;
    return found !== null && ready(found);
  });
  return found!;
}

interface AgentView {
  id: string;
  status: string;
  since: string | null;
  capacity: Record<string, number>;
  load: Record<string, number>;
}

async function board(): Promise<AgentView[]> {
  const answer = await engine.api('GET', '/v1/agents');
  expect(answer.status).toBe(200);
  return answer.body as AgentView[];
}

describe('PUT /v1/agents/:id/status', () => {
  it('given Anna is offline, when she goes online with more chat seats, then agent.status_changed is on her key and the presence hash shows it', async () => {
    const answer = await putStatus('ag_anna', { status: 'online', capacity: { chat: 4 } });

    expect(answer.status).toBe(202);
    const event = await engine.onLog(eventIdOf(answer));
    expect(event).toMatchObject({ type: 'agent.status_changed', tenant: TENANT, customer: agentSubject('ag_anna'), data: { agent: 'ag_anna', status: 'online', capacity: { chat: 4 } } });
    const presence = await presenceOf('ag_anna', (p) => p.status === 'online');
    expect(presence).toMatchObject({ status: 'online', since: event.time, capacity: { chat: 4 } });
  });

  it('given the same Idempotency-Key twice, then one event is published and both answers are the same', async () => {
    const headers = { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'boris-away-1' };

    const first = await putStatus('ag_boris', { status: 'away' }, headers);
    await presenceOf('ag_boris', (p) => p.status === 'away');
    const retry = await putStatus('ag_boris', { status: 'away' }, headers);
    // A later change on the same key (same partition, after any re-send) proves the log is complete.
    const later = await putStatus('ag_boris', { status: 'online' });
    await engine.onLog(eventIdOf(later));

    expect(first.status).toBe(202);
    expect(retry).toEqual(first);
    const published = engine.harness.events.filter((e) => e.type === 'agent.status_changed' && e.data.agent === 'ag_boris' && e.data.status === 'away');
    expect(published.map((e) => e.id)).toEqual([eventIdOf(first)]);
  });

  it('answers 404 for an agent the workspace does not have, and for an agent of another workspace’s key', async () => {
    expect(await putStatus('ag_nobody', { status: 'online' })).toMatchObject({ status: 404, body: { error: 'not_found', message: expect.stringContaining('ag_nobody') } });
    expect(await putStatus('ag_anna', { status: 'online' }, { authorization: `Bearer ${OTHER_KEY}` })).toMatchObject({ status: 404 });
    expect(await putStatus('ag_anna', { status: 'busy' })).toMatchObject({ status: 400, body: { error: 'bad_request' } });
  });
});

describe('GET /v1/agents', () => {
  it('given Anna online and assigned a chat, then the board shows her presence, her capacity with the override, and the load; a resolution frees it', async () => {
    await putStatus('ag_anna', { status: 'online', capacity: { chat: 4 } });
    await presenceOf('ag_anna', (p) => p.capacity.chat === 4);
    const { conversationId } = await engine.customerWrites();
    await engine.api('POST', `/v1/conversations/${conversationId}/assign`, { agent: 'ag_anna' });
    await engine.conversation(conversationId, (c) => c.assignee === 'ag_anna');

    const anna = (await board()).find((a) => a.id === 'ag_anna');

    expect(anna).toMatchObject({ status: 'online', capacity: { chat: 4, email: 5, sms: 0, social: 0 }, load: { chat: 1, email: 0, sms: 0, social: 0 } });
    expect(anna?.since).not.toBeNull();

    await engine.api('POST', `/v1/conversations/${conversationId}/resolve`, { by: 'ag_anna' });
    await engine.conversation(conversationId, (c) => c.status === 'resolved');
    expect((await board()).find((a) => a.id === 'ag_anna')?.load.chat).toBe(0);
  });

  it('lists every configured agent, one who never signed in as offline with the configured capacity; another workspace sees none of them', async () => {
    const agents = await board();

    expect(agents.map((a) => a.id)).toEqual(['ag_anna', 'ag_boris', 'ag_li']);
    expect(agents[2]).toEqual({
      id: 'ag_li',
      name: 'Li Wei',
      teams: ['billing'],
      status: 'offline',
      since: null,
      capacity: { email: 10, chat: 0, sms: 0, social: 0 },
      load: { email: 0, chat: 0, sms: 0, social: 0 },
    });
    expect(await engine.api('GET', '/v1/agents', undefined, { authorization: `Bearer ${OTHER_KEY}` })).toEqual({ status: 200, body: [] });
  });
});

describe('GET /v1/agents/:id/conversations', () => {
  interface Held {
    id: string;
    assignee: string;
    status: string;
    seat: string;
  }
  const heldBy = async (agent: string, headers?: Record<string, string>) => engine.api('GET', `/v1/agents/${agent}/conversations`, undefined, headers);

  it('given Boris assigned two chats and one resolved, then his list holds the open one with its seat, oldest first; Li holds none', async () => {
    const first = await engine.customerWrites(undefined, 'First question');
    const second = await engine.customerWrites(undefined, 'Second question');
    const third = await engine.customerWrites(undefined, 'Third question');
    for (const { conversationId } of [first, second, third]) {
      expect((await engine.api('POST', `/v1/conversations/${conversationId}/assign`, { agent: 'ag_boris' })).status).toBe(202);
      await engine.conversation(conversationId, (c) => c.assignee === 'ag_boris');
    }
    await engine.api('POST', `/v1/conversations/${second.conversationId}/resolve`, { by: 'ag_boris' });
    await engine.conversation(second.conversationId, (c) => c.status === 'resolved');

    const answer = await heldBy('ag_boris');

    expect(answer.status).toBe(200);
    const body = answer.body as { agent: string; conversations: Held[] };
    expect(body.agent).toBe('ag_boris');
    const mine = body.conversations.filter((c) => [first, second, third].some((x) => x.conversationId === c.id));
    expect(mine.map((c) => c.id)).toEqual([first.conversationId, third.conversationId]);
    expect(mine[0]).toMatchObject({ assignee: 'ag_boris', status: 'open', seat: 'chat', customer: first.customer });
    expect(await heldBy('ag_li')).toEqual({ status: 200, body: { agent: 'ag_li', conversations: [] } });
  });

  it('answers 404 for an agent the workspace does not have, and for an agent of another workspace’s key', async () => {
    expect(await heldBy('ag_nobody')).toMatchObject({ status: 404, body: { error: 'not_found', message: expect.stringContaining('ag_nobody') } });
    expect(await heldBy('ag_anna', { authorization: `Bearer ${OTHER_KEY}` })).toMatchObject({ status: 404 });
  });
});
