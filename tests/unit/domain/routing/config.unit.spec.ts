import { describe, expect, it } from 'vitest';
import {
  exampleRoutingSettings,
  exampleRoutingSettingsInput,
  routingSettingsSchema,
  skillsFor,
  type RoutingSettingsInput,
} from '../../../../src/domain/routing/config.ts';

const base = {
  teams: [{ name: 'support' }, { name: 'tier2' }],
  agents: [{ id: 'a1', name: 'Ann', teams: ['support'], languages: ['en'], capacity: { chat: 2 } }],
} satisfies RoutingSettingsInput;

const messages = (input: unknown) => {
  const parsed = routingSettingsSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('routing settings', () => {
  it('the example parses, and defaults fill what it leaves out', () => {
    expect(routingSettingsSchema.safeParse(exampleRoutingSettingsInput).success).toBe(true);
    const support = exampleRoutingSettings.teams.find((t) => t.name === 'supervisors')!;
    expect(support).toEqual({ name: 'supervisors', strategy: 'least-busy', requiredSkills: {}, escalateTo: null });
    const li = exampleRoutingSettings.agents.find((a) => a.id === 'ag_li')!;
    expect(li.skills).toEqual([]);
    expect(li.supervisor).toBe(false);
    const maria = exampleRoutingSettings.agents.find((a) => a.id === 'ag_maria')!;
    // A channel left out is one the agent does not work.
    expect(maria.capacity).toEqual({ email: 12, chat: 2, sms: 0, social: 0 });
  });

  it('a team strategy other than the three is refused', () => {
    expect(messages({ ...base, teams: [{ name: 'support', strategy: 'random' }] })).toHaveLength(1);
  });

  it('an agent in a team that does not exist is refused, naming the agent and team', () => {
    expect(messages({ ...base, agents: [{ ...base.agents[0], teams: ['support', 'sales'] }] })).toEqual(['agents.0.teams.1: agent a1 is in team sales, which is not a team']);
  });

  it('a team or agent listed twice is refused', () => {
    expect(messages({ ...base, teams: [...base.teams, { name: 'support' }] })).toEqual(['teams.2.name: team support is listed twice']);
    expect(messages({ ...base, agents: [...base.agents, ...base.agents] })).toEqual(['agents.1.id: agent a1 is listed twice']);
  });

  it('escalation must go to a team, and the ladder must not loop', () => {
    expect(messages({ ...base, teams: [{ name: 'support', escalateTo: 'nowhere' }, { name: 'tier2' }] })).toEqual([
      'teams.0.escalateTo: team support escalates to nowhere, which is not a team',
    ]);
    const loop = messages({ ...base, teams: [{ name: 'support', escalateTo: 'tier2' }, { name: 'tier2', escalateTo: 'support' }] });
    expect(loop).toContain('teams.0.escalateTo: the escalation ladder from support loops (support -> tier2 -> support)');
    expect(messages({ ...base, teams: [{ name: 'support', escalateTo: 'tier2' }, { name: 'tier2' }] })).toEqual([]);
  });

  it('languages are BCP 47 tags, capacities whole and not negative', () => {
    expect(messages({ ...base, agents: [{ ...base.agents[0], languages: ['English'] }] })).toHaveLength(1);
    expect(messages({ ...base, agents: [{ ...base.agents[0], capacity: { chat: -1 } }] })).toHaveLength(1);
    expect(messages({ ...base, agents: [{ ...base.agents[0], capacity: { chat: 1.5 } }] })).toHaveLength(1);
  });

  it('skillsFor reads the team’s skills for a category, none for other categories or teams', () => {
    const teams = exampleRoutingSettings.teams;
    expect(skillsFor(teams, 'tech-tier2', 'technical')).toEqual(['product', 'debugging']);
    expect(skillsFor(teams, 'tech-tier2', 'billing')).toEqual([]);
    expect(skillsFor(teams, 'tech-tier2', null)).toEqual([]);
    expect(skillsFor(teams, 'nope', 'technical')).toEqual([]);
  });
});
