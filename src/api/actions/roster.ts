import { agentNamed, teamNamed } from '../../domain/actions/index.ts';
import type { AgentConfig, TeamConfig } from '../../domain/routing/config.ts';
import type { TenantSettings } from '../../tenants/settings.ts';

/** A configured agent of the tenant; agents exist in configuration, not in the log. */
export const configuredAgent = (settings: TenantSettings, id: string): AgentConfig | undefined => agentNamed(settings.routing, id);

export const configuredTeam = (settings: TenantSettings, name: string): TeamConfig | undefined => teamNamed(settings.routing, name);
