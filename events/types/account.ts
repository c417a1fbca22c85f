import { z } from 'zod';
import type { EventDefinition } from '../definition.ts';
import { actorSchema, idSchema } from './common.ts';

/**
 * account.* events are the audit trail of who may do what: people added, their roles changed,
 * disabled, passwords changed, API keys created and revoked; and of what admins keep for everyone
 * (canned responses created, changed, deleted). They carry ids and the change, never an e-mail
 * address, a name, a text or a secret. The envelope's `customer` (the partition key) is
 * `account:<id>` for a person, `api-key:<id>` for a key and `canned-response:<id>` for a canned
 * response, so one subject's changes stay in order; none of them is a customer the fold knows.
 */
const SUBJECT_PREFIX = { person: 'account:', api_key: 'api-key:', canned_response: 'canned-response:' } as const;
export type AccountSubjectKind = keyof typeof SUBJECT_PREFIX;
export const accountSubject = (kind: AccountSubjectKind, id: string) => `${SUBJECT_PREFIX[kind]}${id}`;
const SUBJECT_PREFIXES: readonly string[] = Object.values(SUBJECT_PREFIX);
/** Asked of every event a replay reads: a loop over the prefixes, nothing allocated. */
export function isAccountSubject(customer: string): boolean {
  for (const prefix of SUBJECT_PREFIXES) if (customer.startsWith(prefix)) return true;
  return false;
}

export const accountRoleSchema = z.enum(['agent', 'supervisor', 'admin']);
export const apiKeyScopeSchema = z.enum(['events:write', 'read', 'actions', 'admin']);
/** The languages the console is shown in. */
export const accountLanguageSchema = z.enum(['en', 'ru', 'zh']);

export const accountChangedData = z
  .strictObject({
    subject: z.strictObject({ kind: z.enum(['person', 'api_key', 'canned_response']), id: idSchema }),
    change: z.enum(['created', 'role_changed', 'agent_changed', 'disabled', 'enabled', 'password_changed', 'password_reset', 'revoked', 'preferences_changed', 'updated', 'deleted']),
    /** The role after the change (created, role_changed). */
    role: accountRoleSchema.optional(),
    /** The agent id the person acts as after the change (created, agent_changed); null: none. */
    agent: idSchema.nullable().optional(),
    /** An API key's scopes (created). */
    scopes: z.array(apiKeyScopeSchema).optional(),
    /** The language the person's console is shown in, after the change (preferences_changed; created when set). */
    language: accountLanguageSchema.optional(),
    /** The IANA time zone the person's console shows times in, after the change (preferences_changed; created when set). */
    timeZone: z.string().min(1).max(64).optional(),
    /** A canned response's shortcut after the change (its created, updated; deleted: the one it had). */
    shortcut: z.string().regex(/^[a-z0-9_-]{1,32}$/).optional(),
    /** The fields a change to a canned response changed (updated). */
    fields: z.array(z.enum(['shortcut', 'title', 'text'])).optional(),
    /** Who made the change: a person (their agent id or account id) or the command line (system). */
    by: actorSchema,
  })
  .describe('A person or an API key was added, changed, disabled or revoked, or a canned response created, changed or deleted: the audit trail of access and workspace content, without secrets or texts.');

export const accountChanged = { schema: accountChangedData, version: 1, upcasters: {} } satisfies EventDefinition;
