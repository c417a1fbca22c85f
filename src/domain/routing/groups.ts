/**
 * Routing groups: a tenant's teams linked by the agents they share. A placement takes a seat of an
 * agent of the conversation's own team (`decideAssignment` looks at no other), so teams that share
 * no agent, directly or through other teams, never compete for a seat: draining each group apart
 * decides exactly the placements draining them together decides. The workflow drains each group
 * under a lock of its own, so the unit of exclusion is no larger than the seats it guards.
 *
 * Pure: from the tenant's routing settings alone, the same for every process with the same settings.
 */
import type { AgentConfig, TeamConfig } from './config.ts';

export interface RoutingGroup {
  /** The group's smallest team name (code-unit order): stable while its teams and their agents are. */
  id: string;
  /** Its teams, in settings order. */
  teams: TeamConfig[];
  /** The agents of its teams, in settings order (an agent is in exactly one group). */
  agents: AgentConfig[];
}

/** The tenant's teams partitioned by shared agents, in id order. An agent's teams that are not configured are left out. */
export function routingGroups(teams: readonly TeamConfig[], agents: readonly AgentConfig[]): RoutingGroup[] {
  const parent = new Map<string, string>(teams.map((t) => [t.name, t.name]));
  const root = (name: string): string => {
    let r = name;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(name, r);
    return r;
  };
  const join = (a: string, b: string) => {
    const [ra, rb] = [root(a), root(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  for (const agent of agents) {
    const known = agent.teams.filter((t) => parent.has(t));
    for (const t of known.slice(1)) join(known[0]!, t);
  }
  const groups = new Map<string, RoutingGroup>();
  for (const team of teams) {
    const id = root(team.name);
    const group = groups.get(id) ?? { id, teams: [], agents: [] };
    group.teams.push(team);
    groups.set(id, group);
  }
  for (const agent of agents) {
    const first = agent.teams.find((t) => parent.has(t));
    if (first !== undefined) groups.get(root(first))!.agents.push(agent);
  }
  return [...groups.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The group whose queues hold `team`'s conversations; undefined for a team the settings do not have. */
export function groupOfTeam(groups: readonly RoutingGroup[], team: string): RoutingGroup | undefined {
  return groups.find((g) => g.teams.some((t) => t.name === team));
}

/** The group whose seats are `agent`'s; undefined for an agent of no configured team. */
export function groupOfAgent(groups: readonly RoutingGroup[], agent: string): RoutingGroup | undefined {
  return groups.find((g) => g.agents.some((a) => a.id === agent));
}
