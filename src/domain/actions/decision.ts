/**
 * What an agent's action (assign, transfer, resolve, reopen, priority, reply, note, merge, status)
 * is decided into: the events it becomes, or a refusal naming why not with a stable code. Deciders
 * are pure functions of the projection state they read and the request; they know nothing of HTTP
 * (the API maps each code to its status in one place, src/api/actions/refusals.ts).
 */
import type { z } from 'zod';
import type { EventDataInput, EventType } from '../../../events/index.ts';
import type { actorSchema } from '../../../events/types/common.ts';

/** Who acts: an agent, a bot, or the system (the API itself when the request names nobody). */
export type Actor = z.output<typeof actorSchema>;

/** The event an accepted action becomes (on the conversation's customer, named by the conversation). */
export interface ActionEvent<T extends EventType> {
  type: T;
  data: EventDataInput<T>;
}

/**
 * Every reason an action is refused. The code is the contract (the API answers it as `error`, and
 * consoles switch on it); the message is a sentence for people; further fields name what stands in
 * the way.
 */
export type ActionRefusal =
  // The conversation's or customer's state forbids it.
  | { code: 'conversation_resolved'; message: string }
  | { code: 'already_assigned'; message: string }
  | { code: 'already_resolved'; message: string }
  | { code: 'not_resolved'; message: string }
  | { code: 'customer_has_open_conversation'; message: string; openConversation: string }
  | { code: 'same_priority'; message: string }
  | { code: 'no_change'; message: string }
  | { code: 'no_reply_address'; message: string }
  | { code: 'same_customer'; message: string }
  | { code: 'survivor_merged'; message: string; mergedInto: string }
  | { code: 'already_merged'; message: string; mergedInto: string }
  // The request names something the workspace does not have.
  | { code: 'unknown_agent'; message: string }
  | { code: 'unknown_team'; message: string }
  | { code: 'unknown_identity'; message: string }
  | { code: 'agent_not_in_team'; message: string }
  // A file the reply's channel would refuse (its provider's size or type rules): `attachment` names it when one file is at fault.
  | { code: 'attachment_refused'; message: string; channel: string; attachment?: string }
  | { code: 'not_found'; message: string }
  // The request asks for nothing.
  | { code: 'bad_request'; message: string };

export type RefusalCode = ActionRefusal['code'];

/** The refusals with these codes: what one decider may answer. */
export type RefusalOf<C extends RefusalCode> = Extract<ActionRefusal, { code: C }>;

export interface Refused<R extends ActionRefusal> {
  ok: false;
  refusal: R;
}

export const refused = <R extends ActionRefusal>(refusal: R): Refused<R> => ({ ok: false, refusal });

/** A conversation action's decision: one event, or a refusal. */
export type ConversationDecision<T extends EventType, R extends ActionRefusal> = { ok: true; event: ActionEvent<T> } | Refused<R>;

export const accepted = <T extends EventType>(type: T, data: EventDataInput<T>): { ok: true; event: ActionEvent<T> } => ({ ok: true, event: { type, data } });
