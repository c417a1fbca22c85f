import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../../events/index.ts';
import { decideEscalation, defaultEscalationLadder, escalationLadderSchema, raisePriority } from '../../../../src/domain/sla/escalation.ts';
import type { Priority } from '../../../../src/domain/state.ts';
import { conversationOf, customerWrote, escalated, fold, triaged } from '../given.ts';

const ladder = defaultEscalationLadder;
const on = (team: string | null, priority: Priority = 'normal') => ({ team, priority });

describe('given the default ladder (tier1 as triaged → tier2 → supervisors)', () => {
  describe('when a conversation in the billing queue breaches its first response', () => {
    const decision = decideEscalation(on('billing'), 'firstResponse', ladder);

    it('then it climbs to tier2, one priority step up, without paging a supervisor', () => {
      expect(decision).toEqual({
        kind: 'climb',
        tier: 'tier2',
        priority: 'high',
        team: 'tier2',
        notifySupervisor: false,
        reason: 'first response SLA breached on tier1: escalated to tier2',
      });
    });
  });

  it('when a tier2 conversation breaches its resolution, then it climbs to the supervisors, who are paged', () => {
    expect(decideEscalation(on('tier2', 'high'), 'resolution', ladder)).toMatchObject({
      kind: 'climb',
      tier: 'supervisor',
      team: 'supervisors',
      priority: 'urgent',
      notifySupervisor: true,
      reason: 'resolution SLA breached on tier2: escalated to supervisor',
    });
  });

  it('when a low-priority tier2 conversation reaches the supervisors, then their floor (high) applies rather than one step (normal)', () => {
    expect(decideEscalation(on('tier2', 'low'), 'nextResponse', ladder).priority).toBe('high');
  });

  it('when an urgent conversation climbs, then it stays urgent (there is nothing above)', () => {
    expect(decideEscalation(on('billing', 'urgent'), 'firstResponse', ladder).priority).toBe('urgent');
  });

  describe('when a conversation already with the supervisors breaches again (the top of the ladder)', () => {
    const decision = decideEscalation(on('supervisors', 'high'), 'nextResponse', ladder);

    it('then it stays on the top rung and team, is raised to urgent, and the supervisors are paged again', () => {
      expect(decision).toEqual({
        kind: 'top',
        tier: 'supervisor',
        priority: 'urgent',
        team: 'supervisors',
        notifySupervisor: true,
        reason: 'next response SLA breached on supervisor, the top of the escalation ladder',
      });
    });
  });

  it('when a conversation has no team yet, then it is on the first rung and climbs to tier2', () => {
    expect(decideEscalation(on(null), 'firstResponse', ladder)).toMatchObject({ kind: 'climb', tier: 'tier2', team: 'tier2' });
  });
});

describe('given a one-rung ladder that pages nobody', () => {
  const flat = escalationLadderSchema.parse([{ tier: 'support', team: 'support' }]);

  it('when a conversation breaches, then it is at the top at once, and the supervisors are paged anyway', () => {
    expect(decideEscalation(on('support', 'low'), 'firstResponse', flat)).toMatchObject({ kind: 'top', tier: 'support', team: 'support', priority: 'normal', notifySupervisor: true });
  });
});

describe('given priorities', () => {
  it('when raised, then each goes one step up and urgent stays urgent', () => {
    expect((['low', 'normal', 'high', 'urgent'] as const).map(raisePriority)).toEqual(['normal', 'high', 'urgent', 'urgent']);
  });
});

describe('given a conversation the fold projects, escalated as decided, breach after breach', () => {
  it('when each decision is folded back as conversation.escalated, then the next breach climbs from where the last one left it', () => {
    const m1 = customerWrote('my parcel is lost', '2026-01-05T09:00:00.000Z');
    const cv = conversationOf(m1);
    const events: AnyEvent[] = [m1, triaged(cv, '2026-01-05T09:01:00.000Z', { team: 'billing', priority: 'normal' })];
    const tiers: string[] = [];
    for (let breach = 1; breach <= 3; breach++) {
      const conversation = fold(events).state.conversations[cv]!;
      const d = decideEscalation(conversation, 'firstResponse', ladder);
      tiers.push(`${d.kind}:${d.tier}:${d.priority}`);
      events.push(escalated(cv, `2026-01-05T1${breach}:00:00.000Z`, d.priority, { tier: d.tier, team: d.team }));
    }
    expect(tiers).toEqual(['climb:tier2:high', 'climb:supervisor:urgent', 'top:supervisor:urgent']);
    expect(fold(events).state.conversations[cv]).toMatchObject({ team: 'supervisors', priority: 'urgent' });
  });
});
