/**
 * Builders for the action deciders' specs. The projection state a decider reads is folded from
 * events by the real fold (../given.ts), so "given a resolved conversation" means what the log makes
 * of one; the roster is the tenant's, parsed by the routing schema. Times are explicit ISO strings.
 */
import type { AnyEvent, EventType } from '../../../../events/index.ts';
import { catalogue } from '../../../../events/index.ts';
import type { Actor, ActionEvent, Roster } from '../../../../src/domain/actions/index.ts';
import { agentSchema, teamSchema } from '../../../../src/domain/routing/config.ts';
import type { Conversation, Customer } from '../../../../src/domain/state.ts';
import { conversationOf, customerWrote, fold, MINUTE, plus } from '../given.ts';
import { conversationView, customerView } from '../../../../src/domain/fold/fold-state.ts';

export const T0 = '2026-01-05T09:00:00.000Z';
/** ISO time `minutes` after T0. */
export const at = (minutes: number) => plus(T0, minutes * MINUTE);

export const anna: Actor = { kind: 'agent', id: 'ag_anna' };
export const boris: Actor = { kind: 'agent', id: 'ag_boris' };

/** Two teams; Anna in both, Boris in support only, Li in billing. */
export const roster: Roster = {
  teams: [teamSchema.parse({ name: 'support' }), teamSchema.parse({ name: 'billing' })],
  agents: [
    agentSchema.parse({ id: 'ag_anna', name: 'Anna', teams: ['support', 'billing'], languages: ['en'], capacity: { chat: 2, email: 5 } }),
    agentSchema.parse({ id: 'ag_boris', name: 'Boris', teams: ['support'], languages: ['en'], capacity: { chat: 3 } }),
    agentSchema.parse({ id: 'ag_li', name: 'Li', teams: ['billing'], languages: ['zh', 'en'], capacity: { email: 10 } }),
  ],
};

/** The customer's first message (chat): it opens the conversation `cv_m1`. */
export const opening = customerWrote('My parcel is late', T0, { id: 'm1' });
export const CONVERSATION = conversationOf(opening);

/** The projection after these events: a conversation by id (cv_m1 unless told), and the customer. */
export function projected(...events: AnyEvent[]): { conversation: (id?: string) => Conversation; customer: Customer } {
  const { state } = fold(events);
  if (!state.customer) throw new Error('the events made no customer');
  return {
    customer: customerView(state.customer),
    conversation: (id = CONVERSATION) => {
      const c = state.conversations[id];
      if (!c) throw new Error(`no conversation ${id} (there are ${Object.keys(state.conversations).join(', ') || 'none'})`);
      return conversationView(c);
    },
  };
}

/** The conversation cv_m1 after these events. */
export const conversationAfter = (...events: AnyEvent[]): Conversation => projected(...events).conversation();

/** The accepted event's data as the event contract reads it: throws if the decider wrote something the log would refuse. */
export function valid<T extends EventType>(event: ActionEvent<T>): unknown {
  return catalogue[event.type].schema.parse(event.data);
}
