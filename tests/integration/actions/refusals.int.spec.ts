import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { createApiServer } from '../../../src/api/server.ts';
import { testLogger, unreachableEventLog } from '../../support/kafka.ts';
import { actionsConfig, API_KEY, asAgent, OTHER_KEY, startActionsEngine, type ActionsEngine } from './support.ts';

let engine: ActionsEngine;

beforeAll(async () => {
  engine = await startActionsEngine(actionsConfig());
});

afterAll(async () => {
  await engine?.close();
});

const post = (conversationId: string, action: string, body: unknown) => engine.api('POST', `/v1/conversations/${conversationId}/${action}`, body);
const refused = (status: number, error: string, message: RegExp) => ({ status, body: { error, message: expect.stringMatching(message) } });

/** The types published for the conversation, once a marker proves the log has everything before it. */
const publishedTypes = async (conversationId: string) => (await engine.settledEventsOf(conversationId)).map((e) => e.type);

describe('refused actions answer 409 naming why, and publish nothing', () => {
  it('given a resolved conversation, then assign, transfer, priority and resolve are refused', async () => {
    const { conversationId } = await engine.customerWrites();
    await post(conversationId, 'resolve', { by: 'ag_anna' });
    await engine.conversation(conversationId, (c) => c.status === 'resolved');

    expect(await post(conversationId, 'assign', { agent: 'ag_anna' })).toMatchObject(refused(409, 'conversation_resolved', /resolved/));
    expect(await post(conversationId, 'transfer', { toTeam: 'billing', by: asAgent('ag_anna') })).toMatchObject(refused(409, 'conversation_resolved', /resolved/));
    expect(await post(conversationId, 'priority', { priority: 'high', by: 'ag_anna' })).toMatchObject(refused(409, 'conversation_resolved', /resolved/));
    expect(await post(conversationId, 'resolve', { by: 'ag_anna' })).toMatchObject(refused(409, 'already_resolved', /already resolved/));

    expect(await publishedTypes(conversationId)).toEqual(['conversation.resolved']);
  });

  it('given an open conversation held by Anna at normal priority, then reopen, assigning Anna again, a transfer changing nothing and the same priority are refused', async () => {
    const { customer, conversationId } = await engine.customerWrites();
    await engine.triaged(customer, conversationId, 'support');
    await post(conversationId, 'assign', { agent: 'ag_anna' });
    await engine.conversation(conversationId, (c) => c.assignee === 'ag_anna');

    expect(await post(conversationId, 'reopen', { by: 'ag_anna' })).toMatchObject(refused(409, 'not_resolved', /is open, not resolved/));
    expect(await post(conversationId, 'assign', { agent: 'ag_anna' })).toMatchObject(refused(409, 'already_assigned', /already assigned to ag_anna/));
    expect(await post(conversationId, 'transfer', { toAgent: 'ag_anna', by: asAgent('ag_boris') })).toMatchObject(refused(409, 'no_change', /already with ag_anna in team support/));
    expect(await post(conversationId, 'transfer', { toAgent: 'ag_anna', toTeam: 'support', by: asAgent('ag_boris') })).toMatchObject(refused(409, 'no_change', /change nothing/));
    expect(await post(conversationId, 'priority', { priority: 'normal', by: 'ag_anna' })).toMatchObject(refused(409, 'same_priority', /already normal/));

    expect(await publishedTypes(conversationId)).toEqual(['conversation.triaged', 'conversation.assigned']);
  });

  it('given a customer whose next message opened another conversation, when the resolved one is reopened, then the refusal names the open one', async () => {
    const first = await engine.customerWrites(undefined, 'My parcel is late');
    await post(first.conversationId, 'resolve', { by: 'ag_anna' });
    await engine.conversation(first.conversationId, (c) => c.status === 'resolved');
    const second = await engine.customerWrites(first.customer, 'Also, my invoice is wrong');

    const answer = await post(first.conversationId, 'reopen', { by: 'ag_anna' });

    expect(answer).toMatchObject(refused(409, 'customer_has_open_conversation', new RegExp(second.conversationId)));
    expect(answer.body).toMatchObject({ openConversation: second.conversationId });
    expect(await publishedTypes(first.conversationId)).toEqual(['conversation.resolved']);
    expect((await engine.conversation(second.conversationId)).status).toBe('open');
  });
});

describe('actions naming what the workspace does not have answer 422', () => {
  it('refuses an unknown agent or team, and an agent outside the team named with them', async () => {
    const { conversationId } = await engine.customerWrites();

    expect(await post(conversationId, 'assign', { agent: 'ag_nobody' })).toMatchObject(refused(422, 'unknown_agent', /ag_nobody is not an agent/));
    expect(await post(conversationId, 'transfer', { toAgent: 'ag_nobody', by: asAgent('ag_anna') })).toMatchObject(refused(422, 'unknown_agent', /ag_nobody/));
    expect(await post(conversationId, 'transfer', { toTeam: 'legal', by: asAgent('ag_anna') })).toMatchObject(refused(422, 'unknown_team', /legal is not a team/));
    expect(await post(conversationId, 'transfer', { toAgent: 'ag_boris', toTeam: 'billing', by: asAgent('ag_anna') })).toMatchObject(
      refused(422, 'agent_not_in_team', /ag_boris is not in team billing/),
    );
    expect(await post(conversationId, 'transfer', { by: asAgent('ag_anna') })).toMatchObject(refused(400, 'bad_request', /toAgent, toTeam or both/));

    expect(await publishedTypes(conversationId)).toEqual([]);
  });
});

describe('tenancy and input', () => {
  it('answers 404 for another tenant’s conversation and for an unknown one, 400 for a bad body, 401 without a key', async () => {
    const { conversationId } = await engine.customerWrites();
    const asGlobex = { authorization: `Bearer ${OTHER_KEY}` };

    for (const [action, body] of [
      ['assign', { agent: 'ag_anna' }],
      ['resolve', { by: 'ag_anna' }],
      ['notes', { text: 'peek', authorId: 'x' }],
    ] as const) {
      expect(await engine.api('POST', `/v1/conversations/${conversationId}/${action}`, body, asGlobex)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    }
    expect(await post('cv_unknown', 'priority', { priority: 'high', by: 'ag_anna' })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await post(conversationId, 'priority', { priority: 'sky-high', by: 'ag_anna' })).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect(await post(conversationId, 'resolve', { by: 'ag_anna', note: 'unknown field' })).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect((await engine.api('POST', `/v1/conversations/${conversationId}/resolve`, { by: 'ag_anna' }, {})).status).toBe(401);

    expect(await publishedTypes(conversationId)).toEqual([]);
  });
});

describe('Kafka down', () => {
  it('answers 503 with Retry-After and keeps no receipt, so the retry with the same key is published once Kafka is back', async () => {
    const { conversationId } = await engine.customerWrites();
    const config = engine.harness.config;
    const dead = unreachableEventLog(config.kafka.topics.events);
    const ctx = { ...engine.harness.ctx, eventLog: dead };
    const app = createApiServer({ config, redis: ctx.redis, eventLog: dead, logger: testLogger, extensions: [(scope) => actionRoutes(scope, ctx)] });
    const headers = { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'resolve-while-down' };
    try {
      const down = await app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/resolve`, headers, payload: { by: 'ag_anna' } });

      expect(down.statusCode).toBe(503);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.json()).toMatchObject({ error: 'log_unavailable' });
    } finally {
      await app.close();
      await dead.close();
    }
    const back = await engine.api('POST', `/v1/conversations/${conversationId}/resolve`, { by: 'ag_anna' }, headers);
    expect(back.status).toBe(202);
    await engine.conversation(conversationId, (c) => c.status === 'resolved');
  });
});
