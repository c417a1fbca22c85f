import type { AnyEvent } from '../../events/index.ts';
import { isSealed } from '../../events/index.ts';
import { parseSurveyReply } from '../domain/survey/reply.ts';

/**
 * Which fields of an event identify or quote a person, and so travel sealed (events/README.md,
 * Personal data). Anything else (ids, times, channels, provider ids, scores) stays plaintext: the
 * fold, the KPIs and Kafka's routing need it, and none of it names anyone.
 */
export type FieldEdit = (value: string) => string;

/**
 * A copy of the event with every personal string passed through `edit` (empty strings and sealed
 * values are left as they are), or the event itself when it carries no personal field.
 */
export function mapPersonalFields<E extends AnyEvent>(event: E, edit: FieldEdit): E {
  const sealOne = (value: string | undefined): string | undefined => (value === undefined || value === '' || isSealed(value) ? value : edit(value));
  const files = <A extends { filename: string }>(list: A[] | undefined): A[] | undefined => list?.map((a) => ({ ...a, filename: sealOne(a.filename)! }));
  switch (event.type) {
    case 'message.received': {
      const d = event.data;
      const data = { ...d, handle: sealOne(d.handle)!, text: isSurveyAnswer(d.text) ? d.text : sealOne(d.text)! };
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
      if (d.handle !== undefined) data.handle = sealOne(d.handle);
      if (d.subject !== undefined) data.subject = sealOne(d.subject);
      if (d.attachments) data.attachments = files(d.attachments);
      return { ...event, data };
    }
    case 'customer.identified':
      return { ...event, data: { ...event.data, handle: sealOne(event.data.handle)! } };
    case 'survey.answered':
      return event.data.comment === undefined ? event : { ...event, data: { ...event.data, comment: sealOne(event.data.comment) } };
    default:
      return event;
  }
}

/** Whether an event carries a personal field that is not sealed yet. */
export function hasPlainPersonalData(event: AnyEvent): boolean {
  let found = false;
  mapPersonalFields(event, (value) => {
    found = true;
    return value;
  });
  return found;
}

/**
 * A bare score ("5", "4/5", "★★★★") stays plaintext: the fold reads it as a survey answer and the
 * KPI replay, which never opens anything, must read it the same way. It names no one.
 */
function isSurveyAnswer(text: string): boolean {
  return parseSurveyReply(text, { kind: 'csat' }) !== null || parseSurveyReply(text, { kind: 'nps' }) !== null;
}
