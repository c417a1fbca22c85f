import { defaultFoldPolicy } from '../../../src/domain/fold/policy.ts';
import { conversationView } from '../../../src/domain/fold/fold-state.ts';
import { slaFoldPolicy } from './given.ts';
import { describe, expect, it } from 'vitest';
import { jobIds } from '../../../src/domain/fold/triggers.ts';
import {
  DAY,
  HOUR,
  MINUTE,
  agentReplied,
  customerWrote,
  fold,
  given,
  identified,
  inactivityTimerFired,
  plus,
  projection,
  reopened,
  resolved,
} from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';

describe('segmentation: which conversation a customer message belongs to', () => {
  it('given no open conversation, when the customer writes, then a conversation opens, named after that message', () => {
    given()
      .when(customerWrote('Where is my order?', T0, { id: 'm1' }))
      .then(({ open, customer, effects }) => {
        expect(open()).toMatchObject({
          id: 'cv_m1',
          initiatedBy: 'customer',
          status: 'open',
          openedAt: T0,
          firstCustomerMessageAt: T0,
          lastCustomerMessageAt: T0,
          lastActivityAt: T0,
          firstResponseAt: null,
          messageCount: 1,
          reopenCount: 0,
        });
        expect(customer()).toMatchObject({ openConversationId: 'cv_m1', conversationIds: ['cv_m1'], firstSeenAt: T0, lastSeenAt: T0 });
        expect(effects.triggers).toEqual([{ kind: 'triage', jobId: jobIds.triage('cv_m1'), conversationId: 'cv_m1', at: T0 }]);
        expect(open().sla.waitingSince).toBe(T0);
      });
  });

  it('job ids are derived from the transition only, and BullMQ-safe (no ":")', () => {
    const hello = customerWrote('Hello', T0, { id: 'm1' });
    const first = fold([hello]).effects.triggers.map((t) => t.jobId);
    const again = fold([hello]).effects.triggers.map((t) => t.jobId);
    expect(again).toEqual(first);
    expect(first).toEqual(['triage|cv_m1']);
    const resolvedLater = fold([hello, agentReplied('Hi', plus(T0, HOUR)), resolved('cv_m1', plus(T0, 2 * HOUR), { id: 'r:1' })]).effects.triggers.map((t) => t.jobId);
    expect(resolvedLater).toContain('survey|cv_m1|0');
    for (const id of [...first, ...resolvedLater]) expect(id).not.toContain(':');
  });

  it('event times are normalised to UTC with milliseconds, whatever offset the producer wrote', () => {
    given()
      .when(customerWrote('Hallo', '2026-01-05T10:00:00+01:00', { id: 'm1' }))
      .then(({ open }) => {
        expect(open().openedAt).toBe(T0);
        expect(open().lastActivityAt).toBe(T0);
      });
  });

  it('given an open conversation, when the customer writes again, then the message joins it and asks for no new jobs', () => {
    given(customerWrote('Where is my order?', T0, { id: 'm1' }))
      .when(customerWrote('Order 4711, by the way', plus(T0, 5 * MINUTE), { id: 'm2' }))
      .then(({ open, customer, effects }) => {
        expect(open()).toMatchObject({ id: 'cv_m1', messageCount: 2, lastCustomerMessageAt: plus(T0, 5 * MINUTE), lastActivityAt: plus(T0, 5 * MINUTE) });
        expect(open().firstCustomerMessageAt).toBe(T0);
        expect(customer().conversationIds).toEqual(['cv_m1']);
        expect(effects.triggers).toEqual([]);
        expect(effects.transcript.map((t) => t.conversationId)).toEqual(['cv_m1']);
      });
  });

  it('given a resolved conversation, when the customer writes, then a NEW conversation opens', () => {
    given(customerWrote('Where is my order?', T0, { id: 'm1' }), resolved('cv_m1', plus(T0, 10 * MINUTE)))
      .when(customerWrote('Another question', plus(T0, 20 * MINUTE), { id: 'm3' }))
      .then(({ open, customer, conversation, triggers }) => {
        expect(open().id).toBe('cv_m3');
        expect(open().messageCount).toBe(1);
        expect(customer().conversationIds).toEqual(['cv_m1', 'cv_m3']);
        expect(conversation('cv_m1')).toMatchObject({ status: 'resolved', messageCount: 1 });
        expect(triggers('triage')).toEqual([{ kind: 'triage', jobId: jobIds.triage('cv_m3'), conversationId: 'cv_m3', at: plus(T0, 20 * MINUTE) }]);
      });
  });
});

describe('auto-resolve from event time', () => {
  const m1 = customerWrote('Where is my order?', T0, { id: 'm1' });
  const windowEnd = plus(T0, DAY);

  it('a gap EQUAL to the window closes the conversation as of the end of the window, and the message opens a new one', () => {
    given(m1)
      .when(customerWrote('Hello again', windowEnd, { id: 'm2' }))
      .then(({ conversation, open, customer, triggers }) => {
        expect(conversation('cv_m1')).toMatchObject({ status: 'resolved', resolvedAt: windowEnd, resolution: { by: 'inactivity', actorId: null } });
        expect(open().id).toBe('cv_m2');
        expect(customer().conversationIds).toEqual(['cv_m1', 'cv_m2']);
        expect(triggers('survey')).toEqual([
          { kind: 'survey', jobId: jobIds.survey('cv_m1', 0), conversationId: 'cv_m1', at: windowEnd, resolvedAt: windowEnd },
        ]);
      });
  });

  it('resolvedAt is the end of the window, not the time of the event that noticed it', () => {
    given(m1)
      .when(customerWrote('Hello after a week', plus(T0, 7 * DAY), { id: 'm2' }))
      .then(({ conversation }) => expect(conversation('cv_m1').resolvedAt).toBe(windowEnd));
  });

  it('one millisecond less than the window does not close it', () => {
    given(m1)
      .when(customerWrote('Still there?', plus(T0, DAY - 1), { id: 'm2' }))
      .then(({ open, customer }) => {
        expect(open()).toMatchObject({ id: 'cv_m1', status: 'open', resolvedAt: null, messageCount: 2 });
        expect(customer().conversationIds).toEqual(['cv_m1']);
      });
  });

  it('the window runs from the latest activity of either side, not from the opening', () => {
    const reply = agentReplied('Looking into it', plus(T0, 12 * HOUR));
    given(m1, reply)
      .when(customerWrote('Thanks', plus(T0, DAY + HOUR), { id: 'm2' }))
      .then(({ open }) => expect(open().id).toBe('cv_m1'));
    given(m1, reply)
      .when(customerWrote('Hello?', plus(T0, 12 * HOUR + DAY), { id: 'm2' }))
      .then(({ conversation, open }) => {
        expect(conversation('cv_m1')).toMatchObject({ status: 'resolved', resolvedAt: plus(T0, 12 * HOUR + DAY) });
        expect(open().id).toBe('cv_m2');
      });
  });

  it('any event after the window closes it, not only a message', () => {
    given(m1)
      .when(identified(plus(T0, 3 * DAY), { channel: 'email', provider: 'smtp', handle: 'jane@example.com' }))
      .then(({ conversation, customer }) => {
        expect(conversation('cv_m1')).toMatchObject({ status: 'resolved', resolvedAt: windowEnd, resolution: { by: 'inactivity', actorId: null } });
        expect(customer().openConversationId).toBeNull();
      });
  });

  describe('the live timer publishes the same resolution', () => {
    const m2 = customerWrote('Hello again', plus(windowEnd, 5 * MINUTE), { id: 'm2' });
    const timer = inactivityTimerFired('cv_m1', windowEnd, windowEnd, { id: 'timer-1' });

    it('given the fold already closed it, the timer event is a no-op: same state as without it', () => {
      const without = fold([m1, m2]);
      given(m1, m2)
        .when(timer)
        .then(({ state, effects }) => {
          expect(projection(state)).toEqual(projection(without.state));
          expect(effects.changedConversations.size).toBe(0);
          expect(effects.triggers).toEqual([]);
        });
    });

    it('timer-event-first and fold-rule-first give the same state', () => {
      const timerFirst = fold([m1, timer, m2]);
      const foldFirst = fold([m1, m2, timer]);
      expect(projection(timerFirst.state)).toEqual(projection(foldFirst.state));
      expect(conversationView(timerFirst.state.conversations['cv_m1']!)).toMatchObject({ status: 'resolved', resolvedAt: windowEnd, resolution: { by: 'inactivity', actorId: null } });
      // Either way one survey is asked for, with one job id.
      const surveys = (r: typeof timerFirst) => r.effects.triggers.filter((t) => t.kind === 'survey');
      expect(surveys(timerFirst)).toEqual(surveys(foldFirst));
    });

    it.each([
      ['a little before the window ended (clock skew)', plus(windowEnd, -1000)],
      ['exactly at the end of the window', windowEnd],
      ['late', plus(windowEnd, 3 * MINUTE)],
    ])('whenever the timer fired (%s), the conversation resolves as of the end of the window', (_, firedAt) => {
      const fired = inactivityTimerFired('cv_m1', firedAt, windowEnd, { id: 'timer-1' });
      expect(projection(fold([m1, fired, m2]).state)).toEqual(projection(fold([m1, m2]).state));
    });

    it('a stale timer (someone wrote after it read the projection) does not resolve the conversation', () => {
      // The timer read the projection before m2 was folded; its event lands after m2 on the log.
      given(m1, customerWrote('Any news?', plus(T0, 23 * HOUR), { id: 'm2' }))
        .when(timer)
        .then(({ open, effects }) => {
          expect(open()).toMatchObject({ id: 'cv_m1', status: 'open', resolvedAt: null, resolution: null });
          expect(effects.triggers).toEqual([]);
        });
    });

    it('a stale timer does not resolve a conversation that was reopened after the fold closed it', () => {
      const closedByFold = identified(plus(windowEnd, MINUTE), { channel: 'chat', provider: 'webchat', handle: 'visitor-1' });
      given(m1, closedByFold, reopened('cv_m1', plus(windowEnd, 2 * MINUTE)))
        .when(inactivityTimerFired('cv_m1', plus(windowEnd, 3 * MINUTE), windowEnd))
        .then(({ open }) => expect(open()).toMatchObject({ id: 'cv_m1', status: 'open', reopenCount: 1, resolvedAt: null }));
    });
  });
});

describe('per-tenant auto-resolve window', () => {
  const m1 = customerWrote('Where is my order?', T0, { id: 'm1' });
  const m2 = customerWrote('Hello again', plus(T0, HOUR), { id: 'm2' });

  it('given a 1 h window, a message an hour later opens a new conversation', () => {
    given(m1)
      .withPolicy({ ...defaultFoldPolicy, autoResolveAfterMs: HOUR })
      .when(m2)
      .then(({ conversation, open }) => {
        expect(conversation('cv_m1')).toMatchObject({ status: 'resolved', resolvedAt: plus(T0, HOUR) });
        expect(open().id).toBe('cv_m2');
      });
  });

  it('given a 1 h window, the auto-resolve timer is due an hour after the last activity, and moves with it', () => {
    given()
      .withPolicy({ ...defaultFoldPolicy, autoResolveAfterMs: HOUR })
      .when(m1)
      .then(({ timers }) => {
        expect(timers('cv_m1', 'auto-resolve')).toEqual([{ kind: 'auto-resolve', conversationId: 'cv_m1', at: plus(T0, HOUR), dueAt: plus(T0, HOUR), metric: null }]);
      });
    given(m1)
      .withPolicy({ ...defaultFoldPolicy, autoResolveAfterMs: HOUR })
      .when(agentReplied('On its way', plus(T0, 30 * MINUTE)))
      .then(({ timers }) => expect(timers('cv_m1', 'auto-resolve').map((t) => t.at)).toEqual([plus(T0, 90 * MINUTE)]));
  });

  it('given the default 24 h window, the same message joins the conversation', () => {
    given(m1)
      .when(m2)
      .then(({ open }) => expect(open().id).toBe('cv_m1'));
  });
});

describe('agent-initiated conversations', () => {
  const outbound = agentReplied('Your replacement has shipped', T0, { id: 'o1', agent: 'agent-7' });

  it('given no open conversation, an agent message opens one that waits for the customer, with no triage', () => {
    given()
      .when(outbound)
      .then(({ open, triggers, timers }) => {
        expect(open()).toMatchObject({ id: 'cv_o1', initiatedBy: 'agent', status: 'pending', firstCustomerMessageAt: null, firstResponseAt: null, messageCount: 1 });
        expect(triggers('triage')).toEqual([]);
        expect(open().sla.waitingSince).toBeNull();
        expect(timers('cv_o1').map((t) => t.kind)).toEqual(['auto-resolve']);
      });
  });

  it('never gets a first response time, even after the customer answers and an agent writes again', () => {
    given(outbound, customerWrote('Thanks, when will it arrive?', plus(T0, HOUR), { id: 'm1' }))
      .when(agentReplied('Tomorrow', plus(T0, 2 * HOUR)))
      .then(({ open }) => {
        expect(open()).toMatchObject({ id: 'cv_o1', status: 'pending', firstCustomerMessageAt: plus(T0, HOUR), firstResponseAt: null, lastAgentMessageAt: plus(T0, 2 * HOUR) });
      });
  });

  it('the customer answering reopens the ball on our side with an SLA clock', () => {
    given(outbound)
      .withPolicy(slaFoldPolicy)
      .when(customerWrote('Thanks, when will it arrive?', plus(T0, HOUR), { id: 'm1' }))
      .then(({ open, triggers, timers }) => {
        expect(open().status).toBe('open');
        expect(open().sla.waitingSince).toBe(plus(T0, HOUR));
        // We wrote first: no first response is owed; the customer's answer starts a next-response clock.
        expect(open().sla.firstResponseDueAt).toBeNull();
        expect(open().sla.nextResponseDueAt).not.toBeNull();
        expect(timers('cv_o1', 'sla-breach').map((t) => t.metric)).toEqual(['nextResponse', 'resolution']);
        expect(triggers('triage')).toEqual([]);
      });
  });
});
