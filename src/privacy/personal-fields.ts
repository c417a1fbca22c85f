import type { AnyEvent } from '../../events/index.ts';
import { isSealed } from '../../events/index.ts';
import { parseSurveyReply } from '../domain/survey/reply.ts';

/**
 * Which fields of an event identify or quote a person, and so travel sealed (events/README.md,
 * Personal data). Anything else (ids, times, channels, provider ids, scores) stays plaintext: the
 * fold, the KPIs and Kafka's routing need it, and none of it names anyone.
 */
export type FieldEdit = (value: string, kind: PersonalKind) => string;

/**
 * `identity`: who the person is (a handle), kept as long as the customer is; `text`: what was
 * written (messages, subjects, file names, places, notes quoting them), kept for the tenant's
 * retention after the conversation is resolved. Each kind has its own keys (data-keys.ts).
 */
export type PersonalKind = 'identity' | 'text';

/**
 * A copy of the event with every personal string passed through `edit` (empty strings and sealed
 * values are left as they are), or the event itself when it carries no personal field.
 */
export function mapPersonalFields<E extends AnyEvent>(event: E, edit: FieldEdit): E {
  const sealOne = (value: string | undefined, kind: PersonalKind = 'text'): string | undefined => (value === undefined || value === '' || isSealed(value) ? value : edit(value, kind));
  const files = <A extends { filename: string }>(list: A[] | undefined): A[] | undefined => list?.map((a) => ({ ...a, filename: sealOne(a.filename)! }));
  switch (event.type) {
    case 'message.received': {
      const d = event.data;
      const data = { ...d, handle: sealOne(d.handle, 'identity')!, text: isSurveyAnswer(d.text) ? d.text : sealOne(d.text)! };
      if (d.subject !== undefined) data.subject = sealOne(d.subject);
      if (d.attachments) data.attachments = files(d.attachments);
      if (d.location) {
        const location = { ...d.location };
        if (location.name !== undefined) location.name = sealOne(location.name);
        if (location.address !== undefined) location.address = sealOne(location.address);
        data.location = location;
      }
      return { ...event, data };
    }
    case 'message.sent': {
      const d = event.data;
      const data = { ...d, text: sealOne(d.text)! };
      if (d.handle !== undefined) data.handle = sealOne(d.handle, 'identity');
      if (d.subject !== undefined) data.subject = sealOne(d.subject);
      if (d.attachments) data.attachments = files(d.attachments);
      return { ...event, data };
    }
    case 'customer.identified':
      return { ...event, data: { ...event.data, handle: sealOne(event.data.handle, 'identity')! } };
    case 'survey.answered':
      return event.data.comment === undefined ? event : { ...event, data: { ...event.data, comment: sealOne(event.data.comment) } };
    // Notes people and the bot write about a conversation quote the customer (the bot's hand-off quotes their messages).
    case 'conversation.assigned':
      return event.data.context === undefined ? event : { ...event, data: { ...event.data, context: sealOne(event.data.context) } };
    case 'conversation.transferred':
    case 'conversation.reopened':
      return event.data.reason === undefined ? event : ({ ...event, data: { ...event.data, reason: sealOne(event.data.reason) } } as E);
    // A provider's refusal may quote the number or address it refused.
    case 'message.status_updated':
      return event.data.error === undefined ? event : { ...event, data: { ...event.data, error: sealOne(event.data.error) } };
    default:
      return event;
  }
}

/** Whether an event carries a personal field that is not sealed yet. */
export function hasPlainPersonalData(event: AnyEvent): boolean {
  return plainPersonalKinds(event).size > 0;
}

/** The kinds of personal field an event carries unsealed. */
export function plainPersonalKinds(event: AnyEvent): Set<PersonalKind> {
  const kinds = new Set<PersonalKind>();
  mapPersonalFields(event, (value, kind) => {
    kinds.add(kind);
    return value;
  });
  return kinds;
}

/**
 * A bare score ("5", "4/5", "★★★★") stays plaintext: the fold reads it as a survey answer and the
 * KPI replay, which never opens anything, must read it the same way. It names no one.
 */
function isSurveyAnswer(text: string): boolean {
  return parseSurveyReply(text, { kind: 'csat' }) !== null || parseSurveyReply(text, { kind: 'nps' }) !== null;
}
