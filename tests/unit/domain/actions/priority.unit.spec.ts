import { describe, expect, it } from 'vitest';
import { decidePriority } from '../../../../src/domain/actions/index.ts';
import { escalated, resolved } from '../given.ts';
import { anna, at, CONVERSATION, conversationAfter, opening, valid } from './given.ts';

describe('decidePriority', () => {
  it('given a resolved conversation, when a priority change is decided, then it is refused with conversation_resolved', () => {
    const conversation = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    const decision = decidePriority({ conversation }, { priority: 'high', by: anna });

    expect(decision).toEqual({ ok: false, refusal: { code: 'conversation_resolved', message: 'the conversation is resolved: reopen it before changing its priority' } });
  });

  it('given a normal-priority conversation, when setting it to normal is decided, then it is refused with same_priority', () => {
    const decision = decidePriority({ conversation: conversationAfter(opening) }, { priority: 'normal', by: anna });

    expect(decision).toEqual({ ok: false, refusal: { code: 'same_priority', message: "the conversation's priority is already normal" } });
  });

  it('given a normal-priority conversation, when making it urgent is decided, then conversation.priority_changed names the priority and who', () => {
    const decision = decidePriority({ conversation: conversationAfter(opening) }, { priority: 'urgent', by: anna });

    expect(decision).toEqual({ ok: true, event: { type: 'conversation.priority_changed', data: { priority: 'urgent', by: anna } } });
    if (decision.ok) expect(() => valid(decision.event)).not.toThrow();
  });

  it('given a conversation escalated to urgent, when lowering it to low is decided, then it is accepted (a person may lower it)', () => {
    const conversation = conversationAfter(opening, escalated(CONVERSATION, at(10), 'urgent'));

    const decision = decidePriority({ conversation }, { priority: 'low', by: anna });

    expect(decision).toMatchObject({ ok: true, event: { data: { priority: 'low' } } });
  });
});
