import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/collect.ts';
import { baseTenant, startWorkflowEngine, visitor } from './support.ts';

let w: Awaited<ReturnType<typeof startWorkflowEngine>>;
beforeAll(async () => {
  w = await startWorkflowEngine(baseTenant);
});
afterAll(async () => {
  await w?.close();
});

describe('routing through the workflow', () => {
  it('given nobody online, conversations wait in the team queue; when an agent comes online, the queue drains most urgent first, up to capacity', async () => {
    const calm = await w.chat(visitor('calm'), 'Hello, a question about my order');
    const angry = await w.chat(visitor('angry'), 'I will call my lawyer about this order');
    // Both triaged into the support queue, nobody to take them.
    await w.engine.conversation(calm, (c) => c.team === 'support');
    const urgent = await w.engine.conversation(angry, (c) => c.team === 'support');
    expect(urgent.priority).toBe('urgent');
    const queue = await w.engine.api('GET', '/v1/queues/support');
    expect(JSON.stringify(queue.body)).toContain(calm);

    // Ann comes online with one chat seat: the urgent one goes to her, the calm one keeps waiting.
    await w.presence('ann', 'online');
    await w.engine.conversation(angry, (c) => c.assignee === 'ann');
    expect((await w.engine.conversation(calm)).assignee).toBeNull();
    const assigned = w.ofType('conversation.assigned').filter((e) => e.conversation === angry);
    expect(assigned).toHaveLength(1);
    // Routing's own assignment names routing as the actor, as the other workflow steps name themselves.
    expect(assigned[0]!.data).toMatchObject({ assignee: 'ann', reason: 'least-busy', channel: 'chat', by: { kind: 'system', id: 'routing' } });

    // Ann resolves: her seat frees and the waiting conversation is drained to her.
    expect((await w.engine.api('POST', `/v1/conversations/${angry}/resolve`, { by: { kind: 'agent', id: 'ann' } })).status).toBe(202);
    await w.engine.conversation(calm, (c) => c.assignee === 'ann');

    // Raising capacity frees seats too: Bob online with no chat seat takes nothing, then with two he takes the next.
    const third = await w.chat(visitor('third'), 'Another question');
    await w.engine.conversation(third, (c) => c.team === 'support');
    await w.presence('bob', 'online', { chat: 0 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await w.engine.conversation(third)).assignee).toBeNull();
    await w.presence('bob', 'online', { chat: 2 });
    await w.engine.conversation(third, (c) => c.assignee === 'bob');
  });

  it('sticky: a returning customer goes back to the agent who last handled them when that agent has a free seat', async () => {
    const who = visitor('sticky');
    const first = await w.chat(who, 'First question');
    const firstConversation = await w.engine.conversation(first, (c) => c.assignee !== null);
    const agent = firstConversation.assignee!;
    await w.engine.api('POST', `/v1/conversations/${first}/messages`, { text: 'Answered', authorId: agent });
    expect((await w.engine.api('POST', `/v1/conversations/${first}/resolve`, { by: { kind: 'agent', id: agent } })).status).toBe(202);
    await w.engine.conversation(first, (c) => c.status === 'resolved');
    // The survey answer window must not swallow a real question: words, not a digit.
    const second = await w.chat(who, 'One more thing about the same order');
    expect(second).not.toBe(first);
    await eventually('the second conversation assigned', async () => (await w.engine.conversation(second)).assignee !== null);
    const again = w.ofType('conversation.assigned').find((e) => e.conversation === second)!;
    expect(again.data).toMatchObject({ assignee: agent, reason: 'sticky' });
  });
});
