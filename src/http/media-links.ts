import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to files in our attachment store, for whoever must fetch a file without
 * an account: providers that send media by URL (Twilio `MediaUrl`, WhatsApp `link`, Messenger and
 * Instagram `payload.url`) and chat visitors. The outbound connectors sign them, the API's
 * `GET /media/:key/:filename` checks them: one module, so both agree on every byte signed.
 */

/** Long enough for a provider's retries and a visitor reopening the chat a few days later; a link found in a log a week on is dead. */
export const MEDIA_LINK_TTL_SECONDS = 7 * 24 * 3600;

/** What a link names: the store key, the file name it is served under, and its type. */
export interface MediaFile {
  key: string;
  filename: string;
  contentType: string;
}

export type MediaLinkCheck = { ok: true } | { ok: false; code: 'link_unsigned' | 'link_invalid' | 'link_expired'; message: string };

/** Expiry and the three names, as JSON: no separator a file name could contain makes two files sign alike. */
const sign = (secret: string, file: MediaFile, expires: number) =>
  createHmac('sha256', secret).update(JSON.stringify([file.key, file.filename, file.contentType, expires])).digest('base64url');

/**
 * The file name as the link carries it: no path separators or control characters, and short enough
 * once percent-encoded for the router's parameter limit (the API's maxParamLength is 256), the
 * extension kept so providers and browsers still know what it is.
 */
export function linkFilename(filename: string): string {
  const clean = filename.replace(/[\x00-\x1f\x7f/\\]/g, '_') || 'file';
  if (encodeURIComponent(clean).length <= 200) return clean;
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 12 ? clean.slice(dot) : '';
  const stem = [...clean.slice(0, clean.length - ext.length)];
  while (stem.length > 0 && encodeURIComponent(stem.join('') + ext).length > 200) stem.pop();
  return (stem.join('') || 'file') + ext;
}

/** A `user:pass@` in the public URL (basic auth in front of the webhooks) never goes into a link others see. */
function publicBase(publicUrl: string): string {
  const url = new URL(publicUrl);
  url.username = '';
  url.password = '';
  return url.href.replace(/\/+$/, '');
}

/**
 * Makes links under `publicUrl` (channels.publicUrl), valid `ttlSeconds` from `now()`. The expiry is
 * a whole second, so the same file linked in the same second is the same URL.
 */
export function mediaLinks(options: { publicUrl: string; secret: string; ttlSeconds?: number; now?: () => Date }): (file: MediaFile) => string {
  const base = publicBase(options.publicUrl);
  const ttl = options.ttlSeconds ?? MEDIA_LINK_TTL_SECONDS;
  const now = options.now ?? (() => new Date());
  return (file) => {
    const named = { ...file, filename: linkFilename(file.filename) };
    const expires = Math.floor(now().getTime() / 1000) + ttl;
    const query = new URLSearchParams({ t: named.contentType, e: String(expires), s: sign(options.secret, named, expires) });
    return `${base}/media/${encodeURIComponent(named.key)}/${encodeURIComponent(named.filename)}?${query}`;
  };
}

/**
 * Whether a request's link is one we signed and still valid. The signature is checked first, so a
 * link whose expiry was pushed later is "not ours", never "expired".
 */
export function checkMediaLink(secret: string, file: MediaFile, query: { e?: string | undefined; s?: string | undefined }, now: Date): MediaLinkCheck {
  if (!query.e || !query.s) return { ok: false, code: 'link_unsigned', message: 'this media link has no signature or expiry (e, s): only the links we send are served' };
  const expires = /^\d{1,12}$/.test(query.e) ? Number(query.e) : NaN;
  const expected = Buffer.from(Number.isNaN(expires) ? '' : sign(secret, file, expires));
  const given = Buffer.from(query.s);
  if (expected.length === 0 || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, code: 'link_invalid', message: 'this media link was not signed by us or was changed (file, name, type or expiry): open the whole link as it was sent' };
  }
  if (expires * 1000 <= now.getTime()) {
    return { ok: false, code: 'link_expired', message: `this media link expired at ${new Date(expires * 1000).toISOString()}: ask for the file again` };
  }
  return { ok: true };
}
