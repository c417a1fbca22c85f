import { PermanentDeliveryError } from './types.ts';

export interface ProviderRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Provider-specific: a 4xx answer that still means "try later" (Meta's rate limits come as 400). */
  retryable?(status: number, body: unknown): boolean;
}

/**
 * POSTs to a provider's REST API and returns the JSON answer. Network errors, timeouts, 408, 429
 * and 5xx throw a plain (retryable) error; any other 4xx throws PermanentDeliveryError.
 */
export async function postToProvider(request: ProviderRequest): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(request.timeoutMs) });
  } catch (err) {
    throw new Error(`provider unreachable: ${(err as Error).message}`, { cause: err });
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  // Accepted is accepted, whatever the body: a retry would deliver twice.
  if (response.ok) return json ?? {};
  const detail = `HTTP ${response.status}: ${text.slice(0, 500)}`;
  const transient = response.status === 408 || response.status === 429 || response.status >= 500 || (request.retryable?.(response.status, json) ?? false);
  throw transient ? new Error(detail) : new PermanentDeliveryError(detail);
}

/**
 * A string field of a JSON answer. Null when missing: the provider accepted the message all the
 * same, and treating that as a failure would send it twice.
 */
export function field(json: unknown, path: ReadonlyArray<string | number>): string | null {
  let at: unknown = json;
  for (const step of path) at = at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>)[step] : undefined;
  return typeof at === 'string' && at !== '' ? at : null;
}
