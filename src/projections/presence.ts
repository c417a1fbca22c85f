import type { AgentLive } from '../domain/routing/agents.ts';

/** An agent's presence as the projection keeps it, with the offset of the last event applied. */
export interface StoredPresence {
  status: AgentLive['status'];
  since: string | null;
  capacity: AgentLive['capacity'];
  pos: string;
}
