import { describe, expect, it } from 'vitest';
import { normaliseHandle } from '../../../src/channels/handles.ts';

describe('a WhatsApp business-scoped user id as a handle', () => {
  it('is an identity of its own, kept as sent, on WhatsApp and through Twilio alike', () => {
    for (const [provider, channel, raw] of [['whatsapp', 'social', 'US.13491208655302741918'], ['twilio', 'sms', 'whatsapp:US.13491208655302741918']] as const) {
      expect(normaliseHandle(channel, provider, raw)).toEqual({ ok: true, value: { handle: 'US.13491208655302741918', identityKey: 'wa-user:US.13491208655302741918' } });
    }
  });

  it('never shares a key with a number', () => {
    const id = normaliseHandle('social', 'whatsapp', 'US.14155550100');
    const phone = normaliseHandle('social', 'whatsapp', '14155550100');
    expect(id.ok && phone.ok && id.value.identityKey !== phone.value.identityKey).toBe(true);
    expect(phone).toEqual({ ok: true, value: { handle: '+14155550100', identityKey: 'phone:+14155550100' } });
  });

  it('refuses what is not of the documented shape', () => {
    for (const raw of ['US.', 'us.123', 'USA.123', 'US.12-34', `US.${'1'.repeat(129)}`]) {
      expect(normaliseHandle('social', 'whatsapp', raw)).toMatchObject({ ok: false, reason: expect.stringContaining('not a WhatsApp user id') });
    }
  });
});
