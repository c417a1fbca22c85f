import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { MediaJobData } from './job.ts';

/** The provider said the file is gone or not ours to have (404, 410, 401, 403), or it is too large: no retry mends that. */
export class PermanentFetchError extends Error {
  override name = 'PermanentFetchError';
}

export interface FetchedMedia {
  bytes: Buffer;
  /** The type the provider served, when it named one more precise than `application/octet-stream`. */
  contentType: string | null;
}

type Channels = Pick<Config['channels'], 'twilio' | 'meta'>;

/**
 * Gets a file a provider keeps, with the provider's credentials, at most `maxBytes`:
 * - Twilio (SMS, MMS and WhatsApp through Twilio): the MediaUrl with the account's SID and auth
 *   token (HTTP basic), sent only to the Twilio API's own origin (`channels.twilio.apiBaseUrl`):
 *   a MediaUrl elsewhere is fetched without them. Twilio answers with a redirect to its media host,
 *   which fetch follows without the credentials (they are dropped on a cross-origin redirect).
 * - WhatsApp Cloud API: the media id is looked up on the Graph API (`GET /{media-id}`, the tenant's
 *   access token), which gives a short-lived URL, its size and SHA-256; the URL is fetched with the
 *   same token and the bytes checked against the SHA-256.
 * - Messenger and Instagram: the attachment's CDN URL, which needs no credentials.
 */
export async function fetchMedia(channels: Channels, job: MediaJobData, maxBytes: number, timeoutMs: number): Promise<FetchedMedia> {
  switch (job.provider) {
    case 'twilio':
    case 'twilio-whatsapp':
      return download(job.ref, twilioAuth(channels, job), maxBytes, timeoutMs);
    case 'whatsapp':
      return whatsappMedia(channels, job, maxBytes, timeoutMs);
    default:
      return download(job.ref, {}, maxBytes, timeoutMs);
  }
}

function twilioAuth(channels: Channels, job: MediaJobData): Record<string, string> {
  const base = new URL(channels.twilio.apiBaseUrl);
  const url = parseUrl(job.ref);
  if (url.origin !== base.origin) return {};
  // The account the URL names (…/Accounts/AC…/Messages/…/Media/…), else the tenant's.
  const named = /\/Accounts\/(AC[0-9a-fA-F]{32})\//.exec(url.pathname)?.[1];
  const accounts = Object.entries(channels.twilio.accounts).filter(([, a]) => a.tenant === job.tenant);
  const account = accounts.find(([sid]) => sid === named) ?? accounts[0];
  if (!account) throw new PermanentFetchError(`no Twilio account is configured for tenant ${job.tenant}`);
  return { authorization: `Basic ${Buffer.from(`${account[0]}:${account[1].authToken}`).toString('base64')}` };
}

async function whatsappMedia(channels: Channels, job: MediaJobData, maxBytes: number, timeoutMs: number): Promise<FetchedMedia> {
  const route = Object.values(channels.meta.routes).find((r) => r.tenant === job.tenant && r.accessToken);
  if (!route) throw new PermanentFetchError(`no WhatsApp route with an access token is configured for tenant ${job.tenant}`);
  const auth = { authorization: `Bearer ${route.accessToken}` };
  const lookup = `${channels.meta.graphBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(job.ref)}`;
  const meta = JSON.parse((await download(lookup, auth, 64 * 1024, timeoutMs)).bytes.toString('utf8')) as { url?: unknown; mime_type?: unknown; sha256?: unknown; file_size?: unknown };
  if (typeof meta.url !== 'string') throw new Error(`the Graph API gave no URL for media ${job.ref}`);
  const size = Number(meta.file_size);
  if (Number.isFinite(size) && size > maxBytes) throw tooLarge(size, maxBytes);
  const media = await download(meta.url, auth, maxBytes, timeoutMs);
  if (typeof meta.sha256 === 'string' && meta.sha256 !== '') {
    const digest = createHash('sha256').update(media.bytes).digest('hex');
    // Meta documents hex; a base64 spelling is accepted too. A mismatch is a truncated or altered download: fetch again.
    if (digest !== meta.sha256.toLowerCase() && Buffer.from(digest, 'hex').toString('base64') !== meta.sha256) throw new Error(`media ${job.ref}: SHA-256 of the download does not match the Graph API's`);
  }
  return { bytes: media.bytes, contentType: media.contentType ?? (typeof meta.mime_type === 'string' ? specificType(meta.mime_type) : null) };
}

/** GETs a URL into memory, refusing more than `maxBytes` as the bytes come (a Content-Length is not trusted). */
async function download(target: string, headers: Record<string, string>, maxBytes: number, timeoutMs: number): Promise<FetchedMedia> {
  let response: Response;
  try {
    response = await fetch(parseUrl(target), { headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`provider unreachable: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) {
    const detail = `HTTP ${response.status} from ${new URL(target).host}`;
    await response.body?.cancel().catch(() => undefined);
    const gone = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    throw gone ? new PermanentFetchError(detail) : new Error(detail);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(declared, maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(total, maxBytes, true);
    chunks.push(Buffer.from(chunk));
  }
  return { bytes: Buffer.concat(chunks, total), contentType: specificType(response.headers.get('content-type')) };
}

const tooLarge = (size: number, maxBytes: number, atLeast = false) =>
  new PermanentFetchError(`the file is ${atLeast ? 'more than ' : ''}${size} bytes; the limit is ${maxBytes} (channels.attachments.maxBytes)`);

/** `type/subtype` of a Content-Type, unless it says nothing (absent, unparsable, octet-stream). */
function specificType(header: string | null): string | null {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  if (!type || !/^[^\s/]+\/[^\s/;]+$/.test(type) || type === 'application/octet-stream') return null;
  return type;
}

function parseUrl(ref: string): URL {
  try {
    const url = new URL(ref);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // fall through
  }
  throw new PermanentFetchError(`not a URL to fetch: ${ref.slice(0, 200)}`);
}
