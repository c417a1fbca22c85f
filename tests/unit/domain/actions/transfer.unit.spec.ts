import { describe, expect, it } from 'vitest';
import { decideTransfer } from '../../../../src/domain/actions/index.ts';
import { assigned, resolved, triaged } from '../given.ts';
import { anna, at, boris, CONVERSATION, conversationAfter, opening, roster, valid } from './given.ts';

/** Triaged to support and held by Anna. */
const heldByAnna = () => conversationAfter(opening, triaged(CONVERSATION, at(1), { team: 'support' }), assigned(CONVERSATION, at(2), 'ag_anna', { team: 'support' }));

describe('decideTransfer', () => {
  it('given any conversation, when a transfer naming neither agent nor team is decided, then it is refused with bad_request', () => {
    const decision = decideTransfer({ conversation: heldByAnna(), roster }, { by: anna });

    expect(decision).toEqual({ ok: false, refusal: { code: 'bad_request', message: 'name toAgent, toTeam or both' } });
  });

  it('given a team the workspace does not have, when the transfer is decided, then it is refused with unknown_team', () => {
    const decision = decideTransfer({ conversation: heldByAnna(), roster }, { toTeam: 'legal', by: anna });

    expect(decision).toEqual({ ok: false, refusal: { code: 'unknown_team', message: 'legal is not a team of this workspace' } });
  });

  it('given an agent the workspace does not have, when the transfer is decided, then it is refused with unknown_agent', () => {
    const decision = decideTransfer({ conversation: heldByAnna(), roster }, { toAgent: 'ag_nobody', by: anna });

    expect(decision).toEqual({ ok: false, refusal: { code: 'unknown_agent', message: 'ag_nobody is not an agent of this workspace' } });
  });

  it('given Boris, who is in support only, when a transfer to Boris in billing is decided, then it is refused with agent_not_in_team naming his teams', () => {
    const decision = decideTransfer({ conversation: heldByAnna(), roster }, { toAgent: 'ag_boris', toTeam: 'billing', by: anna });

    expect(decision).toEqual({ ok: false, refusal: { code: 'agent_not_in_team', message: 'ag_boris is not in team billing (their teams: support)' } });
  });

  it('given a resolved conversation, when a transfer is decided, then it is refused with conversation_resolved', () => {
    const conversation = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    const decision = decideTransfer({ conversation, roster }, { toTeam: 'billing', by: anna });

    expect(decision).toEqual({ ok: false, refusal: { code: 'conversation_resolved', message: 'the conversation is resolved: reopen it before transferring it' } });
  });

  it('given a conversation held by Anna in support, when a transfer to Anna (with or without naming support) is decided, then it is refused with no_change', () => {
    for (const request of [{ toAgent: 'ag_anna', by: boris }, { toAgent: 'ag_anna', toTeam: 'support', by: boris }]) {
      const decision = decideTransfer({ conversation: heldByAnna(), roster }, request);
      expect(decision).toEqual({
        ok: false,
        refusal: { code: 'no_change', message: 'the conversation is already with ag_anna in team support: the transfer would change nothing' },
      });
    }
  });

  it('given an untriaged, unassigned conversation, when sending it back to the queue is decided, then it is refused with no_change naming the untriaged queue', () => {
    const decision = decideTransfer({ conversation: conversationAfter(opening), roster }, { toAgent: null, by: anna });

    expect(decision).toMatchObject({ ok: false, refusal: { code: 'no_change', message: expect.stringContaining('unassigned in the untriaged queue') } });
  });

  it('given a conversation held by Anna, when a transfer to billing is decided, then it goes unassigned to the billing queue with the reason', () => {
    const decision = decideTransfer({ conversation: heldByAnna(), roster }, { toTeam: 'billing', by: anna, reason: 'a refund question' });

    expect(decision).toEqual({
      ok: true,
      event: { type: 'conversation.transferred', data: { toAgent: null, toTeam: 'billing', by: anna, reason: 'a refund question' } },
    });
    if (decision.ok) expect(() => valid(decision.event)).not.toThrow();
  });

  it('given a conversation held by Anna in support, when a transfer to Boris is decided, then the team is kept (toTeam null) and no empty reason is written', () => {
    const decision = decideTransfer({ conversation: heldByAnna(), roster }, { toAgent: 'ag_boris', by: anna, reason: '' });

    expect(decision).toEqual({ ok: true, event: { type: 'conversation.transferred', data: { toAgent: 'ag_boris', toTeam: null, by: anna } } });
  });

  it('given a conversation held by Anna in support, when handing it back to the support queue is decided, then it is accepted (unassigned, same team)', () => {
    const decision = decideTransfer({ conversation: heldByAnna(), roster }, { toAgent: null, by: anna });

    expect(decision).toEqual({ ok: true, event: { type: 'conversation.transferred', data: { toAgent: null, toTeam: null, by: anna } } });
  });

  it('given a conversation held by Anna in support, when moving it to Anna in billing is decided, then it is accepted (same agent, another team)', () => {
    const decision = decideTransfer({ conversation: heldByAnna(), roster }, { toAgent: 'ag_anna', toTeam: 'billing', by: anna });

    expect(decision).toMatchObject({ ok: true, event: { data: { toAgent: 'ag_anna', toTeam: 'billing' } } });
  });
});
