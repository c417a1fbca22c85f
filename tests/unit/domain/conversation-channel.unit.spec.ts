import { describe, expect, it } from 'vitest';
import { conversationChannel } from '../../../src/domain/conversation-channel.ts';
import { HOUR, MINUTE, agentReplied, assigned, customerWrote, given, plus } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const jane = { channel: 'email', provider: 'smtp', handle: 'jane@example.com' } as const;
const janesPhone = { channel: 'sms', provider: 'twilio', handle: '+14155550100' } as const;

const byEmail = customerWrote('My order #1001 never arrived', T0, { id: 'm1', ...jane, subject: 'Order #1001' });
const bySms = customerWrote('Any news?', plus(T0, MINUTE), { id: 'm2', ...janesPhone });

describe('the channel a conversation is worked on (seat and default reply)', () => {
  it('given a conversation that moved from e-mail to SMS, then its channel is SMS: the customer waits on their phone', () => {
    given(byEmail, bySms).then(({ open }) => {
      expect(open().channels).toEqual(['email', 'sms']);
      expect(conversationChannel(open())).toBe('sms');
    });
  });

  it('given a conversation that began by e-mail, when an agent answers by chat, then its channel stays e-mail: only the customer moves it', () => {
    given(byEmail)
      .when(agentReplied('Looking into it', plus(T0, MINUTE), { channel: 'chat' }))
      .then(({ open }) => expect(conversationChannel(open())).toBe('email'));
  });

  it('given e-mail, then SMS, then e-mail again, then its channel is e-mail again (the latest customer message, not the first nor the most used)', () => {
    given(byEmail, bySms)
      .when(customerWrote('Never mind, answer here', plus(T0, 2 * MINUTE), { id: 'm3', ...jane }))
      .then(({ open }) => expect(conversationChannel(open())).toBe('email'));
  });

  it('given an agent-initiated conversation with no customer message, then its channel is the one it was opened on, even after we wrote elsewhere', () => {
    const opening = agentReplied('Your replacement is ready', T0, { id: 'o1', channel: 'email', provider: 'smtp' });
    given(opening, agentReplied('Reminder: your replacement is ready', plus(T0, HOUR), { channel: 'sms', provider: 'twilio' })).then(({ open }) => {
      expect(open().initiatedBy).toBe('agent');
      expect(open().replyTo).toBeNull();
      expect(open().channels).toEqual(['email', 'sms']);
      expect(conversationChannel(open())).toBe('email');
    });
  });

  it('given an agent-initiated conversation, when the customer answers by chat, then its channel is chat', () => {
    const opening = agentReplied('Your replacement is ready', T0, { id: 'o1', channel: 'email', provider: 'smtp' });
    given(opening)
      .when(customerWrote('Can I pick it up today?', plus(T0, MINUTE), { id: 'm1' }))
      .then(({ open }) => expect(conversationChannel(open())).toBe('chat'));
  });

  it('given an assignment that does not name its channel (an older event), then the fold charges the seat on the conversation’s channel', () => {
    given(byEmail, bySms)
      .when(assigned('cv_m1', plus(T0, 2 * MINUTE), 'agent-1'))
      .then(({ open }) => expect(open().assignment).toMatchObject({ channel: 'sms', reason: 'least-busy' }));
  });

  it('given a seat already taken on e-mail, when the customer then writes by SMS, then the seat stays where it was charged', () => {
    given(byEmail, assigned('cv_m1', plus(T0, MINUTE), 'agent-1'))
      .when(customerWrote('Any news?', plus(T0, 2 * MINUTE), { id: 'm2', ...janesPhone }))
      .then(({ open }) => {
        expect(conversationChannel(open())).toBe('sms');
        expect(open().assignment?.channel).toBe('email');
      });
  });
});
