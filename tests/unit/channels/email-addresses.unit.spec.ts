import { describe, expect, it } from 'vitest';
import { matchSupportAddress, supportRecipients } from '../../../src/channels/email/addresses.ts';
import { headerDate, messageIds } from '../../../src/channels/email/headers.ts';

const addresses = { 'support@acme.test': 'acme', 'help@globex.test': 'globex' };

describe('support addresses', () => {
  it('match case-insensitively, with or without a display name', () => {
    expect(matchSupportAddress(addresses, 'Support@ACME.test')).toEqual({ address: 'support@acme.test', tenant: 'acme' });
    expect(matchSupportAddress(addresses, 'Acme <support@acme.test>')).toEqual({ address: 'support@acme.test', tenant: 'acme' });
    expect(matchSupportAddress(addresses, 'sales@acme.test')).toBeNull();
  });

  it('a +token sub-address matches the base address and keeps the token with its case', () => {
    expect(matchSupportAddress(addresses, 'Support+cAbC_123@acme.test')).toEqual({ address: 'support@acme.test', tenant: 'acme', token: 'cAbC_123' });
    expect(matchSupportAddress(addresses, 'other+c1@acme.test')).toBeNull();
  });

  it('the envelope decides; To/Cc count only when no envelope recipient is ours', () => {
    expect(supportRecipients(addresses, ['help@globex.test'], ['support@acme.test']).map((r) => r.tenant)).toEqual(['globex']);
    expect(supportRecipients(addresses, ['someone@else.test'], ['support@acme.test']).map((r) => r.tenant)).toEqual(['acme']);
    expect(supportRecipients(addresses, [], ['a@b.test'])).toEqual([]);
  });

  it('one recipient per tenant; a token from a header recipient of the same tenant is kept', () => {
    const recipients = supportRecipients(addresses, ['support@acme.test', 'SUPPORT@acme.test'], ['support+c42@acme.test']);
    expect(recipients).toEqual([{ address: 'support@acme.test', tenant: 'acme', token: 'c42' }]);
  });
});

describe('message ids and dates', () => {
  it('extracts bracketed ids, in order, and takes a bare word with @ as an id, never prose', () => {
    expect(messageIds('<a@x>, <a@x>')).toEqual(['<a@x>', '<a@x>']);
    expect(messageIds(' <a@x>\t<b@y> ')).toEqual(['<a@x>', '<b@y>']);
    expect(messageIds('bare@id')).toEqual(['bare@id']);
    expect(messageIds('your message of Mon, 5 Jan 2026 09:00')).toEqual([]);
    expect(messageIds('<>')).toEqual([]);
    expect(messageIds(undefined)).toEqual([]);
  });

  it('believes a Date header only when it is a real, not far-future date', () => {
    const now = new Date('2026-01-05T12:00:00Z');
    expect(headerDate('Sun, 3 Apr 2022 11:48:20 -0700', now)?.toISOString()).toBe('2022-04-03T18:48:20.000Z');
    expect(headerDate('Wed, 10 Aug 2016 18:10:13 -0700 (PDT)', now)?.toISOString()).toBe('2016-08-11T01:10:13.000Z');
    expect(headerDate('not a date', now)).toBeNull();
    expect(headerDate('Fri, 30 Jun 3609 09:33:50 +0000', now)).toBeNull();
    expect(headerDate(undefined, now)).toBeNull();
  });
});
