import type { AgentConfig, RoutingSettings, TeamConfig } from '../routing/config.ts';

/** The tenant's configured agents and teams: agents exist in configuration, not in the log. */
export type Roster = Pick<RoutingSettings, 'agents' | 'teams'>;

export const agentNamed = (roster: Pick<Roster, 'agents'>, id: string): AgentConfig | undefined => roster.agents.find((a) => a.id === id);

export const teamNamed = (roster: Pick<Roster, 'teams'>, name: string): TeamConfig | undefined => roster.teams.find((t) => t.name === name);
