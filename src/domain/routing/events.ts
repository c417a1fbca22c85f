/**
 * The data of the events routing adds to the catalogue, in the catalogue's form (one zod schema per
 * type, plus its definition) so `events/catalogue.ts` can list them with one line each.
 *
 * agent.status_changed names an agent, not a customer: its envelope's `customer` (the partition
 * key) should be the agent id, so one agent's changes stay in order on one partition.
 */
import { z } from 'zod';
import type { EventDefinition } from '../../../events/catalogue.ts';
import { idSchema } from '../../../events/types/common.ts';
import { channelSchema } from '../../../events/types/message.ts';

/** online: takes new conversations; away: keeps what it holds, takes nothing new; offline: signed out. */
export const agentStatusSchema = z.enum(['online', 'away', 'offline']);
export type AgentStatus = z.output<typeof agentStatusSchema>;

const seatsOverride = z.number().int().min(0).max(100).nullable().optional();

/**
 * Capacity set for the session, per channel, over the configured one: a number replaces it, null
 * goes back to the configured capacity, a channel left out keeps whatever it had.
 */
export const capacityOverrideSchema = z.strictObject({ email: seatsOverride, chat: seatsOverride, sms: seatsOverride, social: seatsOverride });
export type CapacityOverride = z.output<typeof capacityOverrideSchema>;

export const agentStatusChangedData = z
  .strictObject({
    agent: idSchema,
    status: agentStatusSchema,
    /** Raised or lowered capacity (a supervisor opening more chat seats at peak, say). */
    capacity: capacityOverrideSchema.optional(),
  })
  .describe('An agent went online, away or offline, or changed how many conversations they take at once.');

export type AgentStatusChangedData = z.output<typeof agentStatusChangedData>;

export const agentStatusChanged = { schema: agentStatusChangedData, version: 1, upcasters: {} } satisfies EventDefinition;

/**
 * Proposed optional field of conversation.assigned: the channel whose capacity the assignment
 * takes. Without it the agents' board cannot be folded from the log alone (a conversation may
 * span channels; the router charged one). Optional, so no version bump: old events get the
 * channel of the conversation's reply-to identity when read.
 */
export const assignmentChannelData = z.strictObject({ channel: channelSchema.optional() });
