/**
 * Who may do what. A person signs in with a role; a machine holds an API key with scopes; both come
 * down to one set of permissions, which each route names (see the route table in the README). An
 * agent's permissions are further limited to their own conversations (conversation-access.ts).
 */

export const ROLES = ['agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ['events:write', 'read', 'actions', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const PERMISSIONS = [
  /** Conversations, customers and team queues (an agent: their own only). */
  'conversations:read',
  /** Reply, note, assign, transfer, resolve, reopen, prioritise (an agent: their own only). */
  'conversations:act',
  /** Assign or transfer a conversation to someone else (an agent may only take one themselves). */
  'conversations:assign-others',
  /** Merge two customers. */
  'customers:merge',
  /** A customer's data as a whole: the subject-access export (every record, event and file of one person). */
  'customers:data',
  /** The agents' board: everyone's presence and load. */
  'presence:read',
  /** Set an agent's status and seats (an agent: their own only). */
  'presence:write',
  /** Publish events (`POST /v1/events`): channel adapters. */
  'events:write',
  /** The KPI report of the live projections and the conversations behind each figure (the supervisors' board). */
  'kpis:read',
  /** Who did what (`GET /v1/audit`). */
  'audit:read',
  /** Accounts: create, change role, disable, reset passwords. */
  'people:admin',
  /** API keys: create, list, revoke. */
  'keys:admin',
  /** The tenant's settings. */
  'settings:admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const AGENT: readonly Permission[] = ['conversations:read', 'conversations:act', 'presence:write'];
const SUPERVISOR: readonly Permission[] = [...AGENT, 'conversations:assign-others', 'customers:merge', 'presence:read', 'kpis:read', 'audit:read'];
/** An admin can do what a supervisor can, and run the workspace. */
const ADMIN: readonly Permission[] = [...SUPERVISOR, 'people:admin', 'keys:admin', 'settings:admin', 'customers:data'];

const BY_ROLE: ReadonlyMap<Role, ReadonlySet<Permission>> = new Map([
  ['agent', new Set(AGENT)],
  ['supervisor', new Set(SUPERVISOR)],
  ['admin', new Set(ADMIN)],
]);

const BY_SCOPE: ReadonlyMap<Scope, readonly Permission[]> = new Map<Scope, readonly Permission[]>([
  ['events:write', ['events:write']],
  ['read', ['conversations:read', 'presence:read', 'kpis:read']],
  ['actions', ['conversations:act', 'conversations:assign-others', 'customers:merge', 'presence:write']],
  ['admin', ['people:admin', 'keys:admin', 'settings:admin', 'audit:read', 'customers:data']],
]);

/** Who a request is, as the server authenticated it. */
export type Principal =
  | {
      kind: 'person';
      tenant: string;
      account: string;
      role: Role;
      /** The agent id (routing settings) this person acts as; null for one who only administers. */
      agent: string | null;
    }
  | {
      kind: 'key';
      tenant: string;
      /** The key's id (never its secret); `config:<n>` for a key from the configuration file. */
      key: string;
      scopes: readonly Scope[];
    };

export function permissionsOf(principal: Principal): ReadonlySet<Permission> {
  if (principal.kind === 'person') return BY_ROLE.get(principal.role) ?? new Set();
  return new Set(principal.scopes.flatMap((scope) => BY_SCOPE.get(scope) ?? []));
}

export function can(principal: Principal, permission: Permission): boolean {
  return permissionsOf(principal).has(permission);
}

/**
 * The agent whose own conversations bound what this principal may see and do, or null when it is
 * not bound (supervisors, admins, keys). An agent-role person without an agent id sees nothing.
 */
export function boundToAgent(principal: Principal): { agent: string | null } | null {
  return principal.kind === 'person' && principal.role === 'agent' ? { agent: principal.agent } : null;
}

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);
export const isScope = (value: unknown): value is Scope => typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
