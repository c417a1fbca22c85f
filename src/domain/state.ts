/**
 * The per-customer projection: the public read model of one tenant/customer, rebuilt from the log
 * alone. Times are RFC 3339 strings taken from events (never from a clock), so live and replay agree.
 * The fold itself keeps these records with times as epoch milliseconds (fold/fold-state.ts) and
 * writes them in this form.
 */

export type Channel = 'email' | 'chat' | 'sms' | 'social';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export type AuthorKind = 'customer' | 'agent' | 'bot' | 'system';

/** An address the customer is reachable at, as the provider reported it (normalised by the adapter). */
export interface Identity {
  channel: Channel;
  provider: string;
  handle: string;
  /** When this identity was first seen on the log. */
  firstSeenAt: string;
}

/**
 * open: someone on our side owes the next step; pending: we wait for the customer (SLA clock
 * paused); resolved: done until the customer writes again (or an agent reopens it).
 */
export type ConversationStatus = 'open' | 'pending' | 'resolved';

export interface SlaDeadlines {
  firstResponseDueAt: string | null;
  nextResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** Metrics breached so far, e.g. 'firstResponse'; each counted once. */
  breached: string[];
  /** Since when the customer waits on us (their oldest unanswered message, or the reopen); null otherwise. */
  waitingSince: string | null;
  /** Since when the clock stands still (pending on the customer); null while it runs. */
  pausedSince: string | null;
  /** Business time (ms) the resolution clock stood still in completed spells (pending, resolved before a reopen). */
  pausedMs: number;
  /** Timers that fired (sla.warned / sla.breached), as `kind|metric|dueAt`: never asked for again. */
  fired: string[];
}

/** How the current assignee got the conversation, and whose seat it takes. */
export interface Assignment {
  at: string;
  /** sticky, least-busy, round-robin, longest-idle, manual, escalation, transfer. */
  reason: string;
  channel: Channel;
}

export interface Conversation {
  id: string;
  tenant: string;
  customer: string;
  status: ConversationStatus;
  /** customer: opened by a customer message; agent: outbound first (no first response time). */
  initiatedBy: 'customer' | 'agent';
  openedAt: string;
  /** Every channel used in this conversation, in first-use order. */
  channels: Channel[];
  /** The identity of the latest customer message: replies go out there. */
  replyTo: { channel: Channel; provider: string; handle: string } | null;
  subject: string | null;
  category: string | null;
  priority: Priority;
  language: string | null;
  team: string | null;
  assignee: string | null;
  assignment: Assignment | null;
  /** answering: the bot answered and holds it (out of the queues); handed-off: the bot passed it to people. */
  bot: 'answering' | 'handed-off' | null;
  /** What the agent taking it should know (the bot's hand-off summary). */
  handoff: string | null;
  firstCustomerMessageAt: string | null;
  /** First agent message after the first customer message; bots and system never count. */
  firstResponseAt: string | null;
  lastCustomerMessageAt: string | null;
  lastAgentMessageAt: string | null;
  /** Latest message from either side: the auto-resolve window runs from here. */
  lastActivityAt: string;
  resolvedAt: string | null;
  resolution: { by: 'agent' | 'customer' | 'system' | 'inactivity'; actorId: string | null } | null;
  reopenCount: number;
  messageCount: number;
  sla: SlaDeadlines;
  surveys: SurveyRecord[];
  /** What the KPI report needs beyond the above, kept by the fold (src/domain/fold/metrics.ts). */
  metrics: ConversationMetrics;
}

export type SlaOutcome = 'met' | 'breached';

/**
 * Facts for the KPI report (docs/metrics.md) that the rest of the record forgets: each response's
 * wait, the time people worked on it, SLA outcomes as the clocks stopped, open spells (backlog),
 * and whether it repeats an earlier contact (first-contact resolution). Event time only.
 */
export interface ConversationMetrics {
  /** Opening, then alternately resolved / reopened instants: the spells it was unresolved. */
  spells: string[];
  firstResolvedAt: string | null;
  /** Milliseconds each later customer wait lasted until a human agent answered (the first response excluded). */
  nextResponseMs: number[];
  /** Elapsed ms people had it (from assignment or the first agent message to resolution), summed over spells. */
  handlingMs: number;
  /** Start of the running handling spell; null when none runs. */
  handlingSince: string | null;
  /** The human agent who last wrote in it (agent of record when nobody holds it). */
  lastAgent: string | null;
  /** Each SLA metric's outcome, decided when its clock stopped against the deadline in force. */
  sla: { firstResponse: SlaOutcome | null; resolution: SlaOutcome | null; nextResponseMet: number; nextResponseBreached: number };
  /** The customer's earlier conversation of the same category this one repeats (resolved before it opened). */
  repeatOf: { conversation: string; gapMs: number } | null;
}

/** Per customer, what first-contact resolution needs from earlier conversations. */
export interface ContactHistory {
  /** Per category: the latest conversation resolved without a reopen, a new contact may repeat it. */
  lastResolved: Record<string, { conversation: string; resolvedAt: string }>;
  /** Conversation id -> the shortest gap (ms) from its resolution to a repeat contact's opening. */
  repeatedAfterMs: Record<string, number>;
}

export interface SurveyRecord {
  id: string;
  kind: 'csat' | 'nps';
  channel: Channel;
  sentAt: string;
  score: number | null;
  answeredAt: string | null;
}

export interface Customer {
  tenant: string;
  id: string;
  identities: Identity[];
  openConversationId: string | null;
  /** All conversation ids, oldest first (the history index). */
  conversationIds: string[];
  /** Set when this customer was merged into another: its events belong to the survivor's timeline. */
  mergedInto: string | null;
  mergedFrom: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  /** The agent who last handled this customer (sticky routing). */
  lastAssignee: string | null;
  /** When the customer was last sent each kind of survey (throttling). */
  lastSurveyAt: { csat: string | null; nps: string | null };
  /** Set once a conversation was resolved (first-contact resolution, see src/domain/fold/metrics.ts). */
  contactHistory?: ContactHistory;
}

/**
 * A file on a transcript line. `key` is our attachment store's key (the SHA-256 of the bytes) once
 * the bytes are with us: at once for e-mail and for what agents send, after the fetch for media a
 * provider keeps (Twilio, WhatsApp, Messenger, Instagram). Neither `key` nor `unavailable`: still
 * being fetched. Provider URLs and media ids are never shown: they need the provider's credentials.
 */
export interface TranscriptAttachment {
  filename: string;
  contentType: string;
  /** Bytes; 0 while a provider's media is not fetched yet (providers do not say). */
  size: number;
  key?: string;
  /** Why the bytes will never be with us (too large, gone at the provider), once the fetch gave up. */
  unavailable?: string;
}

/** One line of a conversation's transcript (the projection keeps the latest N; the log keeps all). */
export interface TranscriptEntry {
  eventId: string;
  at: string;
  direction: 'in' | 'out';
  channel: Channel;
  provider: string;
  author: { kind: AuthorKind; id: string };
  text: string;
  subject?: string;
  internal?: boolean;
  /** The files that came or went with the message, in the event's order. */
  attachments?: TranscriptAttachment[];
  /**
   * Outbound messages (never internal notes): our id of the message, which its delivery reports
   * name (`message.sent` data.messageId, or the event id when the producer gave none).
   */
  messageId?: string;
}
