import { describe, expect, it } from 'vitest';
import { detectAutomated } from '../../../src/channels/email/automated.ts';
import type { RawHeaders } from '../../../src/channels/email/headers.ts';

const headers = (entries: Record<string, string>): RawHeaders => new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), [v]]));
const customer = 'jane@example.com';

describe('detectAutomated', () => {
  it('a plain message is written by a person', () => {
    expect(detectAutomated(headers({ Subject: 'Help', 'Auto-Submitted': 'no' }), customer)).toBeUndefined();
    expect(detectAutomated(headers({ 'Auto-Submitted': 'No; owner-email="x@y.z"' }), customer)).toBeUndefined();
    expect(detectAutomated(headers({ Precedence: 'first-class' }), customer)).toBeUndefined();
  });

  it.each([
    ['Auto-Submitted', 'auto-replied'],
    ['Auto-Submitted', 'auto-generated'],
    ['Auto-Submitted', 'auto-notified; owner-email="me@example.com"'],
    ['Precedence', 'bulk'],
    ['Precedence', 'Junk'],
    ['Precedence', 'auto_reply'],
    ['Precedence', 'list'],
    ['X-Autoreply', 'yes'],
    ['X-Autorespond', 'Out of office'],
  ])('%s: %s is an auto-reply', (name, value) => {
    expect(detectAutomated(headers({ [name]: value }), customer)).toBe('auto-reply');
  });

  it('a delivery status notification (multipart/report; report-type=delivery-status) is a bounce', () => {
    const dsn = headers({ 'Content-Type': 'multipart/report; report-type="delivery-status"; boundary="b1"' });
    expect(detectAutomated(dsn, customer)).toBe('bounce');
    // Other reports (read receipts, feedback loops) are not bounces.
    expect(detectAutomated(headers({ 'Content-Type': 'multipart/report; report-type=disposition-notification' }), customer)).toBeUndefined();
  });

  it('mail from MAILER-DAEMON or postmaster is a bounce, whatever its case', () => {
    expect(detectAutomated(headers({}), 'MAILER-DAEMON@mx.example.net')).toBe('bounce');
    expect(detectAutomated(headers({}), 'Postmaster@ci.example')).toBe('bounce');
    expect(detectAutomated(headers({}), 'postmaster-team@example.com')).toBeUndefined();
  });

  it('a bounce that carries auto-reply headers is still a bounce', () => {
    expect(detectAutomated(headers({ 'Auto-Submitted': 'auto-replied' }), 'mailer-daemon@mx.example.net')).toBe('bounce');
  });
});
