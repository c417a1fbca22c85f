/**
 * The demo's closing KPI summary, read back through the query API: every customer by handle, each
 * of their conversations with its transcript, the team queues and the agents' board. The service
 * figures (first response, resolution, CSAT, SLA compliance) are the KPI report's own
 * (src/domain/kpi, what `cs` replays compute), fed with the conversations as the API shows them.
 */
import type { AgentView } from '../../src/api/actions/agents.ts';
import { kpiReport, type DurationSummary } from '../../src/domain/kpi/index.ts';
import type { Conversation, Customer, TranscriptEntry } from '../../src/domain/state.ts';
import type { CustomerView } from '../../src/projections/views.ts';
import type { World } from './world.ts';

const share = (part: number, whole: number) => (whole === 0 ? '–' : `${Math.round((100 * part) / whole)}%`);
const secs = (s: number | null) => (s === null ? '–' : `${s.toFixed(1)} s`);
const durations = (d: DurationSummary) => `median ${secs(d.median)}, p90 ${secs(d.p90)} (${d.count})`;
const tally = (items: readonly string[]) =>
  Object.entries(items.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {}))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

type Read = { conversation: Conversation; transcript: TranscriptEntry[] };

/** Every conversation of the customers seen at these handles, with its transcript, and the customers. */
async function conversationsOf(w: World, handles: readonly string[]): Promise<{ reads: Read[]; customers: Map<string, Customer> }> {
  const ids = new Set<string>();
  const customers = new Map<string, Customer>();
  for (const handle of handles) {
    const view = await w.api<CustomerView>('GET', `/v1/customers?handle=${encodeURIComponent(handle)}`);
    if (view.status !== 200) continue;
    customers.set(view.body.customer.id, view.body.customer);
    for (const c of view.body.conversations) ids.add(c.id);
  }
  const reads: Read[] = [];
  for (const id of ids) {
    const read = await w.api<Read>('GET', `/v1/conversations/${encodeURIComponent(id)}`);
    if (read.status === 200) reads.push(read.body);
  }
  return { reads, customers };
}

const channelOf = (c: Conversation, t: TranscriptEntry[]) => {
  const first = t.find((e) => e.author.kind === 'customer');
  const channel = c.channels[0] ?? first?.channel ?? '?';
  return channel === 'social' ? (first?.provider ?? 'social') : channel;
};

export async function kpiSummary(w: World, handles: readonly string[]): Promise<string[]> {
  const settings = w.deployment.settings;
  const titles = settings.knowledgeBase.map((a) => a.title);
  const { reads, customers } = await conversationsOf(w, handles);
  const all = reads.map((r) => r.conversation);
  const kpi = kpiReport({ conversations: all.map((c) => ({ conversation: c, customer: customers.get(c.customer) ?? null })), customers: customers.values() }, { groupBy: ['channel'] });
  const total = kpi.total;
  const botAnswered = reads.filter((r) => r.transcript.some((t) => t.author.kind === 'bot' && titles.some((title) => t.text.startsWith(title))));
  const contained = botAnswered.filter((r) => r.conversation.bot === 'answering');
  const botChannels = new Set<string>(settings.bot.enabled ? settings.bot.channels : []);
  const straightToPeople = reads.filter((r) => r.conversation.initiatedBy === 'customer' && r.conversation.channels.some((ch) => botChannels.has(ch)) && !botAnswered.includes(r));

  const byChannel = new Map<string, number>();
  for (const r of reads) {
    const ch = channelOf(r.conversation, r.transcript);
    byChannel.set(ch, (byChannel.get(ch) ?? 0) + 1);
  }
  // Every social conversation of the demo is WhatsApp.
  const channelName = (ch: string | null | undefined) => (ch === 'social' ? 'whatsapp' : (ch ?? '?'));

  const { csat, sla } = total;
  const breached = all.filter((c) => c.sla.breached.length > 0);
  const resolved = all.filter((c) => c.status === 'resolved');
  const compliance = (name: string, x: { met: number; breached: number }) => `${name} ${share(x.met, x.met + x.breached)} met (${x.breached} breached)`;

  const queues: string[] = [];
  for (const team of settings.routing.teams) {
    const q = await w.api<{ conversations: unknown[] }>('GET', `/v1/queues/${encodeURIComponent(team.name)}`);
    queues.push(`${team.name} ${q.body.conversations?.length ?? 0}`);
  }
  const board = (await w.api<AgentView[]>('GET', '/v1/agents')).body;
  const replies = reads.flatMap((r) => r.transcript.filter((t) => t.author.kind === 'agent' && !t.internal).map((t) => t.author.id));
  const notes = reads.flatMap((r) => r.transcript.filter((t) => t.internal)).length;

  return [
    `conversations      ${total.conversations} (${[...byChannel].map(([ch, n]) => `${ch} ${n}`).join(', ')}) from ${total.customers} customers`,
    `contact reasons    ${tally(all.map((c) => c.category ?? 'untriaged'))}`,
    `languages          ${tally(all.map((c) => c.language ?? 'unknown'))}`,
    `bot                answered ${botAnswered.length} from the knowledge base (${contained.length} needed nobody else, ${botAnswered.length - contained.length} then asked for a person); ${straightToPeople.length} handed straight to people (no article fits, or a person was asked for)`,
    `first response     ${durations(total.firstResponseSeconds)} answered by a person; nearest rank`,
    ...kpi.groups.map((g) => `  ${channelName(g.key.channel).padEnd(16)} ${durations(g.firstResponseSeconds)}`),
    `agents             ${replies.length} replies (${tally(replies)}), ${notes} internal notes`,
    `resolved           ${total.resolved} of ${total.conversations} (${share(total.resolved, total.conversations)}); by ${tally(resolved.map((c) => c.resolution?.by ?? '?'))}; reopened ${total.reopenRate.reopened}; handling ${durations(total.handlingSeconds)}`,
    `CSAT               ${share(csat.satisfied, csat.answered)} satisfied (4–5) of ${csat.answered} answers; response rate ${share(csat.answered, csat.sent)} of ${csat.sent} sent`,
    `SLA breaches       ${breached.length} of ${all.length} conversations (timers fired: ${tally(breached.flatMap((c) => c.sla.breached)) || 'none'}); targets run 60× faster in the demo`,
    `SLA compliance     ${compliance('first response', sla.firstResponse)}, ${compliance('next response', sla.nextResponse)} (the KPI report: each clock against the deadline in force when it stopped)`,
    `queues now         ${queues.join(', ')}`,
    `agents now         ${board.map((a) => `${a.id} ${a.status} holding ${Object.values(a.load).reduce((s, n) => s + n, 0)}`).join(', ')}`,
  ];
}
