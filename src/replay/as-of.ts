/**
 * `cs conversation ID --as-of TIME`: one customer's events folded up to an instant (event time),
 * with the shared fold, and the conversation as it stood then, with its whole transcript.
 * Conversation ids are `cv_<id of the opening event>`, so the opening event names the customer.
 */
import type { AnyEvent } from '../../events/index.ts';
import { AppliedIds, applyRemembering } from '../domain/fold/applied-ids.ts';
import { emptyFold, noEffects } from '../domain/fold/customer-fold.ts';
import { conversationView } from '../domain/fold/fold-state.ts';
import { deliveryIn } from '../domain/fold/delivery.ts';
import type { FoldPolicies } from '../domain/fold/policy.ts';
import type { Conversation, TranscriptEntry } from '../domain/state.ts';
import { mediaIn } from '../domain/fold/media.ts';
import { withOutcomes, type DeliveredEntry } from '../projections/views.ts';

export interface ConversationView {
  conversation: Conversation;
  /** As `GET /v1/conversations/:id` shows it: outbound messages with their delivery as of the instant. */
  transcript: DeliveredEntry[];
}

export const openingEventOf = (conversationId: string) => (conversationId.startsWith('cv_') ? conversationId.slice(3) : null);

/** Folds one customer's events (in log order; later ones than `asOf` are left out) and returns the conversation, if it existed by then. */
export function conversationAsOf(events: Iterable<AnyEvent>, conversationId: string, asOf: number, policies: FoldPolicies): ConversationView | null {
  let fold: ReturnType<typeof emptyFold> | null = null;
  const transcript: TranscriptEntry[] = [];
  const ids = new AppliedIds();
  for (const e of events) {
    if (Date.parse(e.time) > asOf) continue;
    fold ??= emptyFold(e.tenant, e.customer);
    const fx = noEffects();
    applyRemembering(fold, e, policies(e.tenant), fx, ids);
    for (const line of fx.transcript) if (line.conversationId === conversationId) transcript.push(line.entry);
  }
  const conversation = fold?.conversations[conversationId];
  return conversation && fold ? { conversation: conversationView(conversation), transcript: withOutcomes(transcript, { delivery: deliveryIn(fold.delivery, conversationId), media: mediaIn(fold.media, conversationId) }) } : null;
}
