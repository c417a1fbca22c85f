import { describe, expect, it } from 'vitest';
import { stripQuotedReply } from '../../../src/channels/email/strip.ts';

const lines = (...l: string[]) => l.join('\n');

describe('stripQuotedReply', () => {
  it('keeps a message without history as it is (trimmed)', () => {
    expect(stripQuotedReply('\nHello,\n\nmy parcel never came.\n\n')).toBe('Hello,\n\nmy parcel never came.');
  });

  it('cuts a Gmail "On … wrote:" block and the quote under it', () => {
    const text = lines('Thanks, that worked.', '', 'On Mon, 5 Jan 2026 at 09:00, Support <support@acme.test> wrote:', '> Please restart the router.', '> Regards');
    expect(stripQuotedReply(text)).toBe('Thanks, that worked.');
  });

  it('recognises an "On … wrote:" line that the client wrapped over two lines', () => {
    const text = lines('Still broken.', '', 'On Mon, Jan 5, 2026 at 9:00 AM Acme Support <', 'support@acme.test> wrote:', '', '> Try again');
    expect(stripQuotedReply(text)).toBe('Still broken.');
  });

  it('cuts at "-----Original Message-----"', () => {
    const text = lines('See attached.', '', '-----Original Message-----', 'From: Support', 'Subject: Your order');
    expect(stripQuotedReply(text)).toBe('See attached.');
  });

  it('cuts at an Outlook "From: … Sent: …" header block, with or without the underscore rule', () => {
    const outlook = lines('Yes please.', '', '________________________________', 'From: Acme Support <support@acme.test>', 'Sent: Monday, January 5, 2026 9:00 AM', 'To: Jane', 'Subject: Refund');
    expect(stripQuotedReply(outlook)).toBe('Yes please.');
    const bare = lines('Yes please.', '', 'From: Acme Support <support@acme.test>', 'Sent: Monday, January 5, 2026 9:00 AM', 'Subject: Refund');
    expect(stripQuotedReply(bare)).toBe('Yes please.');
  });

  it('does not cut at a "From:" line in the customer\'s own text that has no Sent/Date after it', () => {
    const text = lines('From: my side everything is fine.', 'The app still crashes.');
    expect(stripQuotedReply(text)).toBe(text);
  });

  it('cuts the "-- " signature (and "--" whose trailing space a client dropped)', () => {
    expect(stripQuotedReply(lines('Call me back.', '', '-- ', 'Jane Doe', '+1 415 555 0100'))).toBe('Call me back.');
    expect(stripQuotedReply(lines('Call me back.', '--', 'Jane'))).toBe('Call me back.');
  });

  it('does not mistake a long dash rule for a signature delimiter', () => {
    const text = lines('Order summary', '------------------', '1 x Widget');
    expect(stripQuotedReply(text)).toBe(text);
  });

  it('keeps the answers of an interleaved reply and drops the quoted questions', () => {
    const text = lines('> Which model do you have?', 'The X200.', '> Since when?', 'Since Monday.');
    expect(stripQuotedReply(text)).toBe('The X200.\nSince Monday.');
  });

  it('falls back to the full text when stripping would leave nothing', () => {
    const onlyQuote = lines('> forwarded without comment', '> second line');
    expect(stripQuotedReply(onlyQuote)).toBe(onlyQuote);
    const onlySignature = lines('-- ', 'Jane Doe');
    expect(stripQuotedReply(onlySignature)).toBe(onlySignature);
  });

  it('handles CRLF line endings', () => {
    expect(stripQuotedReply('Fine now.\r\n\r\nOn Tue, Bob wrote:\r\n> old')).toBe('Fine now.');
  });
});
