import type { FastifyReply } from 'fastify';
import type { ActionRefusal, RefusalCode } from '../../domain/actions/index.ts';
import { sendError } from '../../http/errors.ts';

/**
 * The HTTP status of each refusal the domain decides (src/domain/actions): 409 when the state of
 * the conversation or customer forbids the action, 422 when the request names an agent or team the
 * workspace does not have (or a file the reply's channel would refuse), 404 for a customer or agent that is not there, 400 when the request asks
 * for nothing. Every code has one (a new code without a status does not compile).
 */
export const refusalStatus = {
  conversation_resolved: 409,
  already_assigned: 409,
  already_resolved: 409,
  not_resolved: 409,
  customer_has_open_conversation: 409,
  same_priority: 409,
  no_change: 409,
  no_reply_address: 409,
  same_customer: 409,
  survivor_merged: 409,
  already_merged: 409,
  unknown_agent: 422,
  unknown_team: 422,
  unknown_identity: 422,
  agent_not_in_team: 422,
  attachment_refused: 422,
  not_found: 404,
  bad_request: 400,
} as const satisfies Record<RefusalCode, 400 | 404 | 409 | 422>;

/** Answers a refusal: its status, `error` = the code, the message, and what else it names beside them. */
export function sendRefusal(reply: FastifyReply, refusal: ActionRefusal): FastifyReply {
  const { code, message, ...extra } = refusal;
  return sendError(reply, refusalStatus[code], code, message, extra);
}
