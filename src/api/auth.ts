import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountStore } from '../accounts/accounts.ts';
import type { ApiKeyStore } from '../accounts/api-keys.ts';
import type { SessionData } from '../accounts/sessions.ts';
import { can, SCOPES, type Permission, type Principal } from '../domain/access/index.ts';
import { sendError } from '../http/errors.ts';
import '../http/route-access.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The principal's tenant; every id in the request is looked up under it. */
    tenant: string;
    /** Who the request is, as authenticated (null on public routes). */
    principal: Principal | null;
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

export interface AuthDeps {
  /** Full-access keys from the configuration (`http.apiKeys`): key -> tenant. */
  configKeys: Readonly<Record<string, string>>;
  keys: ApiKeyStore;
  accounts: AccountStore;
  /** A session ends this long after sign-in, used or not. */
  sessionAbsoluteMs: number;
  now?: () => number;
}

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * An onRequest hook that finds who the request is before anything else (body parsing included)
 * happens: an API key (a header), else a signed-in session (the cookie); then checks the route's
 * access. A Map, not the config object, so `constructor` or `__proto__` is no key. A route that
 * declares no access is refused to everyone: nothing is open by omission.
 */
export function authenticate(deps: AuthDeps) {
  const configKeys = new Map(Object.entries(deps.configKeys));
  const now = deps.now ?? Date.now;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config?.access;
    if (access === 'public') return undefined;
    const found = await principalOf(request, deps, configKeys, now());
    if ('refusal' in found) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 401, found.code, found.refusal);
    }
    const { principal, viaCookie } = found;
    request.principal = principal;
    request.tenant = principal.tenant;
    // A browser's session rides along on any request to us; a mutation must come from our own pages.
    if (viaCookie && MUTATIONS.has(request.method) && !sameOrigin(request)) {
      return sendError(reply, 403, 'origin_mismatch', 'a signed-in change must come from a page of this site (the Origin header does not match)');
    }
    if (access === undefined) return sendError(reply, 403, 'forbidden', 'this route declares no access and is open to nobody');
    if (access !== 'signed-in' && !can(principal, access)) return refuseMissing(reply, principal, access);
    return undefined;
  };
}

export function refuseMissing(reply: FastifyReply, principal: Principal, permission: Permission): FastifyReply {
  const who = principal.kind === 'person' ? `the ${principal.role} role` : `this API key (scopes: ${principal.scopes.join(', ') || 'none'})`;
  return sendError(reply, 403, 'missing_permission', `this needs the ${permission} permission, which ${who} does not have`, { permission });
}

type Found = { principal: Principal; viaCookie: boolean } | { refusal: string; code: string };

async function principalOf(request: FastifyRequest, deps: AuthDeps, configKeys: Map<string, string>, now: number): Promise<Found> {
  const token = apiKeyOf(request);
  if (token !== undefined) {
    const tenant = configKeys.get(token);
    if (tenant !== undefined) return { principal: { kind: 'key', tenant, key: configKeyId(token), scopes: [...SCOPES] }, viaCookie: false };
    const key = await deps.keys.authenticate(token);
    if (key) return { principal: { kind: 'key', tenant: key.tenant, key: key.id, scopes: key.scopes }, viaCookie: false };
    return { refusal: 'unknown or revoked API key', code: 'unauthorized' };
  }
  const session = (request as { session?: { get(key: string): unknown; destroy(): Promise<void> } }).session;
  const data = (session?.get('auth') ?? undefined) as SessionData | undefined;
  if (!data?.account || !data.tenant) {
    return { refusal: 'sign in (POST /v1/session), or send an API key as "Authorization: Bearer <key>" or "X-Api-Key: <key>"', code: 'unauthorized' };
  }
  const account = await deps.accounts.get(data.tenant, data.account);
  const ended = !account || account.disabled || account.epoch !== data.epoch || now - (data.signedInAt ?? 0) > deps.sessionAbsoluteMs;
  if (ended) {
    await session?.destroy().catch(() => undefined);
    return { refusal: 'the session has ended; sign in again', code: 'session_ended' };
  }
  return { principal: { kind: 'person', tenant: account.tenant, account: account.id, role: account.role, agent: account.agent }, viaCookie: true };
}

/** A configuration key's id for logs and the audit trail: a short hash, never the key. */
export const configKeyId = (token: string) => `config:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;

function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return false;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
