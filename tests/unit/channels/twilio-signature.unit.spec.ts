import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import type { FormParams } from '../../../src/channels/twilio/form.ts';
import { twilioSignature, urlSpellings, verifyTwilioSignature } from '../../../src/channels/twilio/signature.ts';

// Twilio signs the URL it was configured with, but not always as written: with or without the
// URL's user:password@, with or without the default port. The official library stands
// in for Twilio when signing each spelling.
const TOKEN = '12345678901234567890123456789012';
const body = { AccountSid: 'AC123', Body: 'Hi & bye = 100%', From: '+14155550123', MessageSid: 'SM123' };
const params: FormParams = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, [v]]));
const signedAs = (url: string, signed: Record<string, string> = body) => twilio.getExpectedTwilioSignature(TOKEN, url, signed);

describe('the spellings of our public URL Twilio may have signed', () => {
  it('given credentials and the default port: with and without each', () => {
    expect(urlSpellings('https://twilio:s3cret@cs.example.test:443/webhooks/twilio/sms?x=1').sort()).toEqual(
      [
        'https://twilio:s3cret@cs.example.test:443/webhooks/twilio/sms?x=1',
        'https://twilio:s3cret@cs.example.test/webhooks/twilio/sms?x=1',
        'https://cs.example.test:443/webhooks/twilio/sms?x=1',
        'https://cs.example.test/webhooks/twilio/sms?x=1',
      ].sort(),
    );
  });

  it('given no port: as written and with the scheme’s default port (443 for https, 80 for http)', () => {
    expect(urlSpellings('https://cs.example.test/webhooks/twilio/sms')).toEqual(['https://cs.example.test/webhooks/twilio/sms', 'https://cs.example.test:443/webhooks/twilio/sms']);
    expect(urlSpellings('http://u@cs.example.test/sms').sort()).toEqual(['http://u@cs.example.test/sms', 'http://u@cs.example.test:80/sms', 'http://cs.example.test/sms', 'http://cs.example.test:80/sms'].sort());
  });

  it('given another port: as written and without it, never with a default port added', () => {
    expect(urlSpellings('https://cs.example.test:8443/sms')).toEqual(['https://cs.example.test:8443/sms', 'https://cs.example.test/sms']);
  });

  it('given an IPv6 literal with a port: the colons inside the brackets are the host’s', () => {
    expect(urlSpellings('http://[::1]:8080/sms')).toEqual(['http://[::1]:8080/sms', 'http://[::1]/sms']);
  });

  it('given a path, query or credentials with @ and escapes: the rest is never rewritten', () => {
    expect(urlSpellings('https://a%40b:p@ss@cs.example.test/p/@x?q=%41&r=a:1')).toEqual([
      'https://a%40b:p@ss@cs.example.test/p/@x?q=%41&r=a:1',
      'https://a%40b:p@ss@cs.example.test:443/p/@x?q=%41&r=a:1',
      'https://cs.example.test/p/@x?q=%41&r=a:1',
      'https://cs.example.test:443/p/@x?q=%41&r=a:1',
    ]);
  });

  it('given something that is not an http(s) URL: only itself', () => {
    expect(urlSpellings('cs.example.test/sms')).toEqual(['cs.example.test/sms']);
  });
});

describe('verifying X-Twilio-Signature against a public URL with credentials and a port', () => {
  const configured = 'https://twilio:s3cret@cs.example.test:443/webhooks/twilio/sms?source=console';

  it('accepts a signature over each spelling Twilio may use', () => {
    for (const spelling of [
      configured,
      'https://cs.example.test:443/webhooks/twilio/sms?source=console',
      'https://twilio:s3cret@cs.example.test/webhooks/twilio/sms?source=console',
      'https://cs.example.test/webhooks/twilio/sms?source=console',
    ]) {
      expect(verifyTwilioSignature(TOKEN, signedAs(spelling), configured, params), spelling).toBe(true);
    }
  });

  it('agrees with the official library on what a signature is', () => {
    expect(twilioSignature(TOKEN, configured, params)).toBe(signedAs(configured));
  });

  it('refuses a signature over another path, query, body, host, port, credentials or key', () => {
    const refused: Array<[string, string]> = [
      ['another path', signedAs('https://cs.example.test/webhooks/twilio/status?source=console')],
      ['another query', signedAs('https://cs.example.test/webhooks/twilio/sms?source=other')],
      ['no query', signedAs('https://cs.example.test/webhooks/twilio/sms')],
      ['another body', signedAs('https://cs.example.test/webhooks/twilio/sms?source=console', { ...body, Body: 'refund to me' })],
      ['another host', signedAs('https://cs.example.test.evil/webhooks/twilio/sms?source=console')],
      ['another port', signedAs('https://cs.example.test:8443/webhooks/twilio/sms?source=console')],
      ['http for https', signedAs('http://cs.example.test/webhooks/twilio/sms?source=console')],
      ['other credentials', signedAs('https://twilio:guess@cs.example.test:443/webhooks/twilio/sms?source=console')],
      ['only the user', signedAs('https://twilio@cs.example.test:443/webhooks/twilio/sms?source=console')],
      ['another key', twilio.getExpectedTwilioSignature('x'.repeat(32), configured, body)],
    ];
    for (const [what, signature] of refused) expect(verifyTwilioSignature(TOKEN, signature, configured, params), what).toBe(false);
    expect(verifyTwilioSignature(TOKEN, undefined, configured, params)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, '', configured, params)).toBe(false);
  });
});
