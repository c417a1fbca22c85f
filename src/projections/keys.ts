/**
 * Redis key layout of the projections. Everything of one customer carries the hash tag
 * {tenant/customer}, so under Redis Cluster it lives on one slot and one Lua script can update it
 * with its applied position atomically. Everything sits under a namespace, so a rebuild can fill a
 * new one and reads can switch to it in one SET.
 */
export const TRANSCRIPT_LIMIT = 200;

/** Which namespace reads use; a rebuild moves it. Kept for readers that know no deployment name. */
export const activeNamespaceKey = 'cs:projections:active';
export const DEFAULT_NAMESPACE = 'live';

/**
 * Control state of one engine deployment (config `instance`): the namespace reads use, and the
 * namespace + consumer group the live fold writes with. A rebuild changes both in one MULTI.
 */
export function controlKeys(instance: string) {
  return {
    activeNamespace: `cs:ctl:{${instance}}:active-ns`,
    liveFold: `cs:ctl:{${instance}}:live-fold`,
  };
}

const tag = (tenant: string, customer: string) => `{${tenant}/${customer}}`;

export function projectionKeys(ns: string) {
  const base = `cs:p:${ns}`;
  return {
    /** Hash: pos (offset of the last applied event), state (the customer fold as JSON). */
    fold: (tenant: string, customer: string) => `${base}:${tag(tenant, customer)}:fold`,
    conversation: (tenant: string, customer: string, id: string) => `${base}:${tag(tenant, customer)}:conv:${id}`,
    transcript: (tenant: string, customer: string, id: string) => `${base}:${tag(tenant, customer)}:transcript:${id}`,
    /** Hash: conversation id -> customer id, to find a conversation by id alone. */
    conversationOwners: (tenant: string) => `${base}:owners:{${tenant}}`,
    /**
     * Set: the customers seen with a normalised handle (one, unless two customers share a phone or
     * address). A set, not a hash, so the result does not depend on which partition folded first.
     */
    handle: (tenant: string, handle: string) => `${base}:handle:{${tenant}}:${handle}`,
    /** Sorted set: open, unassigned conversations of a team, most urgent first. */
    teamQueue: (tenant: string, team: string) => `${base}:queue:{${tenant}}:${team}`,
    /** Hash: open conversations an agent holds -> the channel whose seat each takes. */
    agentConversations: (tenant: string, agent: string) => `${base}:agent:{${tenant}}:${agent}`,
    /** Hash: agent id -> presence JSON ({status, since, capacity, pos}), folded from agent.status_changed. */
    agentPresence: (tenant: string) => `${base}:presence:{${tenant}}`,
    /** Hash: agent id -> when a conversation was last given to them (longest-idle routing). */
    agentLastAssigned: (tenant: string) => `${base}:last-assigned:{${tenant}}`,
    /** Hash: team -> its latest round-robin pick, `at|conversation|agent`. */
    roundRobin: (tenant: string) => `${base}:round-robin:{${tenant}}`,
    /** Sorted set by due time (epoch ms): the timers conversations wait on (see domain/fold/timers.ts). */
    timers: `${base}:timers`,
    /** Sorted set (score 0): workflow steps the fold asked for, written by its commit, pumped into jobs. */
    steps: `${base}:steps`,
    /** Set of every key prefix pattern, for dropping a namespace. */
    pattern: `${base}:*`,
  };
}

export type ProjectionKeys = ReturnType<typeof projectionKeys>;

/** Team queue members wait here until triage names a team. */
export const UNTRIAGED_TEAM = '_untriaged';
