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
 * Whether `header` signs this request. Twilio signs the URL as configured in its console, but not
 * always as written there: its docs say it drops a URL's `user:password@` (and, over HTTPS, the
 * port) before signing, while callbacks have been seen signed with the port and with the
 * credentials kept. So every spelling of our public URL Twilio may have used is tried (`urlSpellings`),
 * as Twilio's own libraries try the URL with and without the port. Only the URL's authority varies:
 * the path, query and parameters are signed as received, so nothing else verifies.
 */
export function verifyTwilioSignature(authToken: string, header: string | undefined, url: string, params: FormParams): boolean {
  if (!header) return false;
  const given = Buffer.from(header, 'utf8');
  return urlSpellings(url).some((candidate) => {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/**
 * The spellings of `url` Twilio may have signed: with and without its `user:password@`, each as
 * written, without its port, and with the scheme's default port (`:443`, `:80`) when it has none.
 * Nothing is normalised (case, escapes): Twilio signs the characters it was given. A URL whose
 * authority cannot be read is tried only as written.
 */
export function urlSpellings(url: string): string[] {
  // scheme, then the authority up to the first / ? #, then the rest; the userinfo ends at the authority's last @.
  const match = /^(https?:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  // A colon starts the port only after an IPv6 literal's closing bracket.
  const hostPortMatch = /^(\[[^\]]*\]|[^:[\]]+)(:\d*)?$/.exec(hostPort);
  if (!hostPortMatch) return [url];
  const [, host, port] = hostPortMatch as unknown as [string, string, string | undefined];
  const defaultPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  const ports = port === undefined ? ['', defaultPort] : [port, ''];
  const userinfos = userinfo === '' ? [''] : [userinfo, ''];
  return [...new Set(userinfos.flatMap((u) => ports.map((p) => scheme + u + host + p + rest)))];
}
