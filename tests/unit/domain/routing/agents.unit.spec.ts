import { describe, expect, it } from 'vitest';
import { capacityOf, evolveBoard, freeSeats, roundRobinCursor, teamsWithFreedCapacity } from '../../../../src/domain/routing/agents.ts';
import { agent, assigned, at, away, boardOf, deepFreeze, given, offline, online, resolved, transferred } from './given.ts';

const ann = agent('ann', { teams: ['support', 'billing'], capacity: { chat: 2, email: 5 } });
const bob = agent('bob', { teams: ['tech'] });

describe('the agents board: status', () => {
  it('given an agent never seen, when they go online, then they are online since that time with no load', () => {
    const board = boardOf(online('ann', at(0)));
    expect(board.agents['ann']).toEqual({
      status: 'online',
      since: at(0),
      load: { email: [], chat: [], sms: [], social: [] },
      lastAssignedAt: null,
      capacity: {},
    });
  });

  it('a status event that repeats the status (only capacity changed) keeps the time the status began', () => {
    const board = boardOf(online('ann', at(0)), online('ann', at(30), { chat: 4 }));
    expect(board.agents['ann']).toMatchObject({ status: 'online', since: at(0), capacity: { chat: 4 } });
    expect(boardOf(online('ann', at(0)), away('ann', at(30))).agents['ann']).toMatchObject({ status: 'away', since: at(30) });
  });

  it('a capacity override replaces the configured seats; null goes back to the configuration; a channel left out keeps its override', () => {
    const raised = boardOf(online('ann', at(0), { chat: 4, email: 1 }));
    expect(capacityOf(raised, ann, 'chat')).toBe(4);
    expect(capacityOf(raised, ann, 'email')).toBe(1);
    const reset = evolveBoard(raised, online('ann', at(5), { chat: null }));
    expect(capacityOf(reset, ann, 'chat')).toBe(2);
    expect(capacityOf(reset, ann, 'email')).toBe(1);
  });

  it('only an online agent has free seats; away and offline keep what they hold', () => {
    const board = boardOf(online('ann', at(0)), assigned('c1', 'ann', at(1)), away('ann', at(2)));
    expect(freeSeats(board, ann, 'chat')).toBe(0);
    expect(board.agents['ann']!.load.chat).toEqual(['c1']);
    const back = evolveBoard(board, online('ann', at(3)));
    expect(freeSeats(back, ann, 'chat')).toBe(1);
    expect(freeSeats(evolveBoard(back, offline('ann', at(4))), ann, 'email')).toBe(0);
  });

  it('lowering capacity below the load leaves no free seat, not a negative one', () => {
    const board = boardOf(online('ann', at(0)), assigned('c1', 'ann', at(1)), assigned('c2', 'ann', at(2)), online('ann', at(3), { chat: 1 }));
    expect(freeSeats(board, ann, 'chat')).toBe(0);
  });
});

describe('the agents board: load', () => {
  it('an assignment takes a seat on its own channel only', () => {
    const board = boardOf(online('ann', at(0)), assigned('c1', 'ann', at(1), { channel: 'email' }));
    expect(board.agents['ann']!.load).toEqual({ email: ['c1'], chat: [], sms: [], social: [] });
    expect(board.agents['ann']!.lastAssignedAt).toBe(at(1));
    expect(freeSeats(board, ann, 'email')).toBe(4);
    expect(freeSeats(board, ann, 'chat')).toBe(2);
  });

  it('the same assignment folded twice, or a re-assignment, charges the conversation once', () => {
    const twice = boardOf(assigned('c1', 'ann', at(1)), assigned('c1', 'ann', at(1)));
    expect(twice.agents['ann']!.load.chat).toEqual(['c1']);
    const moved = boardOf(assigned('c1', 'ann', at(1)), assigned('c1', 'bob', at(2)));
    expect(moved.agents['ann']!.load.chat).toEqual([]);
    expect(moved.agents['bob']!.load.chat).toEqual(['c1']);
    expect(moved.holders).toEqual({ c1: { agent: 'bob', channel: 'chat' } });
  });

  it('a transfer moves the seat to the new agent on the same channel; a transfer to the queue frees it', () => {
    const board = boardOf(assigned('c1', 'ann', at(1), { channel: 'sms' }), transferred('c1', 'bob', at(2)));
    expect(board.agents['ann']!.load.sms).toEqual([]);
    expect(board.agents['bob']!.load.sms).toEqual(['c1']);
    expect(board.agents['bob']!.lastAssignedAt).toBe(at(2));
    const queued = evolveBoard(board, transferred('c1', null, at(3)));
    expect(queued.agents['bob']!.load.sms).toEqual([]);
    expect(queued.holders).toEqual({});
  });

  it('a resolution frees the seat; resolving a conversation nobody holds changes nothing', () => {
    const board = boardOf(assigned('c1', 'ann', at(1)), assigned('c2', 'ann', at(2)), resolved('c1', at(3)));
    expect(board.agents['ann']!.load.chat).toEqual(['c2']);
    expect(evolveBoard(board, resolved('c9', at(4)))).toBe(board);
  });

  it('never changes the board it is given', () => {
    const input = deepFreeze(boardOf(online('ann', at(0)), assigned('c1', 'ann', at(1)), assigned('c2', 'bob', at(1), { reason: 'round-robin' })));
    const copy = structuredClone(input);
    for (const e of [online('ann', at(2), { chat: 9 }), assigned('c3', 'ann', at(2), { reason: 'round-robin' }), transferred('c1', 'bob', at(3)), resolved('c2', at(4))]) {
      expect(() => evolveBoard(input, e)).not.toThrow();
    }
    expect(input).toEqual(copy);
  });
});

describe('the agents board does not depend on how customers’ events interleave', () => {
  // Two customers' conversations come from two partitions: their relative order varies.
  const first = [online('ann', at(0)), assigned('c1', 'ann', at(5), { reason: 'round-robin' })];
  const second = [assigned('c2', 'bob', at(3), { reason: 'round-robin' }), assigned('c3', 'ann', at(2))];

  it('the last assignment time and the round-robin cursor keep the latest, whatever the arrival order', () => {
    const one = boardOf(...first, ...second);
    const other = boardOf(...second, ...first);
    expect(one).toEqual(other);
    expect(one.agents['ann']!.lastAssignedAt).toBe(at(5));
    expect(roundRobinCursor(one)).toEqual({ support: 'ann' });
  });

  it('round-robin picks at the same time are ordered by conversation id', () => {
    const a = assigned('c1', 'ann', at(1), { reason: 'round-robin' });
    const b = assigned('c2', 'bob', at(1), { reason: 'round-robin' });
    expect(roundRobinCursor(boardOf(a, b))).toEqual({ support: 'bob' });
    expect(roundRobinCursor(boardOf(b, a))).toEqual({ support: 'bob' });
  });

  it('assignments by other strategies, or without a team, do not move the cursor', () => {
    expect(roundRobinCursor(boardOf(assigned('c1', 'ann', at(1), { reason: 'sticky' }), assigned('c2', 'bob', at(2), { reason: 'round-robin', team: null })))).toEqual({});
  });
});

describe('which team queues to drain after a board change', () => {
  const agents = [ann, bob];
  const full = [online('ann', at(0)), online('bob', at(0)), assigned('c1', 'ann', at(1)), assigned('c2', 'ann', at(2))];

  it('a resolution frees a seat: the teams of its agent', () => {
    const { before, after } = given(...full).when(resolved('c1', at(3)));
    expect(teamsWithFreedCapacity(before, after, agents)).toEqual(['billing', 'support']);
  });

  it('coming online, or back from away, frees seats', () => {
    const { before, after } = given(online('bob', at(0)), away('ann', at(1))).when(online('ann', at(2)));
    expect(teamsWithFreedCapacity(before, after, agents)).toEqual(['billing', 'support']);
  });

  it('raised capacity frees seats, even for an agent full on that channel', () => {
    const { before, after } = given(...full).when(online('ann', at(3), { chat: 3 }));
    expect(teamsWithFreedCapacity(before, after, agents)).toEqual(['billing', 'support']);
  });

  it('a transfer away frees its agent’s seat', () => {
    const { before, after } = given(...full).when(transferred('c1', 'bob', at(3)));
    expect(teamsWithFreedCapacity(before, after, agents)).toEqual(['billing', 'support']);
  });

  it('an assignment, going away, or lowering capacity frees nothing', () => {
    expect(teamsWithFreedCapacity(...pair(given(...full).when(assigned('c3', 'bob', at(3)))), agents)).toEqual([]);
    expect(teamsWithFreedCapacity(...pair(given(...full).when(away('bob', at(3)))), agents)).toEqual([]);
    expect(teamsWithFreedCapacity(...pair(given(...full).when(online('bob', at(3), { email: 1 }))), agents)).toEqual([]);
  });
});

const pair = ({ before, after }: { before: ReturnType<typeof boardOf>; after: ReturnType<typeof boardOf> }) => [before, after] as const;
