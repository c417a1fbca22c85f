/**
 * The audit trail, read from the log: what people and integrations did (every event the API
 * stamped with who caused it, CloudEvents authcontext) and every change to access
 * (`account.changed`), of one tenant, in a time window, newest first. Read from the topic at the
 * offsets of the window's start, so its cost is the window's events, not the whole log's.
 */
import type { Kafka } from 'kafkajs';
import { KAFKA_HEADERS, parseEventJson, type AnyEvent } from '../../events/index.ts';
import { readTopic } from './kafka-source.ts';

export interface AuditQuery {
  tenant: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** An account id, an API key id or an agent id: entries caused by them or naming them as the actor. */
  person?: string;
  conversation?: string;
  limit: number;
}

export interface AuditEntry {
  time: string;
  eventId: string;
  type: string;
  conversation: string | null;
  /** The customer the event is about (`account:<id>`, `api-key:<id>` for access changes, `agent:<id>` for presence). */
  subject: string;
  /** The actor the event names (`by`, a message's author), when it names one. */
  actor: { kind: string; id: string } | null;
  /** Who the server authenticated: `user` (authid: the account) or `api_key` (authid: the key id); null for a change made at the command line. */
  authtype: string | null;
  authid: string | null;
  claims: Record<string, unknown>;
  /** The change itself, for account.changed; the action's data otherwise, without message text. */
  data: Record<string, unknown>;
}

export async function readAudit(kafka: Kafka, topic: string, q: AuditQuery): Promise<{ entries: AuditEntry[]; scanned: number; truncated: boolean }> {
  const matched: AuditEntry[] = [];
  let scanned = 0;
  await readTopic({
    kafka,
    topic,
    since: q.from,
    record(message) {
      scanned++;
      // Another tenant's record is passed over without parsing it.
      if (message.headers?.[KAFKA_HEADERS.tenant]?.toString() !== q.tenant || !message.value) return;
      const parsed = parseEventJson(message.value.toString('utf8'));
      if (!parsed.ok) return;
      const entry = auditEntry(parsed.event, q);
      if (entry) matched.push(entry);
    },
  });
  matched.sort((a, b) => b.time.localeCompare(a.time) || b.eventId.localeCompare(a.eventId));
  return { entries: matched.slice(0, q.limit), scanned, truncated: matched.length > q.limit };
}

function auditEntry(event: AnyEvent, q: AuditQuery): AuditEntry | null {
  if (event.type !== 'account.changed' && event.authtype === undefined) return null;
  const time = Date.parse(event.time);
  if (time < q.from || time >= q.to) return null;
  if (q.conversation !== undefined && event.conversation !== q.conversation) return null;
  const data = event.data as Record<string, unknown>;
  const actor = (data.by ?? data.author ?? null) as AuditEntry['actor'];
  let claims: Record<string, unknown> = {};
  try {
    claims = event.authclaims ? (JSON.parse(event.authclaims) as Record<string, unknown>) : {};
  } catch {
    claims = {};
  }
  if (q.person !== undefined) {
    const names = [event.authid, actor?.id, claims.agent, (claims.onBehalfOf as { id?: string } | undefined)?.id];
    if (!names.includes(q.person)) return null;
  }
  const { text: _text, ...shown } = data;
  return {
    time: event.time,
    eventId: event.id,
    type: event.type,
    conversation: event.conversation ?? null,
    subject: event.customer,
    actor,
    authtype: event.authtype ?? null,
    authid: event.authid ?? null,
    claims,
    data: shown,
  };
}
