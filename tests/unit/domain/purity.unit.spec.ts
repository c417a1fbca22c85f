import { describe, expect, it } from 'vitest';
import { emptyFold, foldEvents } from '../../../src/domain/fold/customer-fold.ts';
import { defaultFoldPolicy } from '../../../src/domain/fold/policy.ts';
import {
  CUSTOMER,
  DAY,
  HOUR,
  MINUTE,
  TENANT,
  agentReplied,
  assigned,
  botReplied,
  customerWrote,
  escalated,
  fold,
  identified,
  inactivityTimerFired,
  internalNote,
  merged,
  plus,
  reopened,
  resolved,
  slaBreached,
  surveyAnswered,
  surveySent,
  transferred,
  triaged,
} from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const at = (ms: number) => plus(T0, ms);

const m1 = customerWrote('My order #1001 never arrived', at(0), { id: 'm1', channel: 'email', provider: 'smtp', handle: 'jane@example.com', subject: 'Order #1001' });
const m2 = customerWrote('Any news?', at(2 * HOUR), { id: 'm2', channel: 'sms', provider: 'twilio', handle: '+14155550100' });
const m4 = customerWrote('The replacement is broken too', at(3 * DAY), { id: 'm4', channel: 'chat' });

/** A 20-event scenario touching every rule: segmentation, inactivity, the timer, reopen, surveys, duplicates. */
const scenario = [
  m1,
  triaged('cv_m1', at(MINUTE), { category: 'refund', priority: 'normal', language: 'en', team: 'billing' }),
  botReplied('Have you checked the tracking page?', at(2 * MINUTE)),
  assigned('cv_m1', at(3 * MINUTE), 'agent-7', { team: 'billing' }),
  internalNote('Carrier lost it, reship', at(4 * MINUTE), { agent: 'agent-7' }),
  m2,
  agentReplied('A replacement ships today', at(2 * HOUR + 10 * MINUTE), { channel: 'sms', provider: 'twilio', agent: 'agent-7' }),
  m2, // a provider retry
  slaBreached('cv_m1', at(3 * HOUR), 'resolution'),
  // 24 h of quiet after the reply: the next event closes cv_m1, whichever it is.
  identified(at(2 * DAY), { channel: 'social', provider: 'instagram', handle: 'jane.d' }),
  inactivityTimerFired('cv_m1', at(2 * DAY + MINUTE), at(2 * HOUR + 10 * MINUTE + DAY)),
  surveySent('cv_m1', at(2 * DAY + 2 * MINUTE), 'sv1'),
  surveyAnswered('cv_m1', at(2 * DAY + 30 * MINUTE), 'sv1', 2),
  m4,
  reopened('cv_m1', at(3 * DAY + 5 * MINUTE)),
  transferred('cv_m1', at(3 * DAY + 6 * MINUTE), { team: 'tier2' }),
  escalated('cv_m1', at(3 * DAY + 7 * MINUTE), 'urgent', { team: 'supervisors' }),
  agentReplied('Sorry, a supervisor will call you', at(3 * DAY + 8 * MINUTE), { agent: 'agent-9' }),
  merged(at(3 * DAY + 9 * MINUTE), { survivor: CUSTOMER, absorbed: 'cus_dup' }),
  resolved('cv_m1', at(3 * DAY + 10 * MINUTE), { by: { kind: 'agent', id: 'agent-9' } }),
];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('the fold is a pure function of state and events', () => {
  it('the scenario exercises what it claims to (two conversations, a reopen, a duplicate)', () => {
    const { state, effects } = fold(scenario);
    expect(scenario).toHaveLength(20);
    expect(effects.duplicates).toBe(1);
    expect(state.customer!.conversationIds).toEqual(['cv_m1', 'cv_m4']);
    expect(state.conversations['cv_m1']).toMatchObject({ status: 'resolved', reopenCount: 1, priority: 'urgent', team: 'supervisors' });
    // Reopening cv_m1 closed cv_m4, which was open at the time.
    expect(state.conversations['cv_m4']).toMatchObject({ status: 'resolved', resolution: { by: 'system', actorId: null } });
  });

  it('never mutates the state it is given (deep-frozen input)', () => {
    for (let k = 0; k <= scenario.length; k++) {
      const input = deepFreeze(fold(scenario.slice(0, k)).state);
      const copy = structuredClone(input);
      expect(() => foldEvents(input, scenario.slice(k), defaultFoldPolicy)).not.toThrow();
      expect(input).toEqual(copy);
    }
  });

  it('never mutates the state it is given (compared with a copy taken before)', () => {
    const input = fold(scenario.slice(0, 10)).state;
    const copy = structuredClone(input);
    const { state } = foldEvents(input, scenario.slice(10), defaultFoldPolicy);
    expect(input).toEqual(copy);
    expect(state).not.toBe(input);
    expect(state).not.toEqual(input);
  });

  it('folding in two batches, split anywhere, gives the same state and asks for the same jobs as one batch', () => {
    const whole = fold(scenario);
    for (let k = 0; k <= scenario.length; k++) {
      const first = foldEvents(emptyFold(TENANT, CUSTOMER), scenario.slice(0, k), defaultFoldPolicy);
      const second = foldEvents(first.state, scenario.slice(k), defaultFoldPolicy);
      expect(second.state, `split at ${k}`).toEqual(whole.state);
      expect([...first.effects.triggers, ...second.effects.triggers], `split at ${k}`).toEqual(whole.effects.triggers);
      expect([...first.effects.transcript, ...second.effects.transcript], `split at ${k}`).toEqual(whole.effects.transcript);
    }
  });

  it('folding event by event gives the same state as one batch', () => {
    let state = emptyFold(TENANT, CUSTOMER);
    for (const e of scenario) state = foldEvents(state, [e], defaultFoldPolicy).state;
    expect(state).toEqual(fold(scenario).state);
  });
});
