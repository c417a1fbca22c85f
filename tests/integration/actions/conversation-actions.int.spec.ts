import { nanoid } from 'nanoid';
import { eventually } from '../../support/collect.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type EventDataInput } from '../../../events/index.ts';
import { actionsConfig, API_KEY, asAgent, startActionsEngine, TENANT, type ActionsEngine } from './support.ts';

let engine: ActionsEngine;

beforeAll(async () => {
  engine = await startActionsEngine(actionsConfig());
});

afterAll(async () => {
  await engine?.close();
});

const post = (conversationId: string, action: string, body: unknown) => engine.api('POST', `/v1/conversations/${conversationId}/${action}`, body);
const eventIdOf = (answer: { body: unknown }) => (answer.body as { eventId: string }).eventId;

describe('POST /v1/conversations/:id/assign', () => {
  it('given a triaged conversation, when an agent is assigned by hand, then conversation.assigned is on the log and the projection holds the agent', async () => {
    const { customer, conversationId } = await engine.customerWrites();
    await engine.triaged(customer, conversationId, 'support');

    const answer = await post(conversationId, 'assign', { agent: 'ag_boris', by: 'ag_anna' });

    expect(answer.status).toBe(202);
    const event = await engine.onLog(eventIdOf(answer));
    expect(event).toMatchObject({
      type: 'conversation.assigned',
      customer,
      conversation: conversationId,
      source: '/api',
      data: { assignee: 'ag_boris', team: 'support', reason: 'manual', channel: 'chat', by: { kind: 'agent', id: 'ag_anna' } },
    });
    const conversation = await engine.conversation(conversationId, (c) => c.assignee === 'ag_boris');
    expect(conversation.assignment).toMatchObject({ reason: 'manual', channel: 'chat' });
  });

  it('given a request that names nobody, when an agent is assigned, then the event names the API as the actor (as every action does)', async () => {
    const { conversationId } = await engine.customerWrites();

    const answer = await post(conversationId, 'assign', { agent: 'ag_anna' });

    expect(answer.status).toBe(202);
    expect((await engine.onLog(eventIdOf(answer))).data).toMatchObject({ assignee: 'ag_anna', reason: 'manual', by: { kind: 'system', id: 'api' } });
  });

  it('given a conversation that began by e-mail and moved to SMS, when assigned by hand, then the seat is SMS and the reply goes out by SMS', async () => {
    const customer = `cus_${nanoid(8)}`;
    const wrote = (data: EventDataInput<'message.received'>) =>
      createEvent({ type: 'message.received', source: '/tests', tenant: TENANT, customer, time: new Date().toISOString(), data });
    const byEmail = wrote({ channel: 'email', provider: 'smtp', handle: `${customer}@example.com`, text: 'My parcel has not arrived', subject: 'Parcel' });
    await engine.harness.ctx.eventLog.append([byEmail]);
    const conversationId = `cv_${byEmail.id}`;
    await engine.conversation(conversationId);
    await engine.harness.ctx.eventLog.append([wrote({ channel: 'sms', provider: 'twilio', handle: '+14155550123', text: 'Any news?' })]);
    await engine.conversation(conversationId, (c) => c.replyTo?.channel === 'sms');

    const answer = await post(conversationId, 'assign', { agent: 'ag_anna', by: 'ag_boris' });

    expect((await engine.onLog(eventIdOf(answer))).data).toMatchObject({ channel: 'sms', by: asAgent('ag_boris') });
    const conversation = await engine.conversation(conversationId, (c) => c.assignee === 'ag_anna');
    expect(conversation.assignment).toMatchObject({ reason: 'manual', channel: 'sms' });
    const reply = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'It ships today', authorId: 'ag_anna' });
    expect(reply.status).toBe(202);
    expect((await engine.onLog(eventIdOf(reply))).data).toMatchObject({ channel: 'sms', provider: 'twilio', handle: '+14155550123', author: asAgent('ag_anna') });
  });
});

describe('POST /v1/conversations/:id/transfer', () => {
  it('given an assigned conversation, when it is transferred to a team, then it is unassigned in that team; when to an agent of it, then that agent holds it', async () => {
    const { conversationId } = await engine.customerWrites();
    await engine.conversation(conversationId);
    await post(conversationId, 'assign', { agent: 'ag_boris' });
    await engine.conversation(conversationId, (c) => c.assignee === 'ag_boris');

    const toTeam = await post(conversationId, 'transfer', { toTeam: 'billing', by: asAgent('ag_boris'), reason: 'a refund question' });
    expect(toTeam.status).toBe(202);
    expect((await engine.onLog(eventIdOf(toTeam))).data).toEqual({ toAgent: null, toTeam: 'billing', by: asAgent('ag_boris'), reason: 'a refund question' });
    await engine.conversation(conversationId, (c) => c.team === 'billing' && c.assignee === null);

    const toAgent = await post(conversationId, 'transfer', { toAgent: 'ag_anna', toTeam: 'billing', by: asAgent('ag_boris') });
    expect(toAgent.status).toBe(202);
    expect((await engine.onLog(eventIdOf(toAgent))).data).toEqual({ toAgent: 'ag_anna', toTeam: 'billing', by: asAgent('ag_boris') });
    const conversation = await engine.conversation(conversationId, (c) => c.assignee === 'ag_anna');
    expect(conversation.team).toBe('billing');
  });
});

describe('POST /v1/conversations/:id/priority', () => {
  it('given a normal-priority conversation, when an agent makes it urgent, then conversation.priority_changed is on the log and the projection is urgent', async () => {
    const { conversationId } = await engine.customerWrites();

    const answer = await post(conversationId, 'priority', { priority: 'urgent', by: 'ag_anna' });

    expect(answer.status).toBe(202);
    expect(await engine.onLog(eventIdOf(answer))).toMatchObject({ type: 'conversation.priority_changed', data: { priority: 'urgent', by: asAgent('ag_anna') } });
    await engine.conversation(conversationId, (c) => c.priority === 'urgent');
  });
});

describe('POST /v1/conversations/:id/resolve and /reopen', () => {
  it('given an open conversation, when it is resolved, then it is resolved at the server’s time; when reopened, then it is open again and counted', async () => {
    const { conversationId } = await engine.customerWrites();
    const before = Date.now();

    const resolved = await post(conversationId, 'resolve', { by: asAgent('ag_anna') });

    expect(resolved.status).toBe(202);
    const resolution = await engine.onLog(eventIdOf(resolved));
    expect(resolution).toMatchObject({ type: 'conversation.resolved', data: { by: asAgent('ag_anna'), reason: 'agent' } });
    const at = Date.parse((resolution.data as { at: string }).at);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBe(Date.parse(resolution.time));
    const done = await engine.conversation(conversationId, (c) => c.status === 'resolved');
    expect(done.resolution).toEqual({ by: 'agent', actorId: 'ag_anna' });

    const reopened = await post(conversationId, 'reopen', { by: 'ag_anna', reason: 'the customer called back' });

    expect(reopened.status).toBe(202);
    expect((await engine.onLog(eventIdOf(reopened))).data).toEqual({ by: asAgent('ag_anna'), reason: 'the customer called back' });
    const open = await engine.conversation(conversationId, (c) => c.status === 'open');
    expect(open.reopenCount).toBe(1);
  });
});

describe('POST /v1/conversations/:id/notes', () => {
  it('given a resolved conversation, when an agent writes a note, then an internal message.sent is on the log and in the transcript', async () => {
    const { conversationId } = await engine.customerWrites();
    await post(conversationId, 'resolve', { by: 'ag_anna' });
    await engine.conversation(conversationId, (c) => c.status === 'resolved');

    const answer = await post(conversationId, 'notes', { text: 'customer confirmed by phone', authorId: 'ag_anna' });

    expect(answer.status).toBe(202);
    const note = await engine.onLog(eventIdOf(answer));
    expect(note).toMatchObject({ type: 'message.sent', data: { internal: true, text: 'customer confirmed by phone', author: asAgent('ag_anna') } });
    // The note is on the log; the fold writes it to the transcript moments later.
    let last: unknown;
    await eventually('the note in the transcript', async () => {
      const [transcript = []] = await engine.reader.transcripts(await engine.scope(), [await engine.conversation(conversationId)]);
      last = transcript.at(-1);
      return (last as { eventId?: string } | undefined)?.eventId === note.id;
    });
    expect(last).toMatchObject({ eventId: note.id, internal: true });
  });
});

describe('Idempotency-Key', () => {
  it('given a resolve already folded, when the same request comes again with the same key, then it is answered 202 with the same event and nothing more is published', async () => {
    const { conversationId } = await engine.customerWrites();
    const headers = { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'console-resolve-1' };

    const first = await engine.api('POST', `/v1/conversations/${conversationId}/resolve`, { by: 'ag_anna' }, headers);
    await engine.conversation(conversationId, (c) => c.status === 'resolved');
    const retry = await engine.api('POST', `/v1/conversations/${conversationId}/resolve`, { by: 'ag_anna' }, headers);

    expect(first.status).toBe(202);
    expect(retry).toEqual(first);
    const events = await engine.settledEventsOf(conversationId);
    expect(events.filter((e) => e.type === 'conversation.resolved').map((e) => e.id)).toEqual([eventIdOf(first)]);
  });

  it('gives the same key on another conversation or another action another event', async () => {
    const a = await engine.customerWrites();
    const b = await engine.customerWrites();
    const headers = { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'console-7' };

    const onA = await engine.api('POST', `/v1/conversations/${a.conversationId}/priority`, { priority: 'high', by: 'ag_anna' }, headers);
    const onB = await engine.api('POST', `/v1/conversations/${b.conversationId}/priority`, { priority: 'high', by: 'ag_anna' }, headers);
    const resolveA = await engine.api('POST', `/v1/conversations/${a.conversationId}/resolve`, { by: 'ag_anna' }, headers);

    expect([onA.status, onB.status, resolveA.status]).toEqual([202, 202, 202]);
    expect(new Set([eventIdOf(onA), eventIdOf(onB), eventIdOf(resolveA)]).size).toBe(3);
  });
});
