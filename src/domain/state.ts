/**
 * The per-customer projection: what the fold keeps for one tenant/customer, rebuilt from the log
 * alone. Times are RFC 3339 strings taken from events (never from a clock), so live and replay agree.
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
  attachments?: number;
}
