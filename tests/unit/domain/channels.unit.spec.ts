import { describe, expect, it } from 'vitest';
import { MINUTE, agentReplied, customerWrote, given, identified, plus } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const jane = { channel: 'email', provider: 'smtp', handle: 'jane@example.com' } as const;
const janesPhone = { channel: 'sms', provider: 'twilio', handle: '+14155550100' } as const;

const byEmail = customerWrote('My order #1001 never arrived', T0, { id: 'm1', ...jane, subject: 'Order #1001' });
const bySms = customerWrote('Any news?', plus(T0, MINUTE), { id: 'm2', ...janesPhone });
const chatReply = agentReplied('A replacement ships today', plus(T0, 2 * MINUTE), { channel: 'chat' });
const emailAgain = customerWrote('Thanks!', plus(T0, 3 * MINUTE), { id: 'm3', ...jane });

describe('multi-channel conversations', () => {
  it('channels accumulate in first-use order, each once', () => {
    given(byEmail, bySms, chatReply)
      .when(emailAgain)
      .then(({ open, customer }) => {
        expect(open().channels).toEqual(['email', 'sms', 'chat']);
        expect(customer().conversationIds).toEqual(['cv_m1']);
        expect(open().messageCount).toBe(4);
      });
  });

  it('replies go to the channel, provider and handle of the latest customer message', () => {
    given(byEmail)
      .when(bySms)
      .then(({ open }) => expect(open().replyTo).toEqual(janesPhone));
    // An agent writing elsewhere does not move it; the customer writing elsewhere does.
    given(byEmail, bySms)
      .when(chatReply)
      .then(({ open }) => expect(open().replyTo).toEqual(janesPhone));
    given(byEmail, bySms, chatReply)
      .when(emailAgain)
      .then(({ open }) => expect(open().replyTo).toEqual(jane));
  });

  it('the first subject sticks', () => {
    given(byEmail)
      .when(customerWrote('Re: thanks', plus(T0, MINUTE), { ...jane, subject: 'Re: Order #1001' }))
      .then(({ open }) => expect(open().subject).toBe('Order #1001'));
  });

  it('identities accumulate without duplicates, each with the time it was first seen', () => {
    given(byEmail, bySms, chatReply)
      .when(emailAgain, identified(plus(T0, 4 * MINUTE), janesPhone), identified(plus(T0, 5 * MINUTE), { channel: 'social', provider: 'instagram', handle: 'jane.d' }))
      .then(({ customer }) => {
        expect(customer().identities).toEqual([
          { ...jane, firstSeenAt: T0 },
          { ...janesPhone, firstSeenAt: plus(T0, MINUTE) },
          { channel: 'social', provider: 'instagram', handle: 'jane.d', firstSeenAt: plus(T0, 5 * MINUTE) },
        ]);
      });
  });

  it('the same handle on another provider is another identity', () => {
    given(bySms)
      .when(customerWrote('Hi', plus(T0, 2 * MINUTE), { channel: 'sms', provider: 'vonage', handle: janesPhone.handle }))
      .then(({ customer }) => expect(customer().identities.map((i) => i.provider)).toEqual(['twilio', 'vonage']));
  });
});
