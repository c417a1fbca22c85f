import { describe, expect, it } from 'vitest';
import { missingConversations, pruneHotSet } from '../../../src/domain/fold/customer-fold.ts';
import { HOT_CONVERSATIONS } from '../../../src/domain/fold/policy.ts';
import {
  MINUTE,
  agentReplied,
  assigned,
  customerWrote,
  escalated,
  fold,
  given,
  plus,
  priorityChanged,
  projection,
  reopened,
  resolved,
  slaBreached,
  surveyAnswered,
  surveySent,
  transferred,
  triaged,
} from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const m1 = customerWrote('Where is my order?', T0, { id: 'm1' });

describe('events naming a conversation the state does not hold', () => {
  const elsewhere = 'cv_elsewhere';
  // At the time of the last event, so the customer's lastSeenAt has no reason to move either.
  const naming = [
    triaged(elsewhere, T0, { category: 'refund', priority: 'urgent', team: 'billing' }),
    assigned(elsewhere, T0, 'agent-7'),
    transferred(elsewhere, T0, { agent: 'agent-9', team: 'tier2' }),
    escalated(elsewhere, T0, 'urgent'),
    priorityChanged(elsewhere, T0, 'low'),
    resolved(elsewhere, T0),
    resolved(elsewhere, T0, { reason: 'inactivity' }),
    reopened(elsewhere, T0),
    slaBreached(elsewhere, T0, 'firstResponse'),
    surveySent(elsewhere, T0, 'sv1'),
    surveyAnswered(elsewhere, T0, 'sv1', 5),
  ];

  it.each(naming.map((e) => [e.type, e] as const))('%s changes nothing', (_, event) => {
    given(m1)
      .when(event)
      .then(({ state, before, effects }) => {
        expect(projection(state)).toEqual(projection(before));
        expect(effects.changedConversations.size).toBe(0);
        expect(effects.triggers).toEqual([]);
        expect(effects.transcript).toEqual([]);
      });
  });

  it('missingConversations lists each id events name that the state lacks, once', () => {
    const { state } = fold([m1]);
    const events = [triaged('cv_m1', T0), ...naming, assigned('cv_other', T0, 'agent-1'), customerWrote('Hi', T0)];
    expect(missingConversations(state, events)).toEqual([elsewhere, 'cv_other']);
    expect(missingConversations(state, [triaged('cv_m1', T0), customerWrote('Hi', T0)])).toEqual([]);
  });
});

describe('the hot set of conversations kept in the fold state', () => {
  /** Five conversations one after the other: each resolved before the next message. */
  const history = [1, 2, 3, 4, 5].flatMap((n) => [
    customerWrote(`Question ${n}`, plus(T0, n * 10 * MINUTE), { id: `q${n}` }),
    agentReplied(`Answer ${n}`, plus(T0, n * 10 * MINUTE + MINUTE)),
    resolved(`cv_q${n}`, plus(T0, n * 10 * MINUTE + 2 * MINUTE)),
  ]);

  it(`keeps the latest ${HOT_CONVERSATIONS} conversations`, () => {
    const { state } = fold(history);
    pruneHotSet(state);
    expect(Object.keys(state.conversations).sort()).toEqual(['cv_q3', 'cv_q4', 'cv_q5']);
    expect(state.customer!.conversationIds).toHaveLength(5);
  });

  it('keeps the open conversation even when it is not among the latest', () => {
    const { state } = fold([...history, reopened('cv_q1', plus(T0, 2 * 60 * MINUTE))]);
    pruneHotSet(state);
    expect(state.customer!.openConversationId).toBe('cv_q1');
    expect(Object.keys(state.conversations).sort()).toEqual(['cv_q1', 'cv_q3', 'cv_q4', 'cv_q5']);
  });

  it('keeps exactly the latest when the open one is among them', () => {
    const { state } = fold([...history, reopened('cv_q4', plus(T0, 2 * 60 * MINUTE))]);
    pruneHotSet(state);
    expect(Object.keys(state.conversations).sort()).toEqual(['cv_q3', 'cv_q4', 'cv_q5']);
  });

  it('a pruned conversation comes back through missingConversations when an event names it', () => {
    const { state } = fold(history);
    pruneHotSet(state);
    expect(missingConversations(state, [reopened('cv_q1', plus(T0, 3 * 60 * MINUTE))])).toEqual(['cv_q1']);
  });
});
