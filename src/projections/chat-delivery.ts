/**
 * What the outbound chat connector publishes on a visitor's channel (or keeps in the pending list,
 * `chatKeys` in keys.ts) and the chat channel's sockets pass on as is: shared here so outbound need
 * not import the channel's door.
 */

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
