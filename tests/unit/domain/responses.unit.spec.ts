import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, agentReplied, botReplied, customerWrote, given, internalNote, plus, reopened, resolved, systemWrote } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const m1 = customerWrote('Where is my order?', T0, { id: 'm1' });

describe('first response', () => {
  it('the first agent message after the first customer message sets firstResponseAt', () => {
    given(m1)
      .when(agentReplied('Looking into it', plus(T0, 5 * MINUTE), { agent: 'agent-7' }))
      .then(({ open }) => {
        expect(open()).toMatchObject({ firstResponseAt: plus(T0, 5 * MINUTE), lastAgentMessageAt: plus(T0, 5 * MINUTE), messageCount: 2 });
      });
  });

  it('bot and system messages never count as a response', () => {
    given(m1)
      .when(botReplied('Have you checked the tracking page?', plus(T0, MINUTE)), systemWrote('We received your message', plus(T0, 2 * MINUTE)))
      .then(({ open }) => {
        expect(open()).toMatchObject({ firstResponseAt: null, lastAgentMessageAt: null, messageCount: 3, status: 'open' });
      });
    // ...nor do they stand in the way of the agent's reply that does count.
    given(m1, botReplied('Have you checked the tracking page?', plus(T0, MINUTE)), systemWrote('We received your message', plus(T0, 2 * MINUTE)))
      .when(agentReplied('Looking into it', plus(T0, 10 * MINUTE)))
      .then(({ open }) => expect(open().firstResponseAt).toBe(plus(T0, 10 * MINUTE)));
  });

  it('internal notes never count, and change neither status, activity nor message count', () => {
    given(m1)
      .when(internalNote('Customer is a VIP', plus(T0, 3 * MINUTE)))
      .then(({ open, before, effects }) => {
        const was = before.conversations['cv_m1']!;
        expect(open()).toMatchObject({ firstResponseAt: null, lastAgentMessageAt: null, status: 'open', lastActivityAt: T0, messageCount: was.messageCount });
        expect(effects.transcript).toEqual([
          {
            conversationId: 'cv_m1',
            entry: expect.objectContaining({ direction: 'out', internal: true, text: 'Customer is a VIP', author: { kind: 'agent', id: 'agent-1' } }),
          },
        ]);
      });
  });

  it('an internal note does not keep the conversation alive past the auto-resolve window', () => {
    // lastActivityAt is untouched by the note, so the window still ends a day after m1.
    given(m1, internalNote('Customer is a VIP', plus(T0, 20 * HOUR)))
      .when(customerWrote('Hello?', plus(T0, 24 * HOUR), { id: 'm2' }))
      .then(({ open }) => expect(open().id).toBe('cv_m2'));
  });

  it('an internal note with no conversation to sit in opens none', () => {
    given(m1, agentReplied('Done', plus(T0, MINUTE)), resolved('cv_m1', plus(T0, 2 * MINUTE)))
      .when(internalNote('Follow up next week', plus(T0, 3 * MINUTE)))
      .then(({ customer, effects }) => {
        expect(customer()).toMatchObject({ openConversationId: null, conversationIds: ['cv_m1'] });
        expect(effects.transcript).toEqual([]);
        expect(effects.triggers).toEqual([]);
      });
  });

  it('a second agent message does not move it', () => {
    given(m1, agentReplied('Looking into it', plus(T0, 5 * MINUTE)), customerWrote('Thanks', plus(T0, 10 * MINUTE)))
      .when(agentReplied('It ships today', plus(T0, 15 * MINUTE)))
      .then(({ open }) => {
        expect(open().firstResponseAt).toBe(plus(T0, 5 * MINUTE));
        expect(open().lastAgentMessageAt).toBe(plus(T0, 15 * MINUTE));
      });
  });

  it('a reopened conversation keeps its original first response', () => {
    given(m1, agentReplied('Looking into it', plus(T0, 5 * MINUTE)), resolved('cv_m1', plus(T0, 10 * MINUTE)))
      .when(reopened('cv_m1', plus(T0, HOUR)), agentReplied('Sorry, one more thing', plus(T0, 2 * HOUR)))
      .then(({ open }) => {
        expect(open()).toMatchObject({ id: 'cv_m1', reopenCount: 1, firstResponseAt: plus(T0, 5 * MINUTE) });
      });
  });
});

describe('status', () => {
  it('an agent reply makes it pending (we wait for the customer)', () => {
    given(m1)
      .when(agentReplied('Which order?', plus(T0, 5 * MINUTE)))
      .then(({ open }) => {
        expect(open().status).toBe('pending');
        expect(open().sla.waitingSince).toBeNull();
      });
  });

  it('a bot reply leaves it open (a human still owes the answer)', () => {
    given(m1)
      .when(botReplied('Have you checked the tracking page?', plus(T0, MINUTE)))
      .then(({ open }) => expect(open().status).toBe('open'));
  });

  it('a customer reply makes it open again and starts a next-response SLA clock', () => {
    const answer = customerWrote('Order 4711', plus(T0, 10 * MINUTE), { id: 'm2' });
    given(m1, agentReplied('Which order?', plus(T0, 5 * MINUTE)))
      .when(answer)
      .then(({ open, triggers }) => {
        expect(open().status).toBe('open');
        expect(open().sla.waitingSince).toBe(plus(T0, 10 * MINUTE));
        expect(triggers()).toEqual([]);
      });
  });

  it('an internal note keeps the status, open or pending', () => {
    given(m1)
      .when(internalNote('Checking with the warehouse', plus(T0, MINUTE)))
      .then(({ open }) => expect(open().status).toBe('open'));
    given(m1, agentReplied('Which order?', plus(T0, 5 * MINUTE)))
      .when(internalNote('Checking with the warehouse', plus(T0, 6 * MINUTE)))
      .then(({ open }) => expect(open().status).toBe('pending'));
  });
});
