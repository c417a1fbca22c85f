import { PermanentDeliveryError, RefusedForNowError } from './types.ts';

export interface ProviderRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Provider-specific: a 4xx answer that still means "try later" (Meta's rate limits come as 400). */
  retryable?(status: number, body: unknown): boolean;
}

/**
 * POSTs to a provider's REST API and returns the JSON answer. Network errors and timeouts throw a
 * plain (retryable) error, since the provider may have taken the message all the same; 408, 429 and
 * 5xx throw RefusedForNowError (retryable, and nothing was taken); any other 4xx throws
 * PermanentDeliveryError.
 */
export async function postToProvider(request: ProviderRequest): Promise<unknown> {
  return callProvider('POST', request);
}

/** GETs from a provider's REST API (a lookup), with the same answers and errors as postToProvider. */
export async function getFromProvider(request: Omit<ProviderRequest, 'body'>): Promise<unknown> {
  return callProvider('GET', request);
}

async function callProvider(method: 'GET' | 'POST', request: Omit<ProviderRequest, 'body'> & { body?: string }): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(request.url, { method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }), signal: AbortSignal.timeout(request.timeoutMs) });
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
  throw transient ? new RefusedForNowError(detail) : new PermanentDeliveryError(detail);
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
