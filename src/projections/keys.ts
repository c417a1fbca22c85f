/**
 * Every Redis key the engine writes, one family per block, each spelled here and nowhere else (the
 * BullMQ queues have their own prefixes, `src/queues/names.ts`).
 *
 * Deployment keys carry the config's `instance` in their hash tag, so two engines can share a
 * Redis. Projections sit under a namespace, so a rebuild can fill a new one and reads can switch to
 * it in one SET; everything of one customer carries the hash tag {tenant/customer}, so under Redis
 * Cluster it lives on one slot and one Lua script can update it with its applied position atomically.
 */
export const TRANSCRIPT_LIMIT = 200;

// ─── cs:ctl, cs:projections ──────────────────────────────────────────────────────────────────────
// Owned by projections/live-assignment.ts (moved by `cs rebuild`): which namespace reads and the live fold use.

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

// ─── cs:p ────────────────────────────────────────────────────────────────────────────────────────
// Owned by the fold (projections/store.ts, commit.lua): the read model of one namespace; everyone else only reads it.

const tag = (tenant: string, customer: string) => `{${tenant}/${customer}}`;
/** A name as a SCAN pattern matches it literally: a tenant's pattern never reaches another tenant's keys. */
const globEscaped = (name: string) => name.replace(/[*?[\]\\]/g, '\\$&');

export function projectionKeys(ns: string) {
  const base = `cs:p:${ns}`;
  return {
    /** Hash: pos (offset of the last applied event), state (the customer fold as JSON). */
    fold: (tenant: string, customer: string) => `${base}:${tag(tenant, customer)}:fold`,
    /** SCAN pattern: the fold hashes of one tenant's customers, or of every tenant's. */
    foldPattern: (tenant?: string) => (tenant ? `${base}:${tag(globEscaped(tenant), '*')}:fold` : `${base}:{*}:fold`),
    /** Sorted set: event id -> event time (epoch ms), the ids applied within the dedupe horizon (domain/fold/applied-ids.ts). */
    appliedIds: (tenant: string, customer: string) => `${base}:${tag(tenant, customer)}:ids`,
    conversation: (tenant: string, customer: string, id: string) => `${base}:${tag(tenant, customer)}:conv:${id}`,
    transcript: (tenant: string, customer: string, id: string) => `${base}:${tag(tenant, customer)}:transcript:${id}`,
    /** Hash: conversation id -> customer id, to find a conversation by id alone. */
    conversationOwners: (tenant: string) => `${base}:owners:{${tenant}}`,
    /** SCAN pattern: every tenant's owners hash (the tenant is between the braces). */
    conversationOwnersPattern: `${base}:owners:{*}`,
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

// ─── cs:in ───────────────────────────────────────────────────────────────────────────────────────
// Owned by the inbound doors' claims (channels/claims.ts, claim-*.lua): event ids being or already appended.

export function ingestKeys(instance: string) {
  return {
    /**
     * String: 'pending <partition> <offset>' while the event may be on its way to the log (where to
     * look for it: the partition its key goes to, and that partition's end offset before the
     * append), 'pending -' when that is unknown, then 'done'. Kept as long as duplicates are refused.
     */
    claim: (tenant: string, eventId: string) => `cs:in:{${instance}:${tenant}}:${eventId}`,
    /** String with PX: the token of the request appending the event now (renewed while it waits for Kafka). */
    lease: (tenant: string, eventId: string) => `cs:in:lease:{${instance}:${tenant}}:${eventId}`,
  };
}

// ─── cs:id ───────────────────────────────────────────────────────────────────────────────────────
// Owned by the channels' identity store (channels/identity.ts): which customer a handle is.

export function identityKeys(instance: string) {
  return {
    /** String: the customer id of a normalised identity (`channel:handle`). */
    customer: (tenant: string, identityKey: string) => `cs:id:{${instance}:${tenant}}:${identityKey}`,
    /** String '1': the identity's `customer.identified` is on the log. */
    announced: (tenant: string, identityKey: string) => `cs:id:{${instance}:${tenant}}:${identityKey}:announced`,
  };
}

// ─── cs:act ──────────────────────────────────────────────────────────────────────────────────────
// Owned by the agents' command API (api/actions/idempotency.ts): receipts of actions Kafka acknowledged.

export function actionKeys(instance: string) {
  return {
    /** String 'done', by the action's event id. */
    receipt: (tenant: string, eventId: string) => `cs:act:{${instance}:${tenant}}:${eventId}`,
  };
}

// ─── cs:upload ───────────────────────────────────────────────────────────────────────────────────
// Owned by the agents' uploads (api/actions/uploads.ts): which stored files each tenant's agents
// uploaded, so a reply may only send a file its own workspace put there (the store is shared).

export function uploadKeys(instance: string) {
  return {
    /** Set: the attachment store keys (SHA-256 of the bytes) the tenant's agents uploaded. Kept as long as the files. */
    uploads: (tenant: string) => `cs:upload:{${instance}:${tenant}}`,
  };
}

// ─── cs:out ──────────────────────────────────────────────────────────────────────────────────────
// Owned by outbound delivery (outbound/delivery-state.ts, outbound/threads.ts): per-message provider calls, mail threading.

export function outboundKeys(instance: string) {
  return {
    /** Hash: state (sending | refused | sent | reported | failed), providerMessageId. */
    delivery: (tenant: string, messageId: string) => `cs:out:{${instance}:${tenant}}:${messageId}`,
    /** String: the token of the attempt calling the provider now, with a lease (PX). */
    lease: (tenant: string, messageId: string) => `cs:out:{${instance}:${tenant}}:${messageId}:lease`,
    /** String: the provider id of a handle's latest inbound message, which replies thread under. */
    thread: (tenant: string, handle: string) => `cs:out:thread:{${instance}:${tenant}}:${handle}`,
  };
}

// ─── cs:wf ───────────────────────────────────────────────────────────────────────────────────────
// Owned by the workflow's routing drain (workflow/steps/drain.ts, workflow/routing-board.ts): one drain per routing group
// (a tenant's teams linked by shared agents, domain/routing/groups.ts) at a time, requests coalesced, seats promised.

export function routingKeys(instance: string, tenant: string) {
  return {
    /** String with PX: the token of the drain running for this routing group of the tenant. */
    lock: (group: string) => `cs:wf:{${instance}}:routing-lock:${tenant}:${group}`,
    /** String '1': a routing request came while the group's drain ran; that drain drains once more before it lets go. */
    again: (group: string) => `cs:wf:{${instance}}:routing-again:${tenant}:${group}`,
    /** Hash: conversation id -> the assignment published but maybe not folded yet (JSON). */
    inFlight: `cs:wf:{${instance}}:in-flight:${tenant}`,
    /** String with EX: the bot's hand-off summary for the agent who takes the conversation (the route step writes it, the placing drain reads it). */
    handoff: (conversation: string) => `cs:wf:{${instance}}:handoff:${tenant}:${conversation}`,
    /** SCAN pattern: every routing key of the deployment, whatever the tenant. */
    pattern: `cs:wf:{${instance}}:*`,
  };
}

// ─── cs:wh ───────────────────────────────────────────────────────────────────────────────────────
// Owned by the webhooks role (webhooks/delivery-records.ts): the last status of each delivery, operators read it.

export function webhookKeys(instance: string) {
  return {
    /** Hash: status, subscriptionId, eventId, eventType, attempts, httpStatus, error, at; by Webhook-Id. */
    delivery: (tenant: string, deliveryId: string) => `cs:wh:{${instance}:${tenant}}:${deliveryId}`,
  };
}

// ─── cs:chat ─────────────────────────────────────────────────────────────────────────────────────
// Written by the outbound chat connector, read by the chat channel's sockets (channels/chat/connections.ts): replies to visitors.

export function chatKeys(instance: string) {
  const base = (tenant: string, visitor: string) => `cs:chat:{${instance}:${tenant}}:${visitor}`;
  return {
    /** Pub/sub channel an agent reply for this visitor is published on (one per visitor, so an API instance only hears its own). */
    channel: base,
    /** List of replies published while no socket listened: sent when the visitor connects again (see chat-delivery.ts). */
    pending: (tenant: string, visitor: string) => `${base(tenant, visitor)}:pending`,
  };
}

// ─── cs:acct ─────────────────────────────────────────────────────────────────────────────────────
// Owned by accounts (src/accounts): people, their sessions and sign-in throttles, API keys; and by src/canned: the
// canned responses admins keep for the tenant's agents. Never on the event log (but for their audit events).

export function accountKeys(instance: string) {
  const base = `cs:acct:{${instance}}`;
  return {
    /** Hash: email, name, role, agent, language, timeZone, password (scrypt), disabled, epoch, created, updated. */
    account: (tenant: string, id: string) => `${base}:person:${tenant}:${id}`,
    /** Hash: lowercased e-mail -> account id, per tenant. */
    byEmail: (tenant: string) => `${base}:email:${tenant}`,
    /** Set: the tenant's account ids. */
    people: (tenant: string) => `${base}:people:${tenant}`,
    /** String with EX (the idle expiry): a signed-in session's JSON, by session id. */
    session: (id: string) => `${base}:session:${id}`,
    /** Counter with EX: failed sign-ins for one account, or from one address. */
    failures: (who: string) => `${base}:signin-failures:${who}`,
    /** Hash: tenant, name, scopes, hash (SHA-256 of the secret), created, createdBy, lastUsed, revoked; by key id. */
    apiKey: (id: string) => `${base}:key:${id}`,
    /** Set: the tenant's key ids. */
    apiKeys: (tenant: string) => `${base}:keys:${tenant}`,
    /** Hash: shortcut, title, text, updatedAt, updatedBy; by canned response id (src/canned, what admins keep for agents). */
    cannedResponse: (tenant: string, id: string) => `${base}:canned:${tenant}:${id}`,
    /** Hash: shortcut -> canned response id, per tenant: the shortcuts taken, and how many there are. */
    cannedShortcuts: (tenant: string) => `${base}:canned-shortcuts:${tenant}`,
  };
}

// ─── cs:live ─────────────────────────────────────────────────────────────────────────────────────
// Written by the fold workers after each commit (projections/changes.ts), read by the API's change stream (GET /v1/stream).

export function liveKeys(instance: string) {
  return {
    /** Stream (XADD, capped): what the live fold committed for the tenant, one entry per event: type, customer, conversation, event id. */
    changes: (tenant: string) => `cs:live:{${instance}}:${tenant}`,
  };
}
