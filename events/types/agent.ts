import { z } from 'zod';
import type { EventDefinition } from '../definition.ts';
import { idSchema } from './common.ts';

/**
 * agent.* events name an agent, not a customer: the envelope's `customer` attribute (the partition
 * key) is `agent:<agent id>`, so one agent's changes stay in order on one partition.
 */
export const AGENT_SUBJECT_PREFIX = 'agent:';
export const agentSubject = (agent: string) => `${AGENT_SUBJECT_PREFIX}${agent}`;
export const isAgentSubject = (customer: string) => customer.startsWith(AGENT_SUBJECT_PREFIX);

/** online: takes new conversations; away: keeps what it holds, takes nothing new; offline: signed out. */
export const agentStatusSchema = z.enum(['online', 'away', 'offline']);

const seatsOverride = z.number().int().min(0).max(100).nullable().optional();

/**
 * Capacity set for the session, per channel, over the configured one: a number replaces it, null
 * goes back to the configured capacity, a channel left out keeps whatever it had.
 */
export const capacityOverrideSchema = z.strictObject({ email: seatsOverride, chat: seatsOverride, sms: seatsOverride, social: seatsOverride });

export const agentStatusChangedData = z
  .strictObject({
    agent: idSchema,
    status: agentStatusSchema,
    /** Raised or lowered capacity (a supervisor opening more chat seats at peak, say). */
    capacity: capacityOverrideSchema.optional(),
  })
  .describe('An agent went online, away or offline, or changed how many conversations they take at once.');

export const agentStatusChanged = { schema: agentStatusChangedData, version: 1, upcasters: {} } satisfies EventDefinition;
