import { describe, expect, it } from 'vitest';
import { drainQueue, type DrainResult, type Task } from '../../../../src/domain/routing/decide.ts';
import { groupOfAgent, groupOfTeam, routingGroups } from '../../../../src/domain/routing/groups.ts';
import { roundRobinCursor } from '../../../../src/domain/routing/agents.ts';
import { agent, assigned, at, boardOf, online, task, team } from './given.ts';

const teams = [team('support'), team('billing', { strategy: 'round-robin' }), team('tech', { strategy: 'longest-idle' }), team('tier2'), team('vip')];
const agents = [
  agent('ann', { teams: ['support', 'billing'] }),
  agent('bob', { teams: ['billing'] }),
  agent('cai', { teams: ['tech'], capacity: { chat: 3, email: 0 } }),
  agent('dee', { teams: ['tier2', 'tech'], capacity: { chat: 1, email: 1 } }),
  agent('eve', { teams: ['nowhere'] }),
];

const ids = (gs: ReturnType<typeof routingGroups>) => gs.map((g) => ({ id: g.id, teams: g.teams.map((t) => t.name), agents: g.agents.map((a) => a.id) }));

describe('routing groups', () => {
  it('teams sharing an agent, directly or through another team, are one group; a team nobody shares is a group alone; named by the smallest team name', () => {
    expect(ids(routingGroups(teams, agents))).toEqual([
      { id: 'billing', teams: ['support', 'billing'], agents: ['ann', 'bob'] },
      { id: 'tech', teams: ['tech', 'tier2'], agents: ['cai', 'dee'] },
      { id: 'vip', teams: ['vip'], agents: [] },
    ]);
  });

  it('does not depend on the order of the settings', () => {
    expect(ids(routingGroups([...teams].reverse(), [...agents].reverse())).map((g) => g.id)).toEqual(['billing', 'tech', 'vip']);
  });

  it('finds the group of a team and of an agent; none for what the settings do not route', () => {
    const groups = routingGroups(teams, agents);
    expect(groupOfTeam(groups, 'tier2')?.id).toBe('tech');
    expect(groupOfAgent(groups, 'ann')?.id).toBe('billing');
    expect(groupOfTeam(groups, 'nowhere')).toBeUndefined();
    expect(groupOfAgent(groups, 'eve')).toBeUndefined();
  });

  it('draining each group apart places exactly what one drain of every team places', () => {
    const board = boardOf(online('ann', at(0)), online('bob', at(1)), online('cai', at(0)), online('dee', at(2)), assigned('held', 'cai', at(3), { team: 'tech' }));
    const queue: Task[] = [
      ...Array.from({ length: 6 }, (_, i) => task(`s${i}`, { team: 'support', waitingSince: at(i) })),
      ...Array.from({ length: 6 }, (_, i) => task(`b${i}`, { team: 'billing', priority: i % 2 ? 'high' : 'normal' })),
      ...Array.from({ length: 5 }, (_, i) => task(`t${i}`, { team: i % 2 ? 'tier2' : 'tech', channel: i % 3 ? 'chat' : 'email' })),
      task('v0', { team: 'vip' }),
    ];
    const placements = (r: DrainResult) => r.assignments.map((a) => `${a.task.conversationId}->${a.agent}/${a.reason}`);
    const whole = drainQueue(queue, board, teams, agents, roundRobinCursor(board), at(60));
    const apart = routingGroups(teams, agents).flatMap((g) => {
      const names = new Set(g.teams.map((t) => t.name));
      return placements(drainQueue(queue.filter((t) => names.has(t.team)), board, g.teams, g.agents, roundRobinCursor(board), at(60)));
    });
    expect(placements(whole).length).toBeGreaterThan(4);
    expect(apart.sort()).toEqual(placements(whole).sort());
  });
});
