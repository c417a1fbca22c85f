import type { FastifyInstance } from 'fastify';
import { errorCodeFor, errorCodeSent } from '../http/errors.ts';
import { countRejected, observeHttpRequest } from '../observability/metrics.ts';

/**
 * The door a write route is, for counting refused input by door and code: the providers' webhooks
 * by provider, the chat widget, `POST /v1/events`, and the agents' actions. Null for reads and
 * for the routes that take no event input (sign-in, people, keys, uploads).
 */
export function doorOf(method: string, route: string): string | null {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return null;
  const provider = /^\/webhooks\/([a-z]+)(\/|$)/.exec(route)?.[1];
  if (provider) return provider;
  if (route.startsWith('/v1/chat/')) return 'chat';
  if (route === '/v1/events') return 'events';
  if (/^\/v1\/(conversations|customers|agents)\//.test(route)) return 'actions';
  return null;
}

/**
 * Every answer's duration by method, route pattern (never the URL: ids and handles are in URLs) and
 * status; and every refusal at a door by its stable code. Registered on the root, so it sees every
 * route, unknown ones as `unmatched`.
 */
export function observeHttp(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    observeHttpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const door = reply.statusCode >= 400 ? doorOf(request.method, route) : null;
    if (door) countRejected(door, errorCodeSent(reply) ?? errorCodeFor(reply.statusCode));
  });
}
