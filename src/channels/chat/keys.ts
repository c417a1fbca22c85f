/**
 * Redis names shared by the chat adapter (which holds visitors' sockets) and the outbound chat
 * connector (which may run in another process): one pub/sub channel per visitor, so an API
 * instance only hears about the visitors whose sockets it holds.
 */
const base = (instance: string, tenant: string, visitor: string) => `cs:chat:{${instance}:${tenant}}:${visitor}`;

export const chatKeys = {
  /** Pub/sub channel an agent reply for this visitor is published on. */
  channel: base,
  /** List of replies published while no socket listened: sent when the visitor connects again. */
  pending: (instance: string, tenant: string, visitor: string) => `${base(instance, tenant, visitor)}:pending`,
};

/** What a visitor's socket receives for each agent (or bot) reply. */
export interface ChatDelivery {
  type: 'message';
  messageId: string;
  text: string;
  author: { kind: 'agent' | 'bot' | 'system'; id: string };
  at: string;
}

/** Replies kept for an absent visitor: enough for a page reload, not a mailbox. */
export const PENDING_LIMIT = 100;
export const PENDING_TTL_SECONDS = 7 * 24 * 3600;
