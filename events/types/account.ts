import { z } from 'zod';
import type { EventDefinition } from '../definition.ts';
import { actorSchema, idSchema } from './common.ts';

/**
 * account.* events are the audit trail of who may do what: people added, their roles changed,
 * disabled, passwords changed, API keys created and revoked. They carry ids and the change, never
 * an e-mail address, a name or a secret. The envelope's `customer` (the partition key) is
 * `account:<id>` for a person and `api-key:<id>` for a key, so one subject's changes stay in order.
 */
export const accountSubject = (kind: 'person' | 'api_key', id: string) => `${kind === 'person' ? 'account' : 'api-key'}:${id}`;
export const isAccountSubject = (customer: string) => customer.startsWith('account:') || customer.startsWith('api-key:');

export const accountRoleSchema = z.enum(['agent', 'supervisor', 'admin']);
export const apiKeyScopeSchema = z.enum(['events:write', 'read', 'actions', 'admin']);

export const accountChangedData = z
  .strictObject({
    subject: z.strictObject({ kind: z.enum(['person', 'api_key']), id: idSchema }),
    change: z.enum(['created', 'role_changed', 'agent_changed', 'disabled', 'enabled', 'password_changed', 'password_reset', 'revoked']),
    /** The role after the change (created, role_changed). */
    role: accountRoleSchema.optional(),
    /** The agent id the person acts as after the change (created, agent_changed); null: none. */
    agent: idSchema.nullable().optional(),
    /** An API key's scopes (created). */
    scopes: z.array(apiKeyScopeSchema).optional(),
    /** Who made the change: a person (their agent id or account id) or the command line (system). */
    by: actorSchema,
  })
  .describe('A person or an API key was added, changed, disabled or revoked: the audit trail of access, without secrets.');

export const accountChanged = { schema: accountChangedData, version: 1, upcasters: {} } satisfies EventDefinition;
