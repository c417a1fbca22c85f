/**
 * Redaction for exports shared outside the team: texts, subjects, handles, attachment names,
 * provider message ids (they embed addresses), survey comments and free-text reasons become stable
 * pseudonyms: HMAC-SHA256 with a random key made for this export, so the same input gives the same
 * pseudonym within the export (threads and identities still line up) and cannot be reversed or
 * matched against another export. Ids (tenant, customer, agent, conversation), times, channels,
 * categories and scores stay: the replay of a redacted export gives the same KPIs. A message that
 * is only a survey score ("5", "4/5", "★★★★") is kept, because the fold reads it as the answer.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { AnyEvent } from '../../events/index.ts';
import { parseSurveyReply } from '../domain/survey/reply.ts';

export type Redactor = (event: AnyEvent) => AnyEvent;

export function createRedactor(key: Buffer = randomBytes(32)): Redactor {
  const pseudonym = (kind: string, value: string) => `${kind}_${createHmac('sha256', key).update(kind).update('\0').update(value).digest('hex').slice(0, 16)}`;
  const text = (value: string) => (value === '' || isScore(value) ? value : pseudonym('text', value));
  const opt = <T extends string | undefined>(kind: string, value: T): T => (value === undefined ? value : (pseudonym(kind, value) as T));

  return (event) => {
    const e = structuredClone(event);
    switch (e.type) {
      case 'message.received': {
        const d = e.data;
        d.text = text(d.text);
        d.handle = pseudonym('handle', d.handle);
        d.subject = opt('subject', d.subject);
        d.providerMessageId = opt('msg', d.providerMessageId);
        d.threadKey = opt('msg', d.threadKey);
        d.inReplyTo = opt('msg', d.inReplyTo);
        d.attachments = d.attachments?.map((a) => ({ ...a, filename: pseudonym('file', a.filename), storageKey: opt('file', a.storageKey), contentId: opt('msg', a.contentId) }));
        d.payload = opt('text', d.payload);
        // Where the customer was is the address itself: no pseudonym keeps it, so it goes.
        delete d.location;
        break;
      }
      case 'message.sent': {
        const d = e.data;
        d.text = text(d.text);
        d.handle = opt('handle', d.handle);
        d.subject = opt('subject', d.subject);
        d.inReplyTo = opt('msg', d.inReplyTo);
        if (d.attachments) d.attachments = d.attachments.map((a) => ({ ...a, filename: pseudonym('file', a.filename), storageKey: opt('file', a.storageKey) }));
        break;
      }
      case 'customer.identified':
        e.data.handle = pseudonym('handle', e.data.handle);
        break;
      case 'message.attachment_stored':
        // A content hash is a fingerprint of the file: replaced by another of the same shape.
        e.data.storageKey = createHmac('sha256', key).update('file-key').update('\0').update(e.data.storageKey).digest('hex');
        break;
      case 'message.attachment_failed':
        e.data.reason = pseudonym('text', e.data.reason);
        break;
      case 'message.status_updated':
        e.data.providerMessageId = opt('msg', e.data.providerMessageId);
        e.data.error = opt('text', e.data.error);
        break;
      case 'survey.answered':
        e.data.comment = opt('text', e.data.comment);
        break;
      case 'conversation.transferred':
      case 'conversation.reopened':
        e.data.reason = opt('text', e.data.reason);
        break;
      case 'conversation.assigned':
        e.data.context = opt('text', e.data.context);
        break;
      case 'conversation.escalated':
        e.data.reason = pseudonym('text', e.data.reason);
        break;
      default:
        break;
    }
    return withoutUndefined(e);
  };
}

const isScore = (value: string) => parseSurveyReply(value, { kind: 'nps' }) !== null || parseSurveyReply(value, { kind: 'csat' }) !== null;

/** Optional fields the event did not have stay absent (JSON drops undefined anyway; this keeps objects equal too). */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)])) as T;
}
