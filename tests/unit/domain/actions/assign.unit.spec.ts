import { describe, expect, it } from 'vitest';
import { decideAssign } from '../../../../src/domain/actions/index.ts';
import { assigned, customerWrote, resolved, triaged } from '../given.ts';
import { anna, at, boris, CONVERSATION, conversationAfter, opening, roster, valid } from './given.ts';

describe('decideAssign', () => {
  it('given a resolved conversation, when assign is decided, then it is refused with conversation_resolved', () => {
    const conversation = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    const decision = decideAssign({ conversation, roster }, { agent: 'ag_anna', by: boris });

    expect(decision).toEqual({ ok: false, refusal: { code: 'conversation_resolved', message: 'the conversation is resolved: reopen it before assigning it' } });
  });

  it('given an open conversation held by Anna, when assigning it to Anna is decided, then it is refused with already_assigned naming her', () => {
    const conversation = conversationAfter(opening, assigned(CONVERSATION, at(1), 'ag_anna', { team: 'support' }));

    const decision = decideAssign({ conversation, roster }, { agent: 'ag_anna', by: boris });

    expect(decision).toEqual({ ok: false, refusal: { code: 'already_assigned', message: 'the conversation is already assigned to ag_anna' } });
  });

  it('given an agent the workspace does not have, when assign is decided, then it is refused with unknown_agent, before the state is looked at', () => {
    const open = conversationAfter(opening);
    const done = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    for (const conversation of [open, done]) {
      const decision = decideAssign({ conversation, roster }, { agent: 'ag_nobody', by: anna });
      expect(decision).toEqual({ ok: false, refusal: { code: 'unknown_agent', message: 'ag_nobody is not an agent of this workspace' } });
    }
  });

  it('given a triaged conversation, when assigning it to Boris is decided, then conversation.assigned keeps the team, takes a chat seat and names who did it', () => {
    const conversation = conversationAfter(opening, triaged(CONVERSATION, at(1), { team: 'support' }));

    const decision = decideAssign({ conversation, roster }, { agent: 'ag_boris', by: anna });

    expect(decision).toEqual({
      ok: true,
      event: { type: 'conversation.assigned', data: { assignee: 'ag_boris', team: 'support', reason: 'manual', channel: 'chat', by: anna } },
    });
    if (decision.ok) expect(() => valid(decision.event)).not.toThrow();
  });

  it('given a conversation held by Anna, when assigning it to Boris is decided, then it is accepted (a reassignment)', () => {
    const conversation = conversationAfter(opening, triaged(CONVERSATION, at(1), { team: 'billing' }), assigned(CONVERSATION, at(2), 'ag_anna', { team: 'billing' }));

    const decision = decideAssign({ conversation, roster }, { agent: 'ag_boris', by: { kind: 'system', id: 'api' } });

    expect(decision).toMatchObject({ ok: true, event: { data: { assignee: 'ag_boris', team: 'billing', by: { kind: 'system', id: 'api' } } } });
  });

  it('given a conversation begun by e-mail whose customer then wrote by SMS, when assign is decided, then the seat is on SMS (where the customer waits)', () => {
    const byEmail = customerWrote('My parcel is late', at(0), { id: 'm1', channel: 'email', provider: 'smtp', handle: 'jane@example.com', subject: 'Parcel' });
    const bySms = customerWrote('Any news?', at(30), { channel: 'sms', provider: 'twilio', handle: '+14155550100' });
    const conversation = conversationAfter(byEmail, bySms);

    const decision = decideAssign({ conversation, roster }, { agent: 'ag_anna', by: boris });

    expect(decision).toMatchObject({ ok: true, event: { data: { channel: 'sms' } } });
  });
});
