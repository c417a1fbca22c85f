import { EVENT_TYPE_PATTERN } from './attributes.ts';
import type { Catalogue } from './definition.ts';
import {
  conversationAssigned,
  conversationEscalated,
  conversationPriorityChanged,
  conversationReopened,
  conversationResolved,
  conversationTransferred,
  conversationTriaged,
} from './types/conversation.ts';
import { accountChanged } from './types/account.ts';
import { messageAttachmentFailed, messageAttachmentStored } from './types/attachment.ts';
import { agentStatusChanged } from './types/agent.ts';
import { customerErased, customerIdentified, customerMerged } from './types/customer.ts';
import { messageStatusUpdated } from './types/delivery.ts';
import { messageReceived, messageSent } from './types/message.ts';
import { slaBreached, slaWarned } from './types/sla.ts';
import { surveyAnswered, surveySent } from './types/survey.ts';

/**
 * Every event type the engine knows. To add a type: write `types/<area>.ts` with its schema and
 * definition, add one line here, run `npm run events:schema`.
 */
export const catalogue = {
  'message.received': messageReceived,
  'message.sent': messageSent,
  'message.status_updated': messageStatusUpdated,
  'message.attachment_stored': messageAttachmentStored,
  'message.attachment_failed': messageAttachmentFailed,
  'customer.identified': customerIdentified,
  'customer.merged': customerMerged,
  'customer.erased': customerErased,
  'conversation.triaged': conversationTriaged,
  'conversation.assigned': conversationAssigned,
  'conversation.transferred': conversationTransferred,
  'conversation.escalated': conversationEscalated,
  'conversation.resolved': conversationResolved,
  'conversation.reopened': conversationReopened,
  'conversation.priority_changed': conversationPriorityChanged,
  'sla.warned': slaWarned,
  'sla.breached': slaBreached,
  'survey.sent': surveySent,
  'survey.answered': surveyAnswered,
  'agent.status_changed': agentStatusChanged,
  'account.changed': accountChanged,
} as const satisfies Catalogue;

export type EventType = keyof typeof catalogue & string;


export function isEventType(type: string): type is EventType {
  return Object.hasOwn(catalogue, type);
}

/** What is wrong with a catalogue; empty when it is consistent. */
export function catalogueProblems(c: Catalogue): string[] {
  const problems: string[] = [];
  for (const [type, def] of Object.entries(c)) {
    if (!EVENT_TYPE_PATTERN.test(type)) problems.push(`${type}: name must match ${EVENT_TYPE_PATTERN}`);
    if (!Number.isInteger(def.version) || def.version < 1) {
      problems.push(`${type}: version must be a positive integer`);
      continue;
    }
    for (let v = 1; v < def.version; v++) {
      if (typeof def.upcasters[v] !== 'function') problems.push(`${type}: missing upcaster from version ${v} to ${v + 1}`);
    }
    for (const key of Object.keys(def.upcasters)) {
      const from = Number(key);
      if (!(Number.isInteger(from) && from >= 1 && from < def.version)) {
        problems.push(`${type}: upcaster ${key} does not lead to a known version`);
      }
    }
  }
  return problems;
}

/** Fails fast at start-up: a gap in the upcaster chain would otherwise surface as rejected events. */
export function assertValidCatalogue(c: Catalogue): void {
  const problems = catalogueProblems(c);
  if (problems.length > 0) throw new Error(`invalid event catalogue:\n${problems.join('\n')}`);
}

assertValidCatalogue(catalogue);

export { EVENT_TYPE_PATTERN } from './attributes.ts';
export type { Catalogue, EventDefinition, Upcaster } from './definition.ts';
