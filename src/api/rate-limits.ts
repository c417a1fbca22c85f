import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normalizeIP } from '@fastify/rate-limit';
import type { Config } from '../config/schema.ts';
import { sendError } from '../http/errors.ts';

export type RateLimits = Config['http']['rateLimits'];
export type RateLimitName = keyof RateLimits;

/** Whose count a refusal names, in the 429's message. */
const WHOSE: Record<RateLimitName, string> = {
  apiKey: 'this API key',
  person: 'your account',
  webhookAddress: "this address on the providers' webhooks",
  chatAddress: 'this address on the chat door',
};

/**
 * The count a request goes to: its principal's once authenticated (an API key, or a person whatever
 * their session), else its source address on the doors anyone may call (the providers' webhooks,
 * the chat widget). The other public routes are not counted here: sign-in keeps its own throttle
 * (per address and per account), and survey and media links are signed.
 */
function countOf(request: FastifyRequest): { limit: RateLimitName; id: string } | null {
  const principal = request.principal;
  if (principal) return principal.kind === 'key' ? { limit: 'apiKey', id: `${principal.tenant}/${principal.key}` } : { limit: 'person', id: `${principal.tenant}/${principal.account}` };
  const route = request.routeOptions.url ?? '';
  // IPv6 by its /64, as @fastify/rate-limit does: one host is given a whole /64 to pick from.
  if (route.startsWith('/webhooks/')) return { limit: 'webhookAddress', id: normalizeIP(request.ip) };
  if (route.startsWith('/v1/chat/')) return { limit: 'chatAddress', id: normalizeIP(request.ip) };
  return null;
}

const per = (ms: number) => (ms === 60_000 ? 'a minute' : ms % 60_000 === 0 ? `per ${ms / 60_000} minutes` : `per ${ms / 1000} s`);

/**
 * An onRequest hook, added after authentication: each request counts against its limit (above)
 * in @fastify/rate-limit's Redis store, shared by every api process (a fixed window per count:
 * keys `cs:acct:{<instance>}:rate:…`, gone when their window ends). Over it, the answer is 429
 * `rate_limited` with Retry-After (when the window ends) before the body is read: nothing is parsed
 * or appended, so a provider retrying later loses nothing and finds nothing half-written. A count
 * Redis cannot give lets the request through: the limit protects the engine, it is not a reason to
 * refuse on its own; the request then needs Redis anyway, and fails on its own terms if it is gone.
 */
export function rateLimitHook(app: FastifyInstance, limits: RateLimits) {
  const checks = new Map<RateLimitName, ReturnType<FastifyInstance['createRateLimit']>>();
  for (const limit of Object.keys(limits) as RateLimitName[]) {
    const { max, window } = limits[limit];
    if (max === 0) continue;
    checks.set(limit, app.createRateLimit({ max, timeWindow: window, skipOnError: true, keyGenerator: (request) => `${limit}:${countOf(request)?.id ?? ''}` }));
  }
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const count = countOf(request);
    const check = count && checks.get(count.limit);
    if (!count || !check) return undefined;
    const outcome = await check(request);
    if (outcome.isAllowed || !outcome.isExceeded) return undefined;
    const { max, window } = limits[count.limit];
    const wait = Math.max(1, outcome.ttlInSeconds);
    reply.header('retry-after', String(wait));
    return sendError(
      reply,
      429,
      'rate_limited',
      `too many requests for ${WHOSE[count.limit]}: the limit is ${max.toLocaleString('en-US')} requests ${per(window)} (http.rateLimits.${count.limit}); retry in ${wait} s`,
      { limit: count.limit },
    );
  };
}
