import { describe, expect, it } from 'vitest';
import { evolveBoard, foldBoard, roundRobinCursor, teamsWithFreedCapacity, type AgentBoard } from '../../../../src/domain/routing/agents.ts';
import { byUrgency, drainQueue, type DrainResult, type Task } from '../../../../src/domain/routing/decide.ts';
import { agent, assigned, at, boardOf, online, resolved, task, team } from './given.ts';

const teams = [team('support'), team('rr', { strategy: 'round-robin' }), team('idle', { strategy: 'longest-idle' })];

const drain = (queue: readonly Task[], board: AgentBoard, agents = [agent('ann')], cursor = roundRobinCursor(board), when = at(60)) =>
  drainQueue(queue, board, teams, agents, cursor, when);

const placed = (result: DrainResult) => result.assignments.map((a) => `${a.task.conversationId}->${a.agent}`);
const waiting = (result: DrainResult) => result.waiting.map((w) => w.task.conversationId);

/** A queue listed least urgent first, so a drain that kept the given order would fail. */
const queue = [
  task('low', { priority: 'low', waitingSince: at(0) }),
  task('normal-late-sla', { priority: 'normal', slaDueAt: at(90), waitingSince: at(1) }),
  task('normal-no-sla', { priority: 'normal', waitingSince: at(0) }),
  task('normal-early-sla', { priority: 'normal', slaDueAt: at(70), waitingSince: at(5) }),
  task('high', { priority: 'high', waitingSince: at(9) }),
  task('urgent', { priority: 'urgent', waitingSince: at(10) }),
];

describe('queue order', () => {
  it('most urgent first: priority, then the earliest SLA deadline (none last), then the longest waiting', () => {
    const tied = [task('b', { waitingSince: at(3) }), task('a', { waitingSince: at(2) })];
    expect([...queue, ...tied].sort(byUrgency).map((t) => t.conversationId)).toEqual([
      'urgent',
      'high',
      'normal-early-sla',
      'normal-late-sla',
      'normal-no-sla',
      'a',
      'b',
      'low',
    ]);
  });

  it('equal in everything, the conversation id decides', () => {
    expect([task('c2'), task('c1')].sort(byUrgency).map((t) => t.conversationId)).toEqual(['c1', 'c2']);
  });
});

describe('draining a queue', () => {
  it('assigns the most urgent first, each taking a seat, until the seats run out', () => {
    const result = drain(queue, boardOf(online('ann', at(0))));
    expect(placed(result)).toEqual(['urgent->ann', 'high->ann']);
    expect(waiting(result)).toEqual(['normal-early-sla', 'normal-late-sla', 'normal-no-sla', 'low']);
    expect(result.waiting.every((w) => w.reason === 'no-capacity')).toBe(true);
    expect(result.board.agents['ann']!.load.chat).toEqual(['high', 'urgent']);
  });

  it('stops deciding once no online agent has a free seat: the rest waits for capacity', () => {
    const result = drain([task('urgent', { priority: 'urgent' }), task('german', { language: 'de' }), task('email', { channel: 'email' })], boardOf(online('ann', at(0)), online('ann', at(0), { chat: 1, email: 0 })));
    expect(placed(result)).toEqual(['urgent->ann']);
    // Not decided: the German chat is not reported as lacking a German speaker.
    expect(result.waiting.map((w) => [w.task.conversationId, w.reason])).toEqual([
      ['email', 'no-capacity'],
      ['german', 'no-capacity'],
    ]);
  });

  it('each assignment takes its seat before the next decision: least-busy spreads them', () => {
    const agents = [agent('ann'), agent('bob'), agent('cat')];
    const result = drain(queue.slice(2), boardOf(...['ann', 'bob', 'cat'].map((id) => online(id, at(0)))), agents);
    expect(placed(result)).toEqual(['urgent->ann', 'high->bob', 'normal-early-sla->cat', 'normal-no-sla->ann']);
  });

  it('round-robin moves on with each assignment of the drain, and returns the cursor it reached', () => {
    const agents = ['ann', 'bob', 'cat'].map((id) => agent(id, { teams: ['rr'], capacity: { chat: 5 } }));
    const board = boardOf(...['ann', 'bob', 'cat'].map((id) => online(id, at(0))));
    const result = drain(['q1', 'q2', 'q3', 'q4'].map((id, i) => task(id, { team: 'rr', waitingSince: at(i) })), board, agents, { rr: 'ann' });
    expect(placed(result)).toEqual(['q1->bob', 'q2->cat', 'q3->ann', 'q4->bob']);
    expect(result.roundRobinCursor).toEqual({ rr: 'bob' });
    expect(roundRobinCursor(result.board)).toEqual({ rr: 'bob' });
  });

  it('longest-idle sees the drain’s own assignments as the latest', () => {
    const agents = ['ann', 'bob'].map((id) => agent(id, { teams: ['idle'], capacity: { chat: 5 } }));
    const board = boardOf(online('ann', at(0)), online('bob', at(1)));
    const result = drain(['q1', 'q2', 'q3'].map((id, i) => task(id, { team: 'idle', waitingSince: at(i) })), board, agents);
    expect(placed(result)).toEqual(['q1->ann', 'q2->bob', 'q3->ann']);
  });

  it('a task nobody fits is passed over, not a stop: a chat-full agent still takes the email behind it', () => {
    const board = boardOf(online('ann', at(0)), assigned('c1', 'ann', at(1)), assigned('c2', 'ann', at(1)));
    const result = drain(
      [task('german', { priority: 'urgent', language: 'de' }), task('chat', { priority: 'high' }), task('email', { channel: 'email' })],
      board,
    );
    expect(placed(result)).toEqual(['email->ann']);
    expect(result.waiting).toEqual([
      { task: expect.objectContaining({ conversationId: 'german' }), reason: 'no-eligible-agent' },
      { task: expect.objectContaining({ conversationId: 'chat' }), reason: 'no-capacity' },
    ]);
  });

  it('nobody online: the whole queue waits', () => {
    const result = drain(queue, boardOf());
    expect(result.assignments).toEqual([]);
    expect(waiting(result)).toHaveLength(queue.length);
  });

  it('the board it returns is what folding the assignments as events gives (live equals replay)', () => {
    const agents = [agent('ann'), agent('bob', { capacity: { chat: 3 } })];
    const board = boardOf(online('ann', at(0)), online('bob', at(0)), assigned('c0', 'ann', at(1)));
    const result = drain(queue, board, agents);
    const replayed = foldBoard(
      result.assignments.map((a) => assigned(a.task.conversationId, a.agent, at(60), { team: a.task.team, reason: a.reason, channel: a.task.channel })),
      board,
    );
    expect(result.board).toEqual(replayed);
    expect(result.assignments).toHaveLength(4);
  });

  it('the order the queue is given in does not matter', () => {
    const agents = [agent('ann'), agent('bob')];
    const board = boardOf(online('ann', at(0)), online('bob', at(0)));
    const results = [queue, [...queue].reverse(), [queue[3]!, queue[0]!, queue[5]!, queue[1]!, queue[4]!, queue[2]!]].map((q) => drain(q, board, agents));
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

describe('re-draining when capacity frees (queued chats must not stay queued)', () => {
  // Ann is full on chat, and three chats wait.
  const full = boardOf(online('ann', at(0)), assigned('c1', 'ann', at(1)), assigned('c2', 'ann', at(2)));
  const waitingChats = [task('q-normal', { waitingSince: at(3) }), task('q-urgent', { priority: 'urgent', waitingSince: at(5) }), task('q-high', { priority: 'high', waitingSince: at(4) })];
  const agents = [agent('ann'), agent('bob')];

  it('given a full agent, the queue waits', () => {
    expect(drain(waitingChats, full, agents).assignments).toEqual([]);
  });

  it('when a conversation is resolved, then the most urgent waiting chat takes the freed seat, and only it', () => {
    const after = evolveBoard(full, resolved('c1', at(30)));
    expect(teamsWithFreedCapacity(full, after, agents)).toEqual(['support']);
    const result = drain(waitingChats, after, agents);
    expect(placed(result)).toEqual(['q-urgent->ann']);
    expect(waiting(result)).toEqual(['q-high', 'q-normal']);
  });

  it('when another agent comes online, then the queue drains to them, most urgent first', () => {
    const after = evolveBoard(full, online('bob', at(30)));
    expect(teamsWithFreedCapacity(full, after, agents)).toEqual(['support']);
    const result = drain(waitingChats, after, agents);
    expect(placed(result)).toEqual(['q-urgent->bob', 'q-high->bob']);
    expect(waiting(result)).toEqual(['q-normal']);
  });

  it('when the full agent’s chat capacity is raised, then the new seats go most urgent first', () => {
    const after = evolveBoard(full, online('ann', at(30), { chat: 4 }));
    expect(teamsWithFreedCapacity(full, after, agents)).toEqual(['support']);
    expect(placed(drain(waitingChats, after, agents))).toEqual(['q-urgent->ann', 'q-high->ann']);
  });

  it('after a drain, its assignments leave the board full again: a second drain places nothing more', () => {
    const first = drain(waitingChats, evolveBoard(full, resolved('c1', at(30))), agents);
    const rest = first.waiting.map((w) => w.task);
    expect(drain(rest, first.board, agents).assignments).toEqual([]);
  });
});
