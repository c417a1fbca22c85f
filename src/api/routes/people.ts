import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccountError, emailProblem, publicAccount, type AccountStore, type Account } from '../../accounts/accounts.ts';
import { accountChangedEvent, type AccountChange } from '../../accounts/audit.ts';
import { passwordProblem } from '../../accounts/passwords.ts';
import type { TenantRegistry } from '../../config/policies.ts';
import { ROLES, type Role } from '../../domain/access/index.ts';
import { sendError } from '../../http/errors.ts';
import type { EventLog } from '../../log/event-log.ts';
import { actingAs } from '../access.ts';
import { appendOr503, printableString } from '../actions/append.ts';
import { preferenceProperties, preferencesChange, preferencesOr400, type Preferences } from './preferences.ts';

export interface PeopleDeps {
  accounts: AccountStore;
  eventLog: EventLog;
  tenants: TenantRegistry;
  now?: () => Date;
}

const name = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;
const role = { type: 'string', enum: [...ROLES] } as const;
const agent = { anyOf: [printableString(256), { type: 'null' }] } as const;
const password = { type: 'string', minLength: 1, maxLength: 1024 } as const;

const createSchema = {
  body: {
    type: 'object',
    required: ['email', 'name', 'role', 'password'],
    additionalProperties: false,
    properties: { email: { type: 'string', minLength: 3, maxLength: 254 }, name, role, agent, password, ...preferenceProperties },
  },
} as const;

const changeSchema = {
  body: { type: 'object', minProperties: 1, additionalProperties: false, properties: { name, role, agent, disabled: { type: 'boolean' }, ...preferenceProperties } },
} as const;

const resetSchema = { body: { type: 'object', required: ['password'], additionalProperties: false, properties: { password } } } as const;

interface CreateBody extends Preferences {
  email: string;
  name: string;
  role: Role;
  agent?: string | null;
  password: string;
}

interface ChangeBody extends Preferences {
  name?: string;
  role?: Role;
  agent?: string | null;
  disabled?: boolean;
}

/**
 * The tenant's people, for admins (`people:admin`): list, add, change (name, role, agent, disabled,
 * console language and time zone), reset a password. Every change is an `account.changed` audit event on the log, naming who made
 * it; should the log not take it, the change is undone and the answer is 503.
 */
export function peopleRoutes(app: FastifyInstance, deps: PeopleDeps): void {
  const now = deps.now ?? (() => new Date());
  const access = { access: 'people:admin' } as const;

  /** Appends the audit event, or undoes the change and answers 503. */
  const audited = async (request: FastifyRequest, reply: FastifyReply, change: AccountChange, undo: () => Promise<void>): Promise<boolean> => {
    const acting = actingAs(request, reply, undefined);
    if (!acting.ok) return false;
    const event = accountChangedEvent({ tenant: request.tenant, change, by: acting.actor, auth: acting.auth, time: now() });
    if (await appendOr503(deps.eventLog, [event], reply)) return true;
    await undo();
    return false;
  };

  const unknownAgent = (tenant: string, agentId: string | null | undefined) =>
    agentId !== undefined && agentId !== null && !deps.tenants(tenant).routing.agents.some((a) => a.id === agentId);

  app.get('/v1/users', { config: access }, async (request) => ({ users: await deps.accounts.list(request.tenant) }));

  app.get<{ Params: { id: string } }>('/v1/users/:id', { config: access }, async (request, reply) => {
    const account = await deps.accounts.get(request.tenant, request.params.id);
    return account ? { user: publicAccount(account) } : sendError(reply, 404, 'not_found', 'user not found');
  });

  app.post<{ Body: CreateBody }>('/v1/users', { schema: createSchema, config: access }, async (request, reply) => {
    const body = preferencesOr400(reply, request.body);
    if (!body) return reply;
    const problem = emailProblem(body.email) ?? null;
    if (problem) return sendError(reply, 400, 'invalid_email', problem);
    const weak = passwordProblem(body.password);
    if (weak) return sendError(reply, 400, 'weak_password', weak);
    if (unknownAgent(request.tenant, body.agent)) return sendError(reply, 422, 'unknown_agent', `agent ${body.agent} is not in the tenant's routing settings`);
    let created: Account;
    try {
      created = await deps.accounts.create({
        tenant: request.tenant,
        email: body.email,
        name: body.name,
        role: body.role,
        agent: body.agent ?? null,
        password: body.password,
        ...(body.language ? { language: body.language } : {}),
        ...(body.timeZone ? { timeZone: body.timeZone } : {}),
      });
    } catch (err) {
      if (err instanceof AccountError && err.code === 'email_taken') return sendError(reply, 409, 'email_taken', err.message);
      throw err;
    }
    // The preferences only when the admin chose them: the defaults say nothing worth a line in the audit.
    const change: AccountChange = {
      subject: { kind: 'person', id: created.id },
      change: 'created',
      role: created.role,
      agent: created.agent,
      ...(body.language ? { language: created.language } : {}),
      ...(body.timeZone ? { timeZone: created.timeZone } : {}),
    };
    if (!(await audited(request, reply, change, () => deps.accounts.remove(request.tenant, created.id)))) return reply;
    return reply.code(201).send({ user: created });
  });

  app.patch<{ Params: { id: string }; Body: ChangeBody }>('/v1/users/:id', { schema: changeSchema, config: access }, async (request, reply) => {
    const body = preferencesOr400(reply, request.body);
    if (!body) return reply;
    const principal = request.principal!;
    // An admin cannot lock themselves out: another admin changes their role or disables them.
    if (principal.kind === 'person' && principal.account === request.params.id && (body.role !== undefined || body.disabled !== undefined)) {
      return sendError(reply, 409, 'own_access', 'you cannot change your own role or disable yourself; ask another admin');
    }
    if (unknownAgent(request.tenant, body.agent)) return sendError(reply, 422, 'unknown_agent', `agent ${body.agent} is not in the tenant's routing settings`);
    const existing = await deps.accounts.get(request.tenant, request.params.id);
    if (!existing) return sendError(reply, 404, 'not_found', 'user not found');
    const { before, after } = await deps.accounts.update(request.tenant, request.params.id, body);
    const changes: AccountChange[] = [];
    const subject = { kind: 'person' as const, id: after.id };
    if (before.role !== after.role) changes.push({ subject, change: 'role_changed', role: after.role });
    if (before.agent !== after.agent) changes.push({ subject, change: 'agent_changed', agent: after.agent });
    if (before.disabled !== after.disabled) changes.push({ subject, change: after.disabled ? 'disabled' : 'enabled' });
    const preferences = preferencesChange(before, after);
    if (preferences) changes.push(preferences);
    for (const change of changes) {
      if (!(await audited(request, reply, change, () => deps.accounts.restore(before)))) return reply;
    }
    return { user: publicAccount(after) };
  });

  app.post<{ Params: { id: string }; Body: { password: string } }>('/v1/users/:id/password', { schema: resetSchema, config: access }, async (request, reply) => {
    const weak = passwordProblem(request.body.password);
    if (weak) return sendError(reply, 400, 'weak_password', weak);
    const existing = await deps.accounts.get(request.tenant, request.params.id);
    if (!existing) return sendError(reply, 404, 'not_found', 'user not found');
    const { before } = await deps.accounts.setPassword(request.tenant, request.params.id, request.body.password);
    if (!(await audited(request, reply, { subject: { kind: 'person', id: before.id }, change: 'password_reset' }, () => deps.accounts.restore(before)))) return reply;
    return reply.code(204).send();
  });
}
