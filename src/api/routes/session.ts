import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { publicAccount, type AccountStore, type StoredAccount } from '../../accounts/accounts.ts';
import { accountChangedEvent } from '../../accounts/audit.ts';
import { DUMMY_HASH, passwordProblem, verifyPassword } from '../../accounts/passwords.ts';
import type { SessionData } from '../../accounts/sessions.ts';
import type { TenantRegistry } from '../../config/policies.ts';
import { permissionsOf, teamsOf } from '../../domain/access/index.ts';
import { sendError } from '../../http/errors.ts';
import type { EventLog } from '../../log/event-log.ts';
import { accountKeys } from '../../projections/keys.ts';
import { actingAs, authContextOf, principalOf } from '../access.ts';
import { appendOr503 } from '../actions/append.ts';
import { namingSchemaErrors } from '../../http/schema-errors.ts';
import { preferenceProperties, preferencesChange, preferencesOr400, type Preferences } from './preferences.ts';

export interface SessionDeps {
  redis: Redis;
  instance: string;
  accounts: AccountStore;
  eventLog: EventLog;
  maxFailures: number;
  maxAttemptsPerAddress: number;
  failureWindowMs: number;
  /** A person's teams (GET's `teams`): their agent's, from the tenant's routing settings. */
  tenants: TenantRegistry;
  now?: () => Date;
}

type Session = { get(key: string): unknown; set(key: string, value: unknown): void; regenerate(): Promise<void>; destroy(): Promise<void>; cookie: { sameSite?: unknown } };
const sessionOf = (request: FastifyRequest) => (request as unknown as { session: Session }).session;
/** The session plugin's `secure: 'auto'` lowers SameSite to Lax over plain HTTP; ours stays Strict. */
const strict = (session: Session) => {
  session.cookie.sameSite = 'strict';
};

const signInSchema = {
  body: {
    type: 'object',
    required: ['tenant', 'email', 'password'],
    additionalProperties: false,
    properties: {
      tenant: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' },
      email: { type: 'string', minLength: 3, maxLength: 254 },
      password: { type: 'string', minLength: 1, maxLength: 1024 },
    },
  },
} as const;

const passwordSchema = {
  body: {
    type: 'object',
    required: ['current', 'password'],
    additionalProperties: false,
    properties: { current: { type: 'string', minLength: 1, maxLength: 1024 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
  },
} as const;

const preferencesSchema = { body: { type: 'object', minProperties: 1, additionalProperties: false, properties: preferenceProperties } } as const;

/**
 * A person's browser session: `POST /v1/session` signs in (the session cookie), `GET` says who is
 * signed in and what they may do, `DELETE` signs out, `POST /v1/session/password` changes one's own
 * password (every other session of theirs ends), `PATCH /v1/session/preferences` sets one's own
 * console language and time zone (audited, like every account change). Sign-in is throttled per account (failures, in
 * Redis) and per address (attempts, @fastify/rate-limit); a wrong e-mail and a wrong password are
 * answered alike, and take as long.
 */
export function sessionRoutes(app: FastifyInstance, deps: SessionDeps): void {
  const keys = accountKeys(deps.instance);
  const windowSeconds = Math.ceil(deps.failureWindowMs / 1000);
  const now = deps.now ?? (() => new Date());

  app.post<{ Body: { tenant: string; email: string; password: string } }>(
    '/v1/session',
    { schema: signInSchema, config: { access: 'public', rateLimit: { max: deps.maxAttemptsPerAddress, timeWindow: deps.failureWindowMs } } },
    async (request, reply) => {
      const { tenant, email, password } = request.body;
      const throttle = keys.failures(`${tenant}/${email.trim().toLowerCase()}`);
      const failures = Number((await deps.redis.get(throttle)) ?? 0);
      if (failures >= deps.maxFailures) return tooMany(reply, await deps.redis.ttl(throttle));

      const account = await deps.accounts.byEmail(tenant, email);
      const matches = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
      if (!account || !matches) {
        const count = await deps.redis.multi().incr(throttle).expire(throttle, windowSeconds, 'NX').exec();
        request.log.info({ tenant, failures: Number(count?.[0]?.[1] ?? 0) }, 'sign-in refused');
        return sendError(reply, 401, 'invalid_credentials', 'the e-mail address or the password is wrong');
      }
      if (account.disabled) return sendError(reply, 403, 'account_disabled', 'this account is disabled; ask an admin of your workspace');
      await deps.redis.del(throttle);
      // A new id at sign-in: a session id planted before it (fixation) is worth nothing after.
      // (regenerate puts a new session object on the request.)
      await sessionOf(request).regenerate();
      strict(sessionOf(request));
      sessionOf(request).set('auth', { tenant, account: account.id, epoch: account.epoch, signedInAt: now().getTime() } satisfies SessionData);
      request.log.info({ tenant, account: account.id }, 'signed in');
      return { account: publicAccount(account) };
    },
  );

  app.get('/v1/session', { config: { access: 'signed-in' } }, async (request) => {
    const principal = principalOf(request);
    const account = principal.kind === 'person' ? await deps.accounts.get(principal.tenant, principal.account) : null;
    // A person's teams are the queues their console lists: their agent's, none without an agent.
    const teams = principal.kind === 'person' && principal.agent ? [...teamsOf(deps.tenants(principal.tenant).routing, principal.agent)] : [];
    return { principal, permissions: [...permissionsOf(principal)].sort(), ...(account ? { account: publicAccount(account), teams } : {}) };
  });

  app.delete('/v1/session', { config: { access: 'signed-in' } }, async (request, reply) => {
    if (principalOf(request).kind === 'person') await sessionOf(request).destroy();
    return reply.code(204).send();
  });

  app.post<{ Body: { current: string; password: string } }>('/v1/session/password', { schema: passwordSchema, config: { access: 'signed-in' } }, async (request, reply) => {
    const principal = principalOf(request);
    if (principal.kind !== 'person') return sendError(reply, 400, 'not_a_person', 'an API key has no password; sign in to change yours');
    const problem = passwordProblem(request.body.password);
    if (problem) return sendError(reply, 400, 'weak_password', problem);
    const account = (await deps.accounts.get(principal.tenant, principal.account)) as StoredAccount;
    if (!(await verifyPassword(request.body.current, account.passwordHash))) return sendError(reply, 403, 'invalid_credentials', 'the current password is wrong');

    const { before } = await deps.accounts.setPassword(principal.tenant, principal.account, request.body.password);
    const event = accountChangedEvent({
      tenant: principal.tenant,
      change: { subject: { kind: 'person', id: principal.account }, change: 'password_changed' },
      by: { kind: 'agent', id: principal.agent ?? principal.account },
      auth: authContextOf(principal),
      time: now(),
    });
    if (!(await appendOr503(deps.eventLog, [event], reply))) {
      await deps.accounts.restore(before);
      return reply;
    }
    // Every other session ended with the old epoch; this one goes on under a new id and the new epoch.
    await sessionOf(request).regenerate();
    strict(sessionOf(request));
    sessionOf(request).set('auth', { tenant: principal.tenant, account: principal.account, epoch: before.epoch + 1, signedInAt: now().getTime() } satisfies SessionData);
    return reply.code(204).send();
  });

  app.patch<{ Body: Preferences }>(
    '/v1/session/preferences',
    { schema: preferencesSchema, schemaErrorFormatter: namingSchemaErrors(), config: { access: 'signed-in' } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'person') return sendError(reply, 400, 'not_a_person', 'an API key has no preferences; sign in to set yours');
      const preferences = preferencesOr400(reply, request.body);
      if (!preferences) return reply;
      const acting = actingAs(request, reply, undefined);
      if (!acting.ok) return acting.reply;
      const { before, after } = await deps.accounts.update(principal.tenant, principal.account, preferences);
      const change = preferencesChange(before, after);
      if (change && !(await appendOr503(deps.eventLog, [accountChangedEvent({ tenant: principal.tenant, change, by: acting.actor, auth: acting.auth, time: now() })], reply))) {
        await deps.accounts.restore(before);
        return reply;
      }
      return { account: publicAccount(after) };
    },
  );
}

function tooMany(reply: FastifyReply, ttlSeconds: number): FastifyReply {
  const wait = Math.max(1, ttlSeconds);
  reply.header('retry-after', String(wait));
  return sendError(reply, 429, 'too_many_failures', `too many failed sign-ins for this account; try again in ${wait} s`);
}
