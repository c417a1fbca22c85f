import { z } from 'zod';
import { sealable } from '../sealed.ts';
import type { EventDefinition } from '../definition.ts';
import { actorSchema, idSchema, prioritySchema } from './common.ts';
import { channelSchema } from './message.ts';

/** Every conversation.* event names its conversation in the envelope's `conversation` attribute. */

export const conversationTriagedData = z
  .strictObject({
    /** Contact reason (refund, technical, billing, complaint, general, or a tenant's own). */
    category: z.string().min(1).max(64),
    priority: prioritySchema,
    /** BCP 47 language of the customer's messages, for routing to agents who speak it. */
    language: z.string().min(2).max(35).nullable(),
    /** Team whose queue the conversation belongs to. */
    team: z.string().min(1).max(64).nullable(),
    /** Why: the rules that fired, for agents and audits. */
    reasons: z.array(z.string().max(200)).max(20).default([]),
  })
  .describe('Triage classified a conversation: contact reason, priority, language and team.');

export const conversationAssignedData = z
  .strictObject({
    /** The agent now handling the conversation. */
    assignee: idSchema,
    team: z.string().min(1).max(64).nullable(),
    /** How the agent was chosen: sticky, least-busy, round-robin, longest-idle, manual, escalation. */
    reason: z.string().min(1).max(64),
    /**
     * The channel whose seat the assignment takes (a conversation may span channels; the router
     * charged one). Absent on older events: readers take the conversation's reply-to channel.
     */
    channel: channelSchema.optional(),
    /** What the agent should know on taking it (the bot's hand-off summary, an escalation). */
    context: sealable(z.string().max(5000)).optional(),
    /**
     * Who assigned it: the agent or supervisor for a manual assignment (`{kind: 'system', id: 'api'}`
     * when the request named nobody), `{kind: 'system', id: 'routing'}` for routing's own. Absent on
     * older events (routing's, and manual ones whose request named nobody).
     */
    by: actorSchema.optional(),
  })
  .describe('A conversation was given to an agent.');

export const conversationTransferredData = z
  .strictObject({
    /** The new agent, or null to put it back in a team queue. */
    toAgent: idSchema.nullable(),
    /** The new team, or null to keep the current one. */
    toTeam: z.string().min(1).max(64).nullable(),
    by: actorSchema,
    reason: sealable(z.string().max(500)).optional(),
  })
  .describe('A conversation moved to another agent or team.');

export const conversationEscalatedData = z
  .strictObject({
    /** The rung of the escalation ladder reached (for example tier2, supervisor). */
    tier: z.string().min(1).max(64),
    priority: prioritySchema,
    /** Team that now owns it, when the rung moves it. */
    team: z.string().min(1).max(64).nullable(),
    reason: z.string().min(1).max(500),
  })
  .describe('A conversation climbed the escalation ladder (usually after an SLA breach).');

export const conversationResolvedData = z
  .strictObject({
    by: actorSchema,
    /**
     * When it counts as resolved. For an inactivity resolution this is the end of the quiet
     * window (last activity + autoResolveAfter), whenever the timer fired, so live equals replay.
     */
    at: z.iso.datetime({ offset: true }),
    /** inactivity: nobody wrote for the tenant's autoResolveAfter window. */
    reason: z.enum(['agent', 'customer', 'inactivity', 'bot', 'merged']),
  })
  .describe('A conversation was resolved.');

export const conversationReopenedData = z
  .strictObject({
    by: actorSchema,
    reason: sealable(z.string().max(500)).optional(),
  })
  .describe('A resolved conversation was opened again.');

export const conversationPriorityChangedData = z
  .strictObject({
    priority: prioritySchema,
    by: actorSchema,
  })
  .describe('Someone set a conversation’s priority.');

const v1 = <S extends z.ZodType>(schema: S) => ({ schema, version: 1, upcasters: {} }) satisfies EventDefinition;

export const conversationTriaged = v1(conversationTriagedData);
export const conversationAssigned = v1(conversationAssignedData);
export const conversationTransferred = v1(conversationTransferredData);
export const conversationEscalated = v1(conversationEscalatedData);
export const conversationResolved = v1(conversationResolvedData);
export const conversationReopened = v1(conversationReopenedData);
export const conversationPriorityChanged = v1(conversationPriorityChangedData);
