import { describe, expect, it } from 'vitest';
import { decideAgentMessage } from '../../../../src/domain/actions/index.ts';
import { agentReplied, customerWrote, resolved } from '../given.ts';
import { at, CONVERSATION, conversationAfter, opening, projected, valid } from './given.ts';

const reply = (text: string, rest: { subject?: string; inReplyTo?: string } = {}) => ({ authorId: 'ag_anna', text, internal: false, ...rest });
const note = (text: string) => ({ authorId: 'ag_anna', text, internal: true });

const byEmail = customerWrote('My order #1001 never arrived', at(0), { id: 'm1', channel: 'email', provider: 'smtp', handle: 'jane@example.com', subject: 'Order #1001' });

describe('decideAgentMessage', () => {
  it('given a resolved conversation, when a reply is decided, then it is refused with conversation_resolved', () => {
    const conversation = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    const decision = decideAgentMessage({ conversation }, reply('One more thing'));

    expect(decision).toEqual({
      ok: false,
      refusal: { code: 'conversation_resolved', message: 'the conversation is resolved: reopen it first (only internal notes go on a resolved conversation)' },
    });
  });

  it('given a resolved conversation, when an internal note is decided, then it is accepted as an internal message.sent', () => {
    const conversation = conversationAfter(opening, resolved(CONVERSATION, at(5)));

    const decision = decideAgentMessage({ conversation }, note('closed after a call'));

    expect(decision).toMatchObject({ ok: true, event: { type: 'message.sent', data: { internal: true, text: 'closed after a call', author: { kind: 'agent', id: 'ag_anna' } } } });
  });

  it('given a conversation nobody wrote in (agent-initiated), when a reply is decided, then it is refused with no_reply_address', () => {
    const conversation = projected(agentReplied('Your order shipped', at(0), { id: 'o1' })).conversation('cv_o1');

    const decision = decideAgentMessage({ conversation }, reply('Hello?'));

    expect(decision).toEqual({
      ok: false,
      refusal: { code: 'no_reply_address', message: 'the customer has not written in this conversation, so there is no address to reply to' },
    });
  });

  it('given a conversation nobody wrote in, when a note is decided, then it goes on the channel it opened on, with no provider and no handle', () => {
    const conversation = projected(agentReplied('Your order shipped', at(0), { id: 'o1', channel: 'email', provider: 'smtp' })).conversation('cv_o1');

    const decision = decideAgentMessage({ conversation }, note('called them instead'));

    expect(decision).toEqual({
      ok: true,
      event: { type: 'message.sent', data: { channel: 'email', provider: 'internal', author: { kind: 'agent', id: 'ag_anna' }, text: 'called them instead', internal: true } },
    });
  });

  it('given a customer who wrote by e-mail, when a reply is decided, then it goes to their address, threaded under "Re: " + the subject', () => {
    const decision = decideAgentMessage({ conversation: conversationAfter(byEmail) }, reply('A replacement ships today.', { inReplyTo: '<CAF-1001@mail.example.com>' }));

    expect(decision).toEqual({
      ok: true,
      event: {
        type: 'message.sent',
        data: {
          channel: 'email',
          provider: 'smtp',
          author: { kind: 'agent', id: 'ag_anna' },
          text: 'A replacement ships today.',
          internal: false,
          handle: 'jane@example.com',
          subject: 'Re: Order #1001',
          inReplyTo: '<CAF-1001@mail.example.com>',
        },
      },
    });
    if (decision.ok) expect(() => valid(decision.event)).not.toThrow();
  });

  it('given an e-mail conversation whose subject already starts with Re:, when a reply is decided, then the subject is kept; a subject in the request wins', () => {
    const re = customerWrote('Still waiting', at(0), { id: 'm1', channel: 'email', provider: 'smtp', handle: 'jane@example.com', subject: 'RE: Order #1001' });

    expect(decideAgentMessage({ conversation: conversationAfter(re) }, reply('Sorry'))).toMatchObject({ ok: true, event: { data: { subject: 'RE: Order #1001' } } });
    expect(decideAgentMessage({ conversation: conversationAfter(re) }, reply('Sorry', { subject: 'Your refund' }))).toMatchObject({
      ok: true,
      event: { data: { subject: 'Your refund' } },
    });
  });

  it('given a conversation begun by e-mail whose customer then wrote by SMS, when a reply is decided, then it goes out by SMS to the phone, with no subject', () => {
    const bySms = customerWrote('Any news?', at(30), { channel: 'sms', provider: 'twilio', handle: '+14155550100' });

    const decision = decideAgentMessage({ conversation: conversationAfter(byEmail, bySms) }, reply('It ships today', { subject: 'ignored on SMS' }));

    expect(decision).toMatchObject({ ok: true, event: { data: { channel: 'sms', provider: 'twilio', handle: '+14155550100' } } });
    expect(decision.ok && 'subject' in decision.event.data).toBe(false);
  });

  it('given a customer who wrote by e-mail then SMS, when the agent chooses their e-mail identity, then the reply goes out by e-mail to that address, with the subject', () => {
    const bySms = customerWrote('Any news?', at(30), { channel: 'sms', provider: 'twilio', handle: '+14155550100' });
    const identities = [
      { channel: 'email' as const, provider: 'smtp', handle: 'jane@example.com' },
      { channel: 'sms' as const, provider: 'twilio', handle: '+14155550100' },
    ];

    const decision = decideAgentMessage({ conversation: conversationAfter(byEmail, bySms), identities }, { ...reply('Details by mail'), to: { channel: 'email', handle: 'jane@example.com' } });

    expect(decision).toMatchObject({ ok: true, event: { data: { channel: 'email', provider: 'smtp', handle: 'jane@example.com', subject: 'Re: Order #1001' } } });
  });

  it('given a customer, when the agent names an identity the customer never wrote from, then it is refused with unknown_identity and nothing goes out', () => {
    const identities = [{ channel: 'email' as const, provider: 'smtp', handle: 'jane@example.com' }];

    const decision = decideAgentMessage({ conversation: conversationAfter(byEmail), identities }, { ...reply('Hi'), to: { channel: 'sms', handle: '+14155550199' } });

    expect(decision).toEqual({ ok: false, refusal: { code: 'unknown_identity', message: 'the customer has no sms identity "+14155550199": reply to one of theirs' } });
  });

  const photo = { filename: 'label.png', contentType: 'image/png', size: 120_000, storageKey: 'a'.repeat(64) };

  it('given a customer who wrote by SMS, when a reply carries a PNG and no text, then message.sent carries the file with its store key', () => {
    const bySms = customerWrote('Which label?', at(30), { channel: 'sms', provider: 'twilio', handle: '+14155550100' });

    const decision = decideAgentMessage({ conversation: conversationAfter(byEmail, bySms) }, { ...reply(''), attachments: [photo], maxAttachmentBytes: 10_000_000 });

    expect(decision).toMatchObject({ ok: true, event: { data: { channel: 'sms', text: '', attachments: [photo] } } });
  });

  it('given a customer who wrote by SMS, when a reply carries a file Twilio MMS refuses, then it is refused with attachment_refused naming the file, channel and rule', () => {
    const bySms = customerWrote('Send the installer', at(30), { channel: 'sms', provider: 'twilio', handle: '+14155550100' });
    const installer = { filename: 'setup.exe', contentType: 'application/x-msdownload', size: 1000, storageKey: 'b'.repeat(64) };

    const decision = decideAgentMessage({ conversation: conversationAfter(byEmail, bySms) }, { ...reply('Here it is'), attachments: [photo, installer], maxAttachmentBytes: 10_000_000 });

    expect(decision).toMatchObject({ ok: false, refusal: { code: 'attachment_refused', attachment: 'setup.exe', channel: 'SMS (Twilio MMS)', message: expect.stringContaining('not application/x-msdownload') } });
  });

  it('given any conversation, when a message has neither text nor files, then it is refused with bad_request', () => {
    expect(decideAgentMessage({ conversation: conversationAfter(byEmail) }, reply(''))).toEqual({ ok: false, refusal: { code: 'bad_request', message: 'a message needs a text or an attachment' } });
  });
});
