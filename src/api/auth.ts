import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../http/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of the request's API key; every id in the request is looked up under it. */
    tenant: string;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The API key of a request: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization) return BEARER.exec(authorization)?.[1];
  const header = request.headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  return key?.trim() || undefined;
}

/**
 * An onRequest hook that resolves the key to its tenant before anything else (body parsing
 * included) happens. A Map, not the config object, so `constructor` or `__proto__` is no key.
 */
export function apiKeyAuth(apiKeys: Readonly<Record<string, string>>) {
  const tenants = new Map(Object.entries(apiKeys));
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const key = apiKeyOf(request);
    const tenant = key === undefined ? undefined : tenants.get(key);
    if (tenant === undefined) {
      const message = key === undefined ? 'send an API key as "Authorization: Bearer <key>" or "X-Api-Key: <key>"' : 'unknown API key';
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 401, 'unauthorized', message);
    }
    request.tenant = tenant;
    return undefined;
  };
}
