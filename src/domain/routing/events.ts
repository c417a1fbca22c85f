/**
 * The routing events' data types. The schemas live in the contract (`events/types/agent.ts`); this
 * module names the types the routing domain reads.
 */
import type { z } from 'zod';
import type { agentStatusChangedData, agentStatusSchema, capacityOverrideSchema } from '../../../events/types/agent.ts';

export type AgentStatus = z.output<typeof agentStatusSchema>;
export type CapacityOverride = z.output<typeof capacityOverrideSchema>;
export type AgentStatusChangedData = z.output<typeof agentStatusChangedData>;
