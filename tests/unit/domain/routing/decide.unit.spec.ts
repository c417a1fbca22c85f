import { describe, expect, it } from 'vitest';
import { evolveBoard, roundRobinCursor } from '../../../../src/domain/routing/agents.ts';
import { decideAssignment, speaks, type RoundRobinCursor, type Task } from '../../../../src/domain/routing/decide.ts';
import type { AgentBoard } from '../../../../src/domain/routing/agents.ts';
import type { AgentConfig, TeamConfig } from '../../../../src/domain/routing/config.ts';
import { agent, assigned, at, away, boardOf, offline, online, task, team } from './given.ts';

const support = team('support');
const billing = team('billing', { requiredSkills: { refund: ['refunds'] } });
const teams = [support, billing, team('rr', { strategy: 'round-robin' }), team('idle', { strategy: 'longest-idle' })];

const decide = (t: Task, board: AgentBoard, agents: readonly AgentConfig[], cursor: RoundRobinCursor = {}, withTeams: readonly TeamConfig[] = teams) =>
  decideAssignment(t, board, withTeams, agents, cursor);

const allOnline = (...ids: string[]) => ids.map((id) => online(id, at(0)));

describe('who may take a conversation', () => {
  it('only agents with every skill the team requires for the category, even if busier', () => {
    const ann = agent('ann', { teams: ['billing'], skills: ['refunds'] });
    const bob = agent('bob', { teams: ['billing'] });
    const board = boardOf(...allOnline('ann', 'bob'), assigned('c0', 'ann', at(1), { team: 'billing' }));
    expect(decide(task('c1', { team: 'billing', category: 'refund' }), board, [ann, bob])).toEqual({ kind: 'assign', agent: 'ann', reason: 'least-busy' });
    // Another category needs no skill: the less busy one takes it.
    expect(decide(task('c1', { team: 'billing', category: 'invoice' }), board, [ann, bob])).toEqual({ kind: 'assign', agent: 'bob', reason: 'least-busy' });
  });

  it('skills the task itself requires come on top of the team’s', () => {
    const ann = agent('ann', { teams: ['billing'], skills: ['refunds'] });
    const cat = agent('cat', { teams: ['billing'], skills: ['refunds', 'vip'] });
    const board = boardOf(...allOnline('ann', 'cat'), assigned('c0', 'cat', at(1)));
    expect(decide(task('c1', { team: 'billing', category: 'refund', requiredSkills: ['vip'] }), board, [ann, cat])).toMatchObject({ agent: 'cat' });
  });

  it('nobody in the team with the skills: it waits, saying why', () => {
    const bob = agent('bob', { teams: ['billing'] });
    expect(decide(task('c1', { team: 'billing', category: 'refund' }), boardOf(...allOnline('bob')), [bob])).toEqual({ kind: 'queue', reason: 'no-eligible-agent' });
  });

  it('only members of the conversation’s team', () => {
    const ann = agent('ann', { teams: ['billing'] });
    const bob = agent('bob', { teams: ['support'] });
    const board = boardOf(...allOnline('ann', 'bob'), assigned('c0', 'bob', at(1)));
    expect(decide(task('c1', { team: 'billing' }), board, [ann, bob])).toMatchObject({ agent: 'ann' });
    expect(decide(task('c1', { team: 'support' }), board, [ann, bob])).toMatchObject({ agent: 'bob' });
  });

  it('only agents who speak the language; a language covers its regional forms', () => {
    const ann = agent('ann', { languages: ['en'] });
    const dora = agent('dora', { languages: ['en', 'de'] });
    const board = boardOf(...allOnline('ann', 'dora'), assigned('c0', 'dora', at(1)));
    expect(decide(task('c1', { language: 'de-AT' }), board, [ann, dora])).toMatchObject({ agent: 'dora' });
    expect(decide(task('c1', { language: 'fr' }), board, [ann, dora])).toEqual({ kind: 'queue', reason: 'no-eligible-agent' });
    // Unknown language: anyone; the less busy one.
    expect(decide(task('c1', { language: null }), board, [ann, dora])).toMatchObject({ agent: 'ann' });
  });

  it('language tags: de ~ de-AT both ways, case-insensitively; pt-BR is not pt-PT; en is not eng', () => {
    expect(speaks(['de'], 'de-AT')).toBe(true);
    expect(speaks(['pt-BR'], 'pt')).toBe(true);
    expect(speaks(['ZH-hant'], 'zh-Hant')).toBe(true);
    expect(speaks(['pt-BR'], 'pt-PT')).toBe(false);
    expect(speaks(['en'], 'eng')).toBe(false);
  });

  it('only online agents: away and offline ones wait it out', () => {
    const ann = agent('ann');
    const bob = agent('bob');
    const board = boardOf(online('ann', at(0)), away('ann', at(1)), online('bob', at(0)), offline('bob', at(1)));
    expect(decide(task('c1'), board, [ann, bob])).toEqual({ kind: 'queue', reason: 'nobody-online' });
    expect(decide(task('c1'), evolveBoard(board, online('bob', at(2))), [ann, bob])).toMatchObject({ kind: 'assign', agent: 'bob' });
  });

  it('a team that is not configured: it waits', () => {
    expect(decide(task('c1', { team: 'sales' }), boardOf(...allOnline('ann')), [agent('ann', { teams: ['support'] })])).toEqual({ kind: 'queue', reason: 'unknown-team' });
  });
});

describe('capacity is per channel', () => {
  const ann = agent('ann', { capacity: { chat: 2, email: 5 } });
  const chatFull = boardOf(online('ann', at(0)), assigned('c1', 'ann', at(1)), assigned('c2', 'ann', at(2)));

  it('an agent full on chat gets no chat, and the chat waits', () => {
    expect(decide(task('c3', { channel: 'chat' }), chatFull, [ann])).toEqual({ kind: 'queue', reason: 'no-capacity' });
  });

  it('an agent full on chat can still take an email', () => {
    expect(decide(task('c3', { channel: 'email' }), chatFull, [ann])).toEqual({ kind: 'assign', agent: 'ann', reason: 'least-busy' });
  });

  it('a channel with no seats configured is one the agent does not take', () => {
    expect(decide(task('c3', { channel: 'sms' }), boardOf(online('ann', at(0))), [ann])).toEqual({ kind: 'queue', reason: 'no-capacity' });
  });

  it('capacity raised for the session opens seats; lowered, closes them', () => {
    expect(decide(task('c3'), evolveBoard(chatFull, online('ann', at(3), { chat: 3 })), [ann])).toMatchObject({ kind: 'assign', agent: 'ann' });
    expect(decide(task('c3', { channel: 'email' }), evolveBoard(chatFull, online('ann', at(3), { email: 0 })), [ann])).toEqual({ kind: 'queue', reason: 'no-capacity' });
  });
});

describe('strategies', () => {
  it('least-busy: the fewest conversations on the task’s channel', () => {
    const board = boardOf(...allOnline('ann', 'bob'), assigned('c1', 'ann', at(1)), ...['e1', 'e2', 'e3'].map((c) => assigned(c, 'bob', at(1), { channel: 'email' })));
    // Bob holds more in all, but no chat: for a chat, he is the less busy one.
    expect(decide(task('x', { channel: 'chat' }), board, [agent('ann'), agent('bob')])).toEqual({ kind: 'assign', agent: 'bob', reason: 'least-busy' });
    expect(decide(task('x', { channel: 'email' }), board, [agent('ann'), agent('bob')])).toMatchObject({ agent: 'ann' });
  });

  it('least-busy: equal on the channel, the fewest in all; equal in all, the lowest agent id', () => {
    const board = boardOf(...allOnline('ann', 'bob', 'cat'), assigned('e1', 'ann', at(1), { channel: 'email' }));
    expect(decide(task('x'), board, [agent('cat'), agent('ann'), agent('bob')])).toMatchObject({ agent: 'bob' });
    expect(decide(task('x'), boardOf(...allOnline('cat', 'bob')), [agent('cat'), agent('bob')])).toMatchObject({ agent: 'bob' });
  });

  it('round-robin: each pick goes to the next agent in id order after the last pick, wrapping round', () => {
    const agents = ['dan', 'ann', 'cat', 'bob'].map((id) => agent(id, { teams: ['rr'], capacity: { chat: 10 } }));
    let board = boardOf(...allOnline('ann', 'bob', 'cat', 'dan'));
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      const decision = decide(task(`c${i}`, { team: 'rr' }), board, agents, roundRobinCursor(board));
      if (decision.kind !== 'assign') throw new Error('expected an assignment');
      expect(decision.reason).toBe('round-robin');
      picks.push(decision.agent);
      board = evolveBoard(board, assigned(`c${i}`, decision.agent, at(1 + i), { team: 'rr', reason: 'round-robin' }));
    }
    expect(picks).toEqual(['ann', 'bob', 'cat', 'dan', 'ann', 'bob']);
  });

  it('round-robin: an agent without a free seat is passed over, and so is the cursor of an agent no longer configured', () => {
    const agents = ['ann', 'bob', 'cat'].map((id) => agent(id, { teams: ['rr'] }));
    const board = boardOf(...allOnline('ann', 'bob', 'cat'), assigned('c1', 'bob', at(1), { team: 'rr' }), assigned('c2', 'bob', at(1), { team: 'rr' }));
    expect(decide(task('x', { team: 'rr' }), board, agents, { rr: 'ann' })).toMatchObject({ agent: 'cat', reason: 'round-robin' });
    expect(decide(task('x', { team: 'rr' }), board, agents, { rr: 'bea' })).toMatchObject({ agent: 'cat' });
    expect(decide(task('x', { team: 'rr' }), board, agents, { rr: 'cat' })).toMatchObject({ agent: 'ann' });
    // Another team's cursor is not this team's.
    expect(decide(task('x', { team: 'rr' }), board, agents, { support: 'ann' })).toMatchObject({ agent: 'ann' });
  });

  it('longest-idle: the agent whose last assignment is oldest, however busy', () => {
    const agents = ['ann', 'bob', 'cat'].map((id) => agent(id, { teams: ['idle'], capacity: { chat: 5 } }));
    const board = boardOf(
      ...allOnline('ann', 'bob', 'cat'),
      assigned('c1', 'bob', at(10)),
      assigned('c2', 'bob', at(11)),
      assigned('c3', 'ann', at(20)),
      assigned('c4', 'cat', at(30)),
    );
    expect(decide(task('x', { team: 'idle' }), board, agents)).toEqual({ kind: 'assign', agent: 'bob', reason: 'longest-idle' });
  });

  it('longest-idle: coming back online counts as becoming idle, later than an old assignment', () => {
    const agents = ['ann', 'bob'].map((id) => agent(id, { teams: ['idle'] }));
    // Ann's last assignment (at 1) is older than Bob's (at 20), but she came back online at 40.
    const board = boardOf(online('ann', at(0)), assigned('c1', 'ann', at(1)), away('ann', at(2)), online('ann', at(40)), online('bob', at(0)), assigned('c2', 'bob', at(20)));
    expect(decide(task('x', { team: 'idle' }), board, agents)).toEqual({ kind: 'assign', agent: 'bob', reason: 'longest-idle' });
  });

  it('longest-idle: agents never assigned compare by when they came online', () => {
    const agents = ['ann', 'bob'].map((id) => agent(id, { teams: ['idle'] }));
    expect(decide(task('x', { team: 'idle' }), boardOf(online('ann', at(10)), online('bob', at(0))), agents)).toMatchObject({ agent: 'bob' });
  });
});

describe('sticky routing', () => {
  const agents = [agent('ann'), agent('bob', { capacity: { chat: 3, email: 5 } })];
  const bobBusier = [...allOnline('ann', 'bob'), assigned('c1', 'bob', at(1))];

  it('the customer’s last agent gets it first, even when the strategy would pick another', () => {
    expect(decide(task('x', { lastAgent: 'bob' }), boardOf(...bobBusier), agents)).toEqual({ kind: 'assign', agent: 'bob', reason: 'sticky' });
  });

  it('falls back to the strategy when the last agent is offline or away', () => {
    expect(decide(task('x', { lastAgent: 'bob' }), boardOf(...bobBusier, offline('bob', at(2))), agents)).toEqual({ kind: 'assign', agent: 'ann', reason: 'least-busy' });
    expect(decide(task('x', { lastAgent: 'bob' }), boardOf(...bobBusier, away('bob', at(2))), agents)).toEqual({ kind: 'assign', agent: 'ann', reason: 'least-busy' });
  });

  it('falls back when the last agent is full on this channel, yet sticks on a channel with a free seat', () => {
    const full = boardOf(...bobBusier, assigned('c2', 'bob', at(2)), assigned('c3', 'bob', at(3)));
    expect(decide(task('x', { lastAgent: 'bob' }), full, agents)).toEqual({ kind: 'assign', agent: 'ann', reason: 'least-busy' });
    expect(decide(task('x', { lastAgent: 'bob', channel: 'email' }), full, agents)).toEqual({ kind: 'assign', agent: 'bob', reason: 'sticky' });
  });

  it('falls back when the conversation has moved to a team the last agent is not in, or needs a skill they lack', () => {
    const withTier2 = [...teams, team('tier2', { strategy: 'round-robin' })];
    const mixed = [agent('ann', { teams: ['support', 'tier2'], skills: ['debugging'] }), agent('bob', { capacity: { chat: 3, email: 5 } })];
    const board = boardOf(...allOnline('ann', 'bob'));
    expect(decide(task('x', { lastAgent: 'bob', team: 'tier2' }), board, mixed, {}, withTier2)).toEqual({ kind: 'assign', agent: 'ann', reason: 'round-robin' });
    expect(decide(task('x', { lastAgent: 'bob', requiredSkills: ['debugging'] }), board, mixed)).toEqual({ kind: 'assign', agent: 'ann', reason: 'least-busy' });
  });

  it('a last agent who is no longer configured is ignored', () => {
    expect(decide(task('x', { lastAgent: 'zed' }), boardOf(...allOnline('ann', 'bob', 'zed')), agents)).toEqual({ kind: 'assign', agent: 'ann', reason: 'least-busy' });
  });
});

describe('determinism', () => {
  it('the order agents are configured in does not change the decision', () => {
    const ids = ['eve', 'bob', 'dan', 'ann', 'cat'];
    const board = boardOf(...allOnline(...ids), assigned('c1', 'ann', at(1)), assigned('c2', 'dan', at(1)));
    for (const strategyTeam of ['support', 'rr', 'idle']) {
      const agents = ids.map((id) => agent(id, { teams: [strategyTeam] }));
      const decisions = [agents, [...agents].reverse(), [...agents].sort((a, b) => a.name.length - b.name.length || (a.id < b.id ? 1 : -1))].map((list) =>
        decide(task('x', { team: strategyTeam }), board, list, { rr: 'cat' }),
      );
      expect(new Set(decisions.map((d) => JSON.stringify(d))).size, strategyTeam).toBe(1);
    }
  });
});
