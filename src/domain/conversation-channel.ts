import type { Channel, Conversation } from './state.ts';

/**
 * The channel a conversation is worked on: the one whose seat (capacity per channel) an assignment
 * takes, and the one a reply or note goes out on when nothing else says.
 *
 * The channel of the customer's latest message (`replyTo`, set by every customer message): a
 * customer who wrote by e-mail and then by SMS is waiting on their phone, so the agent answers by
 * SMS and the conversation takes an SMS seat. When the customer has not written in it (an
 * agent-initiated conversation), the channel it was opened on, the first of `channels`. The
 * conversation always has one; `chat` only satisfies the type.
 *
 * Pure. The one rule: the API (assign, reply, notes), the drain, the fold and the indexes all ask it.
 */
export function conversationChannel(c: Pick<Conversation, 'replyTo' | 'channels'>): Channel {
  return c.replyTo?.channel ?? c.channels[0] ?? 'chat';
}
