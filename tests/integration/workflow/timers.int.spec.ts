import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/collect.ts';
import { baseTenant, startWorkflowEngine, visitor } from './support.ts';

let w: Awaited<ReturnType<typeof startWorkflowEngine>>;
beforeAll(async () => {
  w = await startWorkflowEngine({
    ...baseTenant,
    // Seconds instead of minutes, so the timers come due while the spec watches.
    autoResolveAfter: '6s',
    sla: {
      ...baseTenant.sla,
      policy: { warnShare: 0.5, targets: { firstResponse: { chat: { normal: '2s', high: '2s', urgent: '2s' } }, nextResponse: { chat: { normal: '60s' } }, resolution: { chat: { normal: '1h', high: '1h', urgent: '1h' } } } },
    },
    survey: { csat: { enabled: false }, nps: { enabled: false } },
  });
});
afterAll(async () => {
  await w?.close();
});

describe('timers through the workflow', () => {
  it('given nobody answers a chat, when the first-response deadline passes, then sla.warned, sla.breached, and the conversation climbs the ladder to tier 2', async () => {
    await w.presence('tia', 'online');
    const id = await w.chat(visitor('waiting'), 'Hello? Anyone?');
    const c = await w.engine.conversation(id, (x) => x.sla.breached.includes('firstResponse') && x.assignee !== null);
    expect(c).toMatchObject({ team: 'tier2', priority: 'high', assignee: 'tia' });
    const warned = w.ofType('sla.warned').filter((e) => e.conversation === id);
    const breached = w.ofType('sla.breached').filter((e) => e.conversation === id);
    expect(warned.map((e) => e.data.metric)).toEqual(['firstResponse']);
    expect(breached.map((e) => e.data.metric)).toEqual(['firstResponse']);
    expect(breached[0]!.data.dueAt).toBe(c.sla.firstResponseDueAt ?? breached[0]!.data.dueAt);
    const escalated = w.ofType('conversation.escalated').find((e) => e.conversation === id)!;
    expect(escalated.data).toMatchObject({ tier: 'tier2', team: 'tier2', priority: 'high' });
    // The supervisor is told, on the conversation, as an internal note.
    await eventually('the supervisor note', () => w.ofType('message.sent').some((e) => e.conversation === id && e.data.internal && /tier2/.test(e.data.text)));
  });

  it('given an agent answers in time, the timers are moot: no warning, no breach', async () => {
    await w.presence('ann', 'online');
    const id = await w.chat(visitor('answered'), 'Quick one');
    const c = await w.engine.conversation(id, (x) => x.assignee !== null);
    expect((await w.engine.api('POST', `/v1/conversations/${id}/messages`, { text: 'Hi!', authorId: c.assignee })).status).toBe(202);
    await w.engine.conversation(id, (x) => x.firstResponseAt !== null);
    await new Promise((r) => setTimeout(r, 2500));
    expect(w.ofType('sla.breached').filter((e) => e.conversation === id)).toEqual([]);
  });

  it('given nobody writes for the quiet window, the conversation is resolved by inactivity, as of the end of the window', async () => {
    const id = await w.chat(visitor('quiet'), 'Hi');
    const c = await w.engine.conversation(id, (x) => x.status === 'resolved');
    expect(c.resolution).toEqual({ by: 'inactivity', actorId: null });
    expect(Date.parse(c.resolvedAt!)).toBe(Date.parse(c.lastActivityAt) + 6000);
    const resolved = w.ofType('conversation.resolved').filter((e) => e.conversation === id);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]!.data).toMatchObject({ reason: 'inactivity', at: c.resolvedAt });
  }, 30_000);
});
