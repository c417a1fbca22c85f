import { signWebhook, WEBHOOK_HEADERS } from './signature.ts';

/** What one attempt came to. */
export type AttemptResult =
  | { outcome: 'delivered'; httpStatus: number }
  | { outcome: 'retry'; httpStatus: number | null; error: string; retryAfterMs?: number }
  | { outcome: 'permanent'; httpStatus: number; error: string };

/**
 * How an answer is read: 2xx is delivered, whatever the body (a retry would deliver twice).
 * 408, 429 and 5xx say "later". Any other answer says the request itself is unwelcome (a 410 for
 * a removed endpoint, 400, 401 for a rotated secret, a redirect we do not follow): retrying the
 * same request cannot help.
 */
export function classifyAnswer(httpStatus: number): 'delivered' | 'retry' | 'permanent' {
  if (httpStatus >= 200 && httpStatus < 300) return 'delivered';
  if (httpStatus === 408 || httpStatus === 429 || httpStatus >= 500) return 'retry';
  return 'permanent';
}

/** Longest wait a subscriber's Retry-After is honoured for; beyond, the back-off's own delays apply. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** The HTTP-date format servers send (RFC 9110, IMF-fixdate), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * A Retry-After header (RFC 9110: delay-seconds or an HTTP-date) as milliseconds from `now`;
 * undefined when absent, unreadable, or beyond MAX_RETRY_AFTER_MS.
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : IMF_FIXDATE.test(text) ? Date.parse(text) - now : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  const wait = Math.max(0, ms);
  return wait <= MAX_RETRY_AFTER_MS ? wait : undefined;
}

export interface WebhookRequest {
  url: string;
  secret: string;
  deliveryId: string;
  body: string;
  /** Unix seconds of this attempt: signed, so each attempt carries a fresh, verifiable timestamp. */
  timestampSeconds: number;
  timeoutMs: number;
}

export async function postWebhook(request: WebhookRequest): Promise<AttemptResult> {
  let response: Response;
  let answer: string;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'cs-engine-webhooks/1',
        [WEBHOOK_HEADERS.id]: request.deliveryId,
        [WEBHOOK_HEADERS.timestamp]: String(request.timestampSeconds),
        [WEBHOOK_HEADERS.signature]: signWebhook(request.secret, request.timestampSeconds, request.body),
      },
      body: request.body,
      // A POST followed through a 301/302 turns into a GET without the body: refuse redirects instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    // Read (and bound) the answer within the same timeout: a subscriber that never ends its body is slow too.
    answer = (await response.text()).slice(0, 300);
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${request.timeoutMs} ms` : `unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`;
    return { outcome: 'retry', httpStatus: null, error: reason };
  }
  const kind = classifyAnswer(response.status);
  if (kind === 'delivered') return { outcome: 'delivered', httpStatus: response.status };
  const error = `HTTP ${response.status}${answer ? `: ${answer}` : ''}`;
  if (kind === 'permanent') return { outcome: 'permanent', httpStatus: response.status, error };
  // 429 and 503 may say when to come back.
  const wait = retryAfterMs(response.headers.get('retry-after'), Date.now());
  return wait === undefined ? { outcome: 'retry', httpStatus: response.status, error } : { outcome: 'retry', httpStatus: response.status, error, retryAfterMs: wait };
}
