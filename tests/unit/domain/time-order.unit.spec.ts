import { describe, expect, it } from 'vitest';
import { customerWrote, given } from './given.ts';

// Providers stamp times at different precisions: a WhatsApp message (whole seconds) logged after
// an SMS (our receipt, in ms) can carry an earlier time than it.
const sms = customerWrote('Any news?', '2026-01-05T09:00:52.726Z', { id: 's1', channel: 'sms', provider: 'twilio', handle: '+14155550123' });
const whatsapp = customerWrote('Hello?', '2026-01-05T09:00:52.000Z', { id: 'w1', channel: 'social', provider: 'whatsapp', handle: '+14155550123' });

describe('times that arrive out of order', () => {
  it('first and last customer message follow time, not log order', () => {
    given(sms)
      .when(whatsapp)
      .then(({ open }) => {
        expect(open().firstCustomerMessageAt).toBe('2026-01-05T09:00:52.000Z');
        expect(open().lastCustomerMessageAt).toBe('2026-01-05T09:00:52.726Z');
        // The inactivity window runs from the latest activity, never from an earlier stamp.
        expect(open().lastActivityAt).toBe('2026-01-05T09:00:52.726Z');
      });
  });
});
