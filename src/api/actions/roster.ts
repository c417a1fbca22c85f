import type { AgentConfig, TeamConfig } from '../../domain/routing/config.ts';
import type { TenantSettings } from '../../tenants/settings.ts';

/** A configured agent of the tenant; agents exist in configuration, not in the log. */
export const configuredAgent = (settings: TenantSettings, id: string): AgentConfig | undefined => settings.routing.agents.find((a) => a.id === id);

export const configuredTeam = (settings: TenantSettings, name: string): TeamConfig | undefined => settings.routing.teams.find((t) => t.name === name);
