import { signWebhook, WEBHOOK_HEADERS } from './signature.ts';

/** What one attempt came to. */
export type AttemptResult =
  | { outcome: 'delivered'; httpStatus: number }
  | { outcome: 'retry'; httpStatus: number | null; error: string }
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
  return kind === 'retry' ? { outcome: 'retry', httpStatus: response.status, error } : { outcome: 'permanent', httpStatus: response.status, error };
}
