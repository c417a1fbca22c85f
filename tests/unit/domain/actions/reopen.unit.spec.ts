import { describe, expect, it } from 'vitest';
import { decideReopen } from '../../../../src/domain/actions/index.ts';
import { agentReplied, conversationOf, customerWrote, resolved } from '../given.ts';
import { anna, at, CONVERSATION, conversationAfter, opening, projected, valid } from './given.ts';

describe('decideReopen', () => {
  it('given an open conversation, when reopen is decided, then it is refused with not_resolved', () => {
    const { conversation, customer } = projected(opening);

    const decision = decideReopen({ conversation: conversation(), customer }, { by: anna });

    expect(decision).toEqual({ ok: false, refusal: { code: 'not_resolved', message: 'the conversation is open, not resolved: there is nothing to reopen' } });
  });

  it('given a pending conversation, when reopen is decided, then the refusal says it is pending', () => {
    const { conversation, customer } = projected(opening, agentReplied('On its way', at(2)));

    const decision = decideReopen({ conversation: conversation(), customer }, { by: anna });

    expect(decision).toMatchObject({ ok: false, refusal: { code: 'not_resolved', message: expect.stringContaining('is pending, not resolved') } });
  });

  it('given a customer whose next message opened another conversation, when the resolved one is reopened, then it is refused with customer_has_open_conversation naming the open one', () => {
    const next = customerWrote('Also, my invoice is wrong', at(60), { id: 'm2' });
    const { conversation, customer } = projected(opening, resolved(CONVERSATION, at(5)), next);
    const other = conversationOf(next);

    const decision = decideReopen({ conversation: conversation(), customer }, { by: anna });

    expect(decision).toEqual({
      ok: false,
      refusal: {
        code: 'customer_has_open_conversation',
        message: `the customer has another open conversation, ${other}: resolve it first or continue there`,
        openConversation: other,
      },
    });
  });

  it('given a resolved conversation and no other open, when reopen is decided, then conversation.reopened names who and why', () => {
    const { conversation, customer } = projected(opening, resolved(CONVERSATION, at(5)));

    const decision = decideReopen({ conversation: conversation(), customer }, { by: anna, reason: 'the customer called back' });

    expect(decision).toEqual({ ok: true, event: { type: 'conversation.reopened', data: { by: anna, reason: 'the customer called back' } } });
    if (decision.ok) expect(() => valid(decision.event)).not.toThrow();
  });

  it('given a customer read after this conversation\'s reopen was folded (their open one is this one), when reopen is decided, then it is not refused as its own obstacle', () => {
    const conversation = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    const decision = decideReopen({ conversation, customer: { openConversationId: CONVERSATION } }, { by: anna });

    expect(decision).toMatchObject({ ok: true, event: { type: 'conversation.reopened' } });
  });

  it('given a resolved conversation whose customer is not projected, when reopen is decided without a reason, then it is accepted and writes no reason', () => {
    const conversation = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    const decision = decideReopen({ conversation, customer: undefined }, { by: anna });

    expect(decision).toEqual({ ok: true, event: { type: 'conversation.reopened', data: { by: anna } } });
  });
});
