import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent, EventEnvelope } from '../../events/index.ts';
import { actionRoutes } from '../../src/api/actions/routes.ts';
import { chatRoutes } from '../../src/channels/chat/routes.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Conversation, TranscriptEntry } from '../../src/domain/state.ts';
import { startWorkflowRole, type RunningWorkflow } from '../../src/roles/workflow.ts';
import { API_KEY, outboundConfig, startEngine, TENANT, WIDGET_KEY } from '../integration/outbound/support.ts';
import { eventually } from '../support/collect.ts';
import { testLogger } from '../support/kafka.ts';

let config: Config;
let engine: Awaited<ReturnType<typeof startEngine>>;
let workflow: RunningWorkflow;

beforeAll(async () => {
  const base = outboundConfig({ providerUrl: 'http://127.0.0.1:9', smtpPort: 9 });
  // The tenant runs on the shipped example tenant's settings: teams, agents, triage, SLA, surveys, bot and knowledge base.
  config = { ...base, tenants: { ...base.tenants, settings: { [TENANT]: base.tenants.settings.northwind! } } };
  engine = await startEngine(config, [chatRoutes, actionRoutes]);
  workflow = await startWorkflowRole(config, testLogger);
});

afterAll(async () => {
  await workflow?.close();
  await engine?.close();
});

const VISITOR = `visitor-journey-${Date.now().toString(36)}-abcdefgh`;
let sent = 0;

async function chat(text: string) {
  const response = await fetch(`${engine.harness.url}/v1/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ widgetKey: WIDGET_KEY, visitorToken: VISITOR, text, clientMessageId: `m${++sent}` }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { eventId: string };
}

async function publish(events: unknown[]) {
  const response = await fetch(`${engine.harness.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${API_KEY}` },
    body: events.map((e) => JSON.stringify(e)).join('\n'),
  });
  expect(response.status).toBe(202);
}

const ofType = <T extends AnyEvent['type']>(type: T) => engine.harness.events.filter((e): e is EventEnvelope<T> => e.type === type);

async function transcript(c: Conversation): Promise<TranscriptEntry[]> {
  const scope = await engine.reader.scope(TENANT);
  return (await engine.reader.transcripts(scope, [c]))[0] ?? [];
}

describe('the whole journey, through the public doors with the workflow running', () => {
  it('chat → bot answers from the knowledge base → the customer asks for a person → the best agent gets it with the bot’s context → reply, resolve → the CSAT survey goes out and its answer lands', async () => {
    // Boris (support, tech-support; English and Russian; two chat seats) comes online; Anna stays offline.
    await publish([
      {
        specversion: '1.0',
        id: `presence-${VISITOR}`,
        source: '/console',
        type: 'agent.status_changed',
        time: new Date().toISOString(),
        tenant: TENANT,
        customer: 'agent:ag_boris',
        data: { agent: 'ag_boris', status: 'online' },
      },
    ]);

    // 1. The customer writes on chat; triage classifies it; the bot answers from the knowledge base.
    const first = await chat('Hi, I forgot my password and cannot log in');
    const conversationId = `cv_${first.eventId}`;
    let c = await engine.conversation(conversationId, (x) => x.bot === 'answering' && x.category !== null);
    expect(c).toMatchObject({ status: 'open', assignee: null, category: 'technical', firstResponseAt: null });
    const botAnswer = (await transcript(c)).find((t) => t.author.kind === 'bot');
    expect(botAnswer?.text).toContain('Forgot password?');
    // The bot holds it: it waits in no team queue.
    const queued = await engine.api('GET', `/v1/queues/${c.team}`);
    expect(JSON.stringify(queued.body)).not.toContain(conversationId);

    // 2. The customer asks for a person: the bot hands off, routing gives it to Boris with the bot's summary.
    await chat('That did not help. I want to talk to a human agent please');
    c = await engine.conversation(conversationId, (x) => x.assignee !== null);
    expect(c).toMatchObject({ assignee: 'ag_boris', bot: 'handed-off', firstResponseAt: null });
    const assigned = ofType('conversation.assigned').find((e) => e.conversation === conversationId)!;
    expect(assigned.data).toMatchObject({ assignee: 'ag_boris', channel: 'chat' });
    expect(assigned.data.context).toMatch(/person|human|agent/i);
    expect(assigned.data.context).toContain('kb-en-password-reset');

    // 3. Boris replies (the first response: the bot's answer never counted) and resolves.
    const reply = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'Hi, I have reset it for you: check your inbox.', authorId: 'ag_boris' });
    expect(reply.status).toBe(202);
    c = await engine.conversation(conversationId, (x) => x.firstResponseAt !== null);
    const resolve = await engine.api('POST', `/v1/conversations/${conversationId}/resolve`, { by: { kind: 'agent', id: 'ag_boris' } });
    expect(resolve.status).toBe(202);

    // 4. The CSAT survey goes out by itself on chat (the example tenant asks chat customers at once).
    c = await engine.conversation(conversationId, (x) => x.surveys.length > 0);
    expect(c.status).toBe('resolved');
    expect(c.surveys).toEqual([expect.objectContaining({ kind: 'csat', channel: 'chat', score: null })]);
    await eventually('the invitation on the transcript', async () => (await transcript(c)).some((t) => t.author.kind === 'system' && /1.*5/.test(t.text)));

    // 5. The customer answers with a digit: the score lands on the conversation, no new conversation opens.
    await chat('5');
    c = await engine.conversation(conversationId, (x) => x.surveys[0]?.score !== null);
    expect(c.surveys[0]).toMatchObject({ kind: 'csat', score: 5 });
    const customer = await engine.customer(c.customer);
    expect(customer.conversationIds).toEqual([conversationId]);
    await eventually('survey.answered on the log', () => ofType('survey.answered').some((e) => e.conversation === conversationId && e.data.score === 5));
  });
});
