import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY } from '../outbound/support.ts';
import { eventually } from '../../support/collect.ts';
import { baseTenant, startWorkflowEngine, TENANT, visitor } from './support.ts';

let w: Awaited<ReturnType<typeof startWorkflowEngine>>;
beforeAll(async () => {
  w = await startWorkflowEngine({ ...baseTenant, survey: { csat: { delay: '0s' }, nps: { enabled: false } } });
  await w.presence('ann', 'online');
  await w.presence('tia', 'online');
});
afterAll(async () => {
  await w?.close();
});

/** A customer e-mail, as an adapter author publishes it through POST /v1/events. */
async function emailIn(customer: string, text: string): Promise<string> {
  const id = `mail-${customer}-${Math.random().toString(36).slice(2)}`;
  const response = await fetch(`${w.engine.harness.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({
      specversion: '1.0',
      id,
      source: '/tests/mail-adapter',
      type: 'message.received',
      time: new Date().toISOString(),
      tenant: TENANT,
      customer,
      data: { channel: 'email', provider: 'smtp', handle: `${customer}@example.com`, text, subject: 'My order' },
    }),
  });
  expect(response.status).toBe(202);
  return `cv_${id}`;
}

async function answerAndResolve(id: string) {
  const c = await w.engine.conversation(id, (x) => x.assignee !== null);
  expect((await w.engine.api('POST', `/v1/conversations/${id}/messages`, { text: 'Done, anything else?', authorId: c.assignee })).status).toBe(202);
  expect((await w.engine.api('POST', `/v1/conversations/${id}/resolve`, { by: { kind: 'agent', id: c.assignee } })).status).toBe(202);
  return c.assignee!;
}

describe('surveys through the workflow', () => {
  it('e-mail: the invitation carries signed score links; a low score from the link lands and opens a follow-up for the supervisors', async () => {
    const customer = `cus-mail-${Date.now().toString(36)}`;
    const id = await emailIn(customer, 'Where is my parcel?');
    await answerAndResolve(id);
    const findInvitation = () => w.ofType('message.sent').find((e) => e.conversation === id && e.data.author.kind === 'system' && e.data.text.includes('/v1/surveys/answer'));
    await eventually('the invitation', () => findInvitation() !== undefined);
    const invitation = findInvitation()!;
    expect(invitation.data).toMatchObject({ channel: 'email', subject: 'How did we do?' });
    // The links point at the public URL; the spec reaches the same server directly.
    const links = [...invitation.data.text.matchAll(/(http\S+score=(\d+))/g)].map((m) => ({ url: m[1]!.replace(w.config.channels.publicUrl, w.engine.harness.url), score: Number(m[2]) }));
    expect(links.map((l) => l.score)).toEqual([1, 2, 3, 4, 5]);

    // A tampered link is refused and changes nothing.
    const tampered = await fetch(links[0]!.url.replace(/t=([^&]{10})/, 't=AAAAAAAAAA'));
    expect(tampered.status).toBe(400);
    const answer = await fetch(links[0]!.url);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Thank you');

    const c = await w.engine.conversation(id, (x) => x.surveys[0]?.score === 1 && x.status === 'open' && x.assignee === 'tia');
    expect(c).toMatchObject({ team: 'tier2', reopenCount: 1 });
    // A second click (another score) does not change the first answer.
    await fetch(links[4]!.url);
    await new Promise((r) => setTimeout(r, 500));
    expect((await w.engine.conversation(id)).surveys[0]!.score).toBe(1);
  });

  it('chat: a digit reply is the answer (no new conversation); a second survey within the throttle window is not sent', async () => {
    const who = visitor('survey');
    const first = await w.chat(who, 'Question one');
    await answerAndResolve(first);
    await w.engine.conversation(first, (x) => x.surveys.length === 1);
    await w.chat(who, '4');
    const answered = await w.engine.conversation(first, (x) => x.surveys[0]?.score === 4);
    expect(answered.status).toBe('resolved');

    const second = await w.chat(who, 'Question two');
    expect(second).not.toBe(first);
    await answerAndResolve(second);
    await w.engine.conversation(second, (x) => x.status === 'resolved');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await w.engine.conversation(second)).surveys).toEqual([]);
    expect(w.ofType('survey.sent').filter((e) => e.conversation === second)).toEqual([]);
  });
});
