import { describe, expect, it } from 'vitest';
import { decideResolve } from '../../../../src/domain/actions/index.ts';
import { agentReplied, resolved } from '../given.ts';
import { anna, at, CONVERSATION, conversationAfter, opening, valid } from './given.ts';

describe('decideResolve', () => {
  it('given a resolved conversation, when resolve is decided, then it is refused with already_resolved naming when', () => {
    const conversation = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    const decision = decideResolve({ conversation }, { by: anna, at: at(9) });

    expect(decision).toEqual({ ok: false, refusal: { code: 'already_resolved', message: `the conversation was already resolved at ${at(5)}` } });
  });

  it('given an open conversation, when an agent resolving it is decided, then conversation.resolved is at the request time, reason agent', () => {
    const decision = decideResolve({ conversation: conversationAfter(opening) }, { by: anna, at: at(9) });

    expect(decision).toEqual({ ok: true, event: { type: 'conversation.resolved', data: { by: anna, at: at(9), reason: 'agent' } } });
    if (decision.ok) expect(() => valid(decision.event)).not.toThrow();
  });

  it('given a pending conversation, when a bot resolving it is decided, then the reason is bot', () => {
    const conversation = conversationAfter(opening, agentReplied('It ships today', at(3)));
    expect(conversation.status).toBe('pending');

    const decision = decideResolve({ conversation }, { by: { kind: 'bot', id: 'faq-bot' }, at: at(9) });

    expect(decision).toMatchObject({ ok: true, event: { data: { reason: 'bot', by: { kind: 'bot', id: 'faq-bot' } } } });
  });

  it('given an open conversation, when the system (the API, naming nobody) resolving it is decided, then the reason is agent', () => {
    const decision = decideResolve({ conversation: conversationAfter(opening) }, { by: { kind: 'system', id: 'api' }, at: at(9) });

    expect(decision).toMatchObject({ ok: true, event: { data: { reason: 'agent' } } });
  });
});
