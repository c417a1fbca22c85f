import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FormParams } from './form.ts';

/**
 * Twilio's X-Twilio-Signature: base64 HMAC-SHA1, keyed with the account's auth token, of the full
 * URL Twilio called followed by every POST parameter sorted by name, name and value concatenated
 * (a repeated name contributes each distinct value, sorted, as Twilio's own libraries do).
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    for (const value of [...new Set(params[name])].sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Whether `header` signs this request. Twilio signs the URL as configured in the console, which may
 * or may not spell out the default port, so both spellings are tried (as Twilio's libraries do).
 */
export function verifyTwilioSignature(authToken: string, header: string | undefined, url: string, params: FormParams): boolean {
  if (!header) return false;
  const given = Buffer.from(header, 'utf8');
  return urlSpellings(url).some((candidate) => {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function urlSpellings(url: string): string[] {
  const match = /^(https?:\/\/)([^/?#:]+)(:\d+)?(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, host, port, rest] = match as unknown as [string, string, string, string | undefined, string];
  const defaultPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return [...new Set([url, scheme + host + rest, scheme + host + (port ?? defaultPort) + rest])];
}
