import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEvent, type AnyEvent } from '../../../events/index.ts';
import { ERASED, MasterKeys, mapPersonalFields, openText, sealText, sealedKeyId } from '../../../src/privacy/index.ts';
import { receivedEnvelope, sentEnvelope } from '../events/fixtures.ts';

const key = randomBytes(32);
const seal = (plain: string) => sealText(plain, key, 'dk_test');
const parsed = (input: unknown): AnyEvent => {
  const result = parseEvent(input);
  if (!result.ok) throw new Error(result.error.message);
  return result.event;
};

describe('a sealed field', () => {
  it('opens with its key to the plaintext and names its key id', () => {
    const sealed = seal('Jane Doe <jane@example.com>, order 4711');
    expect(sealed).toMatch(/^enc:v1:dk_test:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealedKeyId(sealed)).toBe('dk_test');
    expect(openText(sealed, key)).toBe('Jane Doe <jane@example.com>, order 4711');
  });

  it('is the same string for the same plaintext under the same key (a retry appends the same bytes), another for another text', () => {
    expect(seal('+4915112345678')).toBe(seal('+4915112345678'));
    expect(seal('+4915112345678')).not.toBe(seal('+4915112345679'));
  });

  it('does not open with another key, nor once altered', () => {
    const sealed = seal('hello');
    expect(openText(sealed, randomBytes(32))).toBeNull();
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(openText(altered, key)).toBeNull();
    expect(ERASED).toBe('[erased]');
  });
});

describe('the personal fields of an event', () => {
  it('given a customer message with subject and a file, when sealed, then handle, text, subject and file name are sealed, and it still parses', () => {
    const input = receivedEnvelope();
    const event = parsed({ ...input, data: { ...input.data, channel: 'email', provider: 'smtp', handle: 'jane@example.com', subject: 'Wrong invoice', attachments: [{ filename: 'invoice-jane.pdf', contentType: 'application/pdf', size: 10 }] } });
    const sealed = mapPersonalFields(event, seal);
    if (sealed.type !== 'message.received') throw new Error('type changed');
    expect([sealed.data.handle, sealed.data.text, sealed.data.subject, sealed.data.attachments?.[0]?.filename].every((v) => v?.startsWith('enc:v1:'))).toBe(true);
    expect(sealed.data.providerMessageId).toBe(input.data.providerMessageId);
    expect(parseEvent(JSON.parse(JSON.stringify(sealed))).ok).toBe(true);
  });

  it('given a bare score, when sealed, then the text stays plain (the fold and the KPI replay read it as a survey answer)', () => {
    const input = receivedEnvelope();
    const sealed = mapPersonalFields(parsed({ ...input, data: { ...input.data, text: ' 5 ' } }), seal);
    expect(sealed.type === 'message.received' && sealed.data.text).toBe(' 5 ');
  });

  it('given an agent reply, when sealed, then its text is sealed and its ids are not; an event without personal data is the same object', () => {
    const sent = mapPersonalFields(parsed({ ...sentEnvelope(), data: { ...sentEnvelope().data, messageId: 'out_1' } }), seal);
    expect(sent.type === 'message.sent' && sent.data.text.startsWith('enc:v1:')).toBe(true);
    expect(sent.type === 'message.sent' && sent.data.messageId).toBe('out_1');
    const resolved = parsed({ ...sentEnvelope(), type: 'conversation.resolved', data: { by: { kind: 'agent', id: 'a1' }, reason: 'agent', at: '2025-03-04T08:30:00Z' } });
    expect(mapPersonalFields(resolved, seal)).toBe(resolved);
  });
});

describe('which key a personal field is sealed with', () => {
  /** Seals each field with a stand-in that names the kind of key it would be sealed with. */
  const kinds = (event: AnyEvent) => {
    const seen: Array<[string, string]> = [];
    mapPersonalFields(event, (value, kind) => {
      seen.push([value, kind]);
      return sealText(value, key, kind === 'identity' ? 'dk_identity' : 'dk_month');
    });
    return seen;
  };

  it('given a customer e-mail, then the handle takes the identity key (kept as long as the customer) and text, subject and file name the month key (retention)', () => {
    const input = receivedEnvelope();
    const event = parsed({ ...input, data: { ...input.data, channel: 'email', provider: 'smtp', handle: 'jane@example.com', text: 'It broke', subject: 'Broken', attachments: [{ filename: 'photo.jpg', contentType: 'image/jpeg', size: 3 }] } });
    expect(kinds(event)).toEqual([
      ['jane@example.com', 'identity'],
      ['It broke', 'text'],
      ['Broken', 'text'],
      ['photo.jpg', 'text'],
    ]);
  });

  it("given the bot's hand-off quoting the customer, an agent's transfer note and a provider's refusal naming the number, then each is sealed as text and the event still parses", () => {
    const base = { ...sentEnvelope(), conversation: 'c1' };
    const assigned = parsed({ ...base, type: 'conversation.assigned', data: { assignee: 'a1', team: 'support', reason: 'manual', context: 'Bot hand-off: Customer, 2025-03-04: "my card 4111 was charged twice"' } });
    const transferred = parsed({ ...base, type: 'conversation.transferred', data: { toAgent: null, toTeam: 'billing', by: { kind: 'agent', id: 'a1' }, reason: 'Jane wants a refund' } });
    const failed = parsed({ ...base, type: 'message.status_updated', data: { channel: 'sms', provider: 'twilio', providerMessageId: 'SM1', status: 'failed', error: "The 'To' number +4915112345678 is not a valid phone number" } });
    for (const event of [assigned, transferred, failed]) {
      expect(kinds(event).map(([, kind]) => kind)).toEqual(['text']);
      const sealed = mapPersonalFields(event, (value) => sealText(value, key, 'dk_month'));
      expect(JSON.stringify(sealed)).not.toMatch(/4111|Jane|4915112345678/);
      expect(parseEvent(JSON.parse(JSON.stringify(sealed))).ok).toBe(true);
    }
  });
});

describe('master keys', () => {
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64');

  it('given a key wrapped by an older master key, when the active key changed, then it still unwraps and is not current', () => {
    const data = randomBytes(32);
    const wrapped = new MasterKeys({ k1 }, 'k1').wrap('acme', 'dk_1', data);
    const rotated = new MasterKeys({ k1, k2 }, 'k2');
    expect(rotated.unwrap('acme', 'dk_1', wrapped).equals(data)).toBe(true);
    expect(rotated.isCurrent(wrapped)).toBe(false);
    expect(rotated.isCurrent(rotated.wrap('acme', 'dk_1', data))).toBe(true);
  });

  it('given a wrapped key, when unwrapped for another tenant or key id, then it is refused', () => {
    const masters = new MasterKeys({ k1 }, 'k1');
    const wrapped = masters.wrap('acme', 'dk_1', randomBytes(32));
    expect(() => masters.unwrap('globex', 'dk_1', wrapped)).toThrow();
    expect(() => masters.unwrap('acme', 'dk_2', wrapped)).toThrow();
  });
});
