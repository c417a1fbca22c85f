/**
 * Simulated agents, each signed in with their own session (people.ts), working through the API as a console would: each polls its open conversations
 * (GET /v1/agents/:id/conversations), reads one (GET /v1/conversations/:id), and after a human
 * delay replies, sometimes adds a note or transfers it, and resolves once the customer answered.
 * The supervisor also sweeps the team queues for conversations waiting longer than they should
 * (a Russian refund: nobody in billing speaks Russian; an SMS to a team without SMS seats) and
 * assigns them to someone outside the team, preferably who speaks the customer's language.
 */
import type { AgentView, HeldConversation } from '../../src/api/actions/agents.ts';
import type { Conversation, TranscriptEntry } from '../../src/domain/state.ts';
import type { ConversationSummary } from '../../src/projections/views.ts';
import { seededRandom } from '../sim/random.ts';
import { apologyText, closingText, noteText, replyText } from './script.ts';
import type { World } from './world.ts';

/** A team an agent hands a conversation on to when it needs someone else. */
const TRANSFER_TO: Record<string, string> = { support: 'customer-care', 'tech-support': 'tech-tier2', billing: 'customer-care', 'customer-care': 'supervisors' };
const QUIET_CUSTOMER_MS = 20_000;
const SWEEP_AFTER_MS = 10_000;

interface Memory {
  /** The customer message this agent last acted on, so a reply not folded yet is not sent twice. */
  actedOn: string | null;
  reopensHandled: number;
}

export function startAgents(w: World, sessions: ReadonlyMap<string, World['api']>): { stop(): Promise<void> } {
  /** Each agent works with their own signed-in session. */
  const as = (agent: string): World['api'] => {
    const api = sessions.get(agent);
    if (!api) throw new Error(`${agent} has not signed in`);
    return api;
  };
  const settings = w.deployment.settings;
  const agents = settings.routing.agents;
  const busy = new Set<string>();
  const memory = new Map<string, Memory>();
  const transferred = new Set<string>();
  const r = seededRandom(4242);
  const seconds = (from: number, to: number) => (from + r.next() * (to - from)) * 1000;

  async function work(agent: (typeof agents)[number], held: HeldConversation): Promise<void> {
    const read = await as(agent.id)<{ conversation: Conversation; transcript: TranscriptEntry[] }>('GET', `/v1/conversations/${held.id}`);
    if (read.status !== 200) return;
    const { conversation: c, transcript } = read.body;
    if (c.assignee !== agent.id || c.status === 'resolved') return;
    const key = `${agent.id}|${c.id}`;
    const mine = memory.get(key) ?? { actedOn: null, reopensHandled: 0 };
    memory.set(key, mine);
    const visible = transcript.filter((t) => !t.internal);
    const lastCustomer = visible.findLast((t) => t.author.kind === 'customer');
    const lastAgent = visible.findLast((t) => t.author.kind === 'agent');
    const waiting = lastCustomer !== undefined && (lastAgent === undefined || lastCustomer.at > lastAgent.at);

    if (c.reopenCount > mine.reopensHandled) {
      // A low survey score reopened it for the supervisors: apologise, then resolve after a while.
      mine.reopensHandled = c.reopenCount;
      await w.sleep(seconds(3, 6));
      await as(agent.id)('POST', `/v1/conversations/${c.id}/messages`, { text: apologyText(c.language) });
      w.counters.agentReplies++;
      w.say(`${agent.id} follows up on ${c.id} after a low score`);
      return;
    }
    if (waiting && mine.actedOn !== lastCustomer.eventId) {
      mine.actedOn = lastCustomer.eventId;
      if (lastAgent !== undefined) {
        // The customer answered our reply: close it.
        await w.sleep(seconds(1.5, 3));
        if (r.chance(0.6)) await as(agent.id)('POST', `/v1/conversations/${c.id}/messages`, { text: closingText(replyText(c.language, c.category, agent.languages, r.pick).language) });
        if ((await as(agent.id)('POST', `/v1/conversations/${c.id}/resolve`, {})).status === 202) w.counters.resolvedByAgents++;
        return;
      }
      // The first reply: reading, looking things up, typing. E-mail waits longer than live channels.
      await w.sleep(held.seat === 'email' ? seconds(4, 10) : seconds(2, 6));
      const onward = c.team ? TRANSFER_TO[c.team] : undefined;
      if (onward && !transferred.has(c.id) && c.priority !== 'urgent' && r.chance(0.12)) {
        transferred.add(c.id);
        await as(agent.id)('POST', `/v1/conversations/${c.id}/notes`, { text: `Passing this to ${onward}: needs a specialist.` });
        const moved = await as(agent.id)('POST', `/v1/conversations/${c.id}/transfer`, { toTeam: onward, reason: 'needs a specialist' });
        if (moved.status === 202) {
          w.counters.transfers++;
          w.say(`${agent.id} transfers ${c.id} (${c.category ?? '-'}) from ${c.team} to ${onward}`);
          return;
        }
      }
      if (r.chance(0.25)) {
        await as(agent.id)('POST', `/v1/conversations/${c.id}/notes`, { text: noteText(r.pick) });
        w.counters.notes++;
      }
      const sent = await as(agent.id)('POST', `/v1/conversations/${c.id}/messages`, { text: replyText(c.language, c.category, agent.languages, r.pick).text });
      if (sent.status === 202) w.counters.agentReplies++;
      return;
    }
    if (!waiting && lastAgent !== undefined && Date.now() - Date.parse(lastAgent.at) > QUIET_CUSTOMER_MS) {
      // The customer went quiet after our answer: done.
      if ((await as(agent.id)('POST', `/v1/conversations/${c.id}/resolve`, {})).status === 202) w.counters.resolvedByAgents++;
    }
  }

  async function poll(agent: (typeof agents)[number]): Promise<void> {
    const list = await as(agent.id)<{ conversations: HeldConversation[] }>('GET', `/v1/agents/${agent.id}/conversations`);
    if (list.status !== 200) return;
    for (const held of list.body.conversations) {
      const key = `${agent.id}|${held.id}`;
      if (busy.has(key)) continue;
      busy.add(key);
      void work(agent, held)
        .catch((err: Error) => w.say(`${agent.id} on ${held.id}: ${err.message}`))
        .finally(() => busy.delete(key));
    }
  }

  /** Conversation -> when the supervisor last placed it: once per queue stay, but again if it comes back (an escalation). */
  const swept = new Map<string, number>();
  async function sweep(supervisor: string): Promise<void> {
    const board = (await as(supervisor)<AgentView[]>('GET', '/v1/agents')).body;
    for (const team of settings.routing.teams) {
      const queue = await as(supervisor)<{ conversations: ConversationSummary[] }>('GET', `/v1/queues/${encodeURIComponent(team.name)}`);
      for (const c of queue.body.conversations ?? []) {
        if (Date.now() - (swept.get(c.id) ?? 0) < SWEEP_AFTER_MS || Date.now() - Date.parse(c.sla.waitingSince ?? c.openedAt) < SWEEP_AFTER_MS) continue;
        const seat = c.channels.at(-1)!;
        const online = agents.filter((a) => {
          const view = board.find((b) => b.id === a.id);
          return view?.status === 'online' && !a.teams.includes(team.name);
        });
        const hasSeat = (a: (typeof agents)[number]) => {
          const view = board.find((b) => b.id === a.id)!;
          return view.load[seat] < view.capacity[seat];
        };
        const speaks = (a: (typeof agents)[number]) => c.language !== null && a.languages.includes(c.language);
        // Someone who speaks it with a seat free; else someone who speaks it (one more than their
        // seats); else anyone with a seat free (answering in English).
        const free = online.find((a) => speaks(a) && hasSeat(a)) ?? online.find(speaks) ?? online.find(hasSeat);
        if (!free) continue;
        swept.set(c.id, Date.now());
        const assigned = await as(supervisor)('POST', `/v1/conversations/${c.id}/assign`, { agent: free.id });
        if (assigned.status !== 202) w.say(`${supervisor} could not assign ${c.id} to ${free.id}: ${assigned.status} ${JSON.stringify(assigned.body)}`);
        else {
          w.counters.supervisorAssigns++;
          w.say(`${supervisor} assigns ${c.id} (${c.language} ${c.category ?? '-'} on ${seat}, waiting ${Math.round((Date.now() - Date.parse(c.sla.waitingSince ?? c.openedAt)) / 1000)}s in ${team.name}) to ${free.id}`);
        }
      }
    }
  }

  let running = true;
  const supervisor = agents.find((a) => a.supervisor)?.id;
  const loops = agents.map(async (agent) => {
    while (running) {
      await poll(agent).catch(() => undefined);
      if (agent.id === supervisor) await sweep(agent.id).catch((err: Error) => w.say(`${agent.id} could not sweep the queues: ${err.message}`));
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
