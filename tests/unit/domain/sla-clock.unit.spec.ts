import { describe, expect, it } from 'vitest';
import { MINUTE, agentReplied, botReplied, customerWrote, escalated, given, plus, slaBreached, slaFoldPolicy } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const m1 = customerWrote('Where is my order?', T0, { id: 'm1', channel: 'chat' });

describe('the SLA clock in the fold (default targets: chat first response 15 min)', () => {
  it('given a customer message, the first-response deadline is 15 minutes later, with a warning and a breach timer', () => {
    given()
      .withPolicy(slaFoldPolicy)
      .when(m1)
      .then(({ open, timers }) => {
        expect(open().sla).toMatchObject({ waitingSince: T0, firstResponseDueAt: plus(T0, 15 * MINUTE) });
        expect(timers('cv_m1', 'sla-breach').map((t) => [t.metric, t.at])).toContainEqual(['firstResponse', plus(T0, 15 * MINUTE)]);
      });
  });

  it('given the bot answered, the clock stands still until the customer writes again, and the first-response deadline stays', () => {
    given(m1)
      .withPolicy(slaFoldPolicy)
      .when(botReplied('Here is how to track your order', plus(T0, MINUTE)))
      .then(({ open, timers }) => {
        expect(open()).toMatchObject({ bot: 'answering', firstResponseAt: null });
        expect(open().sla).toMatchObject({ waitingSince: null, firstResponseDueAt: null });
        expect(timers('cv_m1').map((t) => t.kind)).toEqual(['auto-resolve']);
      });
    given(m1, botReplied('Here is how to track your order', plus(T0, MINUTE)))
      .withPolicy(slaFoldPolicy)
      .when(customerWrote('That did not help', plus(T0, 30 * MINUTE), { channel: 'chat' }))
      .then(({ open }) => expect(open().sla).toMatchObject({ waitingSince: plus(T0, 30 * MINUTE), firstResponseDueAt: plus(T0, 15 * MINUTE) }));
  });

  it('given a breach was recorded, a later answer does not make the first response met, even after an escalation moved the deadline', () => {
    given(m1, slaBreached('cv_m1', plus(T0, 16 * MINUTE), 'firstResponse', plus(T0, 15 * MINUTE)), escalated('cv_m1', plus(T0, 16 * MINUTE), 'high'))
      .withPolicy(slaFoldPolicy)
      .when(agentReplied('Sorry for the wait', plus(T0, 17 * MINUTE)))
      .then(({ open }) => expect(open().metrics.sla.firstResponse).toBe('breached'));
    given(m1)
      .withPolicy(slaFoldPolicy)
      .when(slaBreached('cv_m1', plus(T0, 16 * MINUTE), 'firstResponse', plus(T0, 15 * MINUTE)))
      .then(({ open }) => expect(open().metrics.sla.firstResponse).toBe('breached'));
  });

  it('given an agent answered in time, the first response is met and the clock pauses while pending', () => {
    given(m1)
      .withPolicy(slaFoldPolicy)
      .when(agentReplied('On its way', plus(T0, 5 * MINUTE)))
      .then(({ open }) => {
        expect(open().metrics.sla.firstResponse).toBe('met');
        expect(open().sla).toMatchObject({ waitingSince: null, pausedSince: plus(T0, 5 * MINUTE), firstResponseDueAt: null });
      });
  });
});
