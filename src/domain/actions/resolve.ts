import type { Conversation } from '../state.ts';
import { accepted, refused, type Actor, type ConversationDecision, type RefusalOf } from './decision.ts';

export interface ResolveState {
  conversation: Pick<Conversation, 'status' | 'resolvedAt'>;
}

export interface ResolveRequest {
  by: Actor;
  /** When it is resolved (RFC 3339): the time the request came, from the caller's clock. */
  at: string;
}

export type ResolveRefusal = RefusalOf<'already_resolved'>;

/** Resolved at the request's time, by whoever asked; the seat it took is free again (the fold asks for a queue drain). */
export function decideResolve({ conversation }: ResolveState, request: ResolveRequest): ConversationDecision<'conversation.resolved', ResolveRefusal> {
  if (conversation.status === 'resolved') return refused({ code: 'already_resolved', message: `the conversation was already resolved at ${conversation.resolvedAt}` });
  return accepted('conversation.resolved', { by: request.by, at: request.at, reason: request.by.kind === 'bot' ? 'bot' : 'agent' });
}
