import type { DeliveryState } from '../domain/fold/delivery.ts';
import { withOutcomes as joinFetched } from '../domain/fold/media.ts';
import type { Conversation, Customer, TranscriptEntry } from '../domain/state.ts';
import type { LineOutcomes, ProjectionReader, ReadScope } from './reader.ts';

/** What a list shows of a conversation: enough to sort, filter and open it. */
export interface ConversationSummary {
  id: string;
  customer: string;
  status: Conversation['status'];
  channels: Conversation['channels'];
  subject: string | null;
  category: string | null;
  priority: Conversation['priority'];
  language: string | null;
  team: string | null;
  assignee: string | null;
  openedAt: string;
  lastActivityAt: string;
  resolvedAt: string | null;
  messageCount: number;
  sla: Conversation['sla'];
  /** Where replies go (the customer's latest identity): what a list shows the customer by. */
  replyTo: Conversation['replyTo'];
}

export function summarize(c: Conversation): ConversationSummary {
  return {
    id: c.id,
    customer: c.customer,
    status: c.status,
    channels: c.channels,
    subject: c.subject,
    category: c.category,
    priority: c.priority,
    language: c.language,
    team: c.team,
    assignee: c.assignee,
    openedAt: c.openedAt,
    lastActivityAt: c.lastActivityAt,
    resolvedAt: c.resolvedAt,
    messageCount: c.messageCount,
    sla: c.sla,
    replyTo: c.replyTo,
  };
}

/** A transcript line as a conversation's view shows it: an outbound message with its delivery, when anything was reported. */
export type DeliveredEntry = TranscriptEntry & { delivery?: DeliveryState };

/**
 * Each outbound line with the delivery state its message reached (`{status, at, error?}`); a line
 * without one is pending (nothing reported yet), an inbound line or a note has none. Each inbound
 * line's files with what fetching them from the provider gave (key, real size and type, or why not).
 */
export function withOutcomes(transcript: readonly TranscriptEntry[], outcomes: LineOutcomes): DeliveredEntry[] {
  const { delivery, media } = outcomes;
  if (delivery.size === 0 && media.size === 0) return [...transcript];
  return transcript.map((entry) => {
    const state = entry.messageId === undefined ? undefined : delivery.get(entry.messageId);
    const files = entry.attachments && media.get(entry.eventId);
    if (!state && !files) return entry;
    const line: DeliveredEntry = { ...entry };
    if (state) line.delivery = state;
    if (files) line.attachments = joinFetched(entry.attachments!, files);
    return line;
  });
}

/** A transcript entry placed on the customer's timeline, with the conversation (and customer) it came from. */
export type TimelineEntry = TranscriptEntry & { conversationId: string; customerId: string };

export interface CustomerView {
  customer: Customer;
  /** Set when the requested customer was merged into another: the view is the survivor's. */
  mergedInto?: string;
  conversations: ConversationSummary[];
  timeline: TimelineEntry[];
}

/** Transcripts of this many of the latest conversations make up the timeline. */
export const TIMELINE_CONVERSATIONS = 10;
/** Bounds on following merges, so a corrupt (cyclic or huge) merge graph cannot run away. */
const MAX_MERGE_HOPS = 8;
const MAX_MERGED_CUSTOMERS = 50;

const newestFirst = (a: Conversation, b: Conversation) => b.openedAt.localeCompare(a.openedAt) || a.id.localeCompare(b.id);

/** Reads of a view before it answers with what it has, should customers keep changing under it. */
const VIEW_ATTEMPTS = 3;

/**
 * One person across channels: the requested customer, or the customer it was merged into, plus
 * every customer merged into that one (transitively). Undefined when the id is unknown.
 *
 * The view takes several reads (customers, then their conversations, then transcripts); a fold
 * committing in between would show half of each state (a message without its identity, say). So
 * the customers' positions are read with them and checked again at the end: if one moved, the
 * view is read again.
 */
export async function customerView(reader: ReadScopeReader, scope: ReadScope, customerId: string, timelineLimit: number): Promise<CustomerView | undefined> {
  for (let attempt = 1; ; attempt++) {
    const positions = new Map<string, string | null>();
    const view = await readCustomerView(reader, scope, customerId, timelineLimit, positions);
    if (view === undefined || attempt === VIEW_ATTEMPTS) return view;
    const now = await reader.positions(scope, [...positions.keys()]);
    if ([...positions].every(([id, pos]) => now.get(id) === pos)) return view;
  }
}

async function readCustomerView(reader: ReadScopeReader, scope: ReadScope, customerId: string, timelineLimit: number, positions: Map<string, string | null>): Promise<CustomerView | undefined> {
  const requested = (await reader.customers(scope, [customerId], positions)).get(customerId);
  if (!requested) return undefined;

  let survivor = requested;
  const visited = new Set([requested.id]);
  for (let hop = 0; survivor.mergedInto && !visited.has(survivor.mergedInto) && hop < MAX_MERGE_HOPS; hop++) {
    visited.add(survivor.mergedInto);
    const next = (await reader.customers(scope, [survivor.mergedInto], positions)).get(survivor.mergedInto);
    // The survivor's side of the merge may not be folded yet (another partition): show what we have.
    if (!next) break;
    survivor = next;
  }

  // The requested customer always belongs to the view, even before the survivor's fold lists it.
  const group = new Map<string, Customer>([
    [survivor.id, survivor],
    [requested.id, requested],
  ]);
  let frontier = [...group.values()].flatMap((c) => c.mergedFrom).filter((id) => !group.has(id));
  while (frontier.length > 0 && group.size < MAX_MERGED_CUSTOMERS) {
    const found = await reader.customers(scope, [...new Set(frontier)].slice(0, MAX_MERGED_CUSTOMERS - group.size), positions);
    for (const c of found.values()) group.set(c.id, c);
    frontier = [...found.values()].flatMap((c) => c.mergedFrom).filter((id) => !group.has(id));
  }

  const conversations = (await reader.conversationsOf(scope, [...group.values()])).sort(newestFirst);
  const timeline = await timelineOf(reader, scope, conversations.slice(0, TIMELINE_CONVERSATIONS), timelineLimit);
  const mergedInto = survivor !== requested ? survivor.id : (requested.mergedInto ?? undefined);
  // One person: the identities of everyone merged into the survivor, first seen first.
  const identities = [...group.values()]
    .flatMap((c) => c.identities)
    .filter((id, i, all) => all.findIndex((o) => o.channel === id.channel && o.provider === id.provider && o.handle === id.handle) === i)
    .sort((a, b) => Date.parse(a.firstSeenAt) - Date.parse(b.firstSeenAt));
  return {
    customer: { ...survivor, identities },
    ...(mergedInto ? { mergedInto } : {}),
    conversations: conversations.map(summarize),
    timeline,
  };
}

/** The latest `limit` transcript entries of these conversations, merged into time order (oldest first). */
async function timelineOf(reader: ReadScopeReader, scope: ReadScope, conversations: Conversation[], limit: number): Promise<TimelineEntry[]> {
  const transcripts = await reader.transcripts(scope, conversations, limit);
  const entries = transcripts.flatMap((lines, i) => {
    const c = conversations[i]!;
    return lines.map((entry): TimelineEntry => ({ ...entry, conversationId: c.id, customerId: c.customer }));
  });
  // Stable sort: entries of one conversation with the same time keep their transcript order.
  entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return entries.slice(-limit);
}

type ReadScopeReader = Pick<ProjectionReader, 'customers' | 'positions' | 'conversationsOf' | 'transcripts'>;
