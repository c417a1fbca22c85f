import type { Redis } from 'ioredis';
import type { CountryCode } from 'libphonenumber-js';
import {
  createEvent,
  deterministicEventId,
  EventValidationError,
  randomEventId,
  type AnyEvent,
  type EventDataInput,
  type ParseIssue,
} from '../../events/index.ts';
import type { Channel } from '../domain/state.ts';
import type { EventLog } from '../log/event-log.ts';
import { AppendClaims, IngestInProgressError } from './claims.ts';
import { normaliseHandle } from './handles.ts';
import type { IdentityStore } from './identity.ts';

/** A message as an adapter has verified and parsed it, before identity and dedupe. */
export interface InboundMessage {
  tenant: string;
  channel: Channel;
  provider: string;
  /** The sender's address as the provider gave it; normalised here. */
  from: string;
  /**
   * Other addresses of the same sender the provider gave with the message (a WhatsApp number beside
   * the user id it wrote from, or the user id beside the number): identities of the same customer,
   * linked to it on first sight. Replies still go to `from`.
   */
  linked?: string[];
  text: string;
  /** When the provider says it was sent; the adapter's receipt time when it says nothing. */
  time: string;
  subject?: string;
  providerMessageId?: string;
  threadKey?: string;
  inReplyTo?: string;
  attachments?: EventDataInput<'message.received'>['attachments'];
  language?: string;
  /** Auto-replies and bounces are kept on the log but must not open conversations or surveys. */
  automated?: 'auto-reply' | 'bounce';
  /** A button press, referral or opt-in rather than typed text, and what the business attached to it (message.received `kind`, `payload`). */
  kind?: EventDataInput<'message.received'>['kind'];
  payload?: string;
  location?: EventDataInput<'message.received'>['location'];
}

export type IngestOutcome =
  | { status: 'accepted'; eventId: string; customer: string; events: AnyEvent[] }
  | { status: 'duplicate'; eventId: string }
  | { status: 'rejected'; reason: string; issues: ParseIssue[] };

/** Another request for the same provider message is in flight: answer 503 so the provider retries. */
export { IngestInProgressError };

export interface IngestorOptions {
  redis: Redis;
  instance: string;
  identities: IdentityStore;
  eventLog: EventLog;
  source: string;
  defaultCountry?: CountryCode;
  /** How long a provider message id is remembered as done (provider retries come within days). */
  dedupeSeconds?: number;
  /** How long a request's claim on a message lasts unless renewed (default 5 s; see claims.ts). */
  leaseMs?: number;
}

/**
 * The inbound steps every adapter shares, after its own verify and parse: normalise the handle,
 * resolve the customer (first sight emits `customer.identified`), validate the event, then append it
 * at most once per provider message id (`AppendClaims`: a claim with a lease while the request works,
 * 'done' once Kafka acknowledged; a claim left by a request that died is checked against the log
 * before anything is appended again). A failure anywhere leaves the provider's retry safe.
 */
export class Ingestor {
  private readonly claims: AppendClaims;

  constructor(private readonly o: IngestorOptions) {
    this.claims = new AppendClaims({
      redis: o.redis,
      instance: o.instance,
      eventLog: o.eventLog,
      ...(o.dedupeSeconds !== undefined ? { claimSeconds: o.dedupeSeconds } : {}),
      ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
    });
  }

  /**
   * Appends one event whose id the provider's own id determines (a delivery report) at most once,
   * under the same claims as messages: a provider's retry, even one after a crash of the request
   * that appended it, adds nothing to the log. Returns whether this call appended it.
   */
  async appendOnce(event: AnyEvent): Promise<'appended' | 'duplicate'> {
    const [outcome] = await this.claims.appendOnce(event.tenant, [{ id: event.id, events: [event] }]);
    return outcome === 'appended' ? 'appended' : 'duplicate';
  }

  async ingest(message: InboundMessage): Promise<IngestOutcome> {
    const normalised = [message.from, ...(message.linked ?? [])].map((raw) => normaliseHandle(message.channel, message.provider, raw, this.o.defaultCountry));
    const refused = normalised.find((n) => !n.ok);
    if (refused && !refused.ok) return { status: 'rejected', reason: refused.reason, issues: [{ path: ['data', 'handle'], message: refused.reason, code: 'invalid_handle' }] };
    const handles = [...new Map(normalised.flatMap((n) => (n.ok ? [[n.value.identityKey, n.value] as const] : []))).values()];
    const { handle } = handles[0]!;
    const eventId = message.providerMessageId
      ? deterministicEventId(message.tenant, message.provider, message.providerMessageId)
      : randomEventId();

    try {
      const keys = handles.map((h) => h.identityKey) as [string, ...string[]];
      const { customer, identities } = await this.o.identities.resolveLinked(message.tenant, keys);
      const unannounced = identities.filter((i) => i.announce).map((i) => handles.find((h) => h.identityKey === i.identityKey)!);
      const events: AnyEvent[] = unannounced.map((identity) =>
        createEvent({
          type: 'customer.identified',
          id: deterministicEventId(message.tenant, 'identity', identity.identityKey),
          source: this.o.source,
          tenant: message.tenant,
          customer,
          time: message.time,
          data: { channel: message.channel, provider: message.provider, handle: identity.handle },
        }),
      );
      const data: EventDataInput<'message.received'> = {
        channel: message.channel,
        provider: message.provider,
        handle,
        text: message.text,
      };
      if (message.subject !== undefined) data.subject = message.subject;
      if (message.providerMessageId !== undefined) data.providerMessageId = message.providerMessageId;
      if (message.threadKey !== undefined) data.threadKey = message.threadKey;
      if (message.inReplyTo !== undefined) data.inReplyTo = message.inReplyTo;
      if (message.attachments?.length) data.attachments = message.attachments;
      if (message.language !== undefined) data.language = message.language;
      if (message.automated !== undefined) data.automated = message.automated;
      if (message.kind !== undefined) data.kind = message.kind;
      if (message.payload !== undefined) data.payload = message.payload;
      if (message.location !== undefined) data.location = message.location;
      events.push(createEvent({ type: 'message.received', id: eventId, source: this.o.source, tenant: message.tenant, customer, time: message.time, data }));
      const announced = async () => {
        for (const identity of unannounced) await this.o.identities.markAnnounced(message.tenant, identity.identityKey);
      };
      if (!message.providerMessageId) {
        // A random id: no retry can carry it, so there is nothing to claim.
        await this.o.eventLog.append(events);
        await announced();
      } else {
        const [outcome] = await this.claims.appendOnce(message.tenant, [{ id: eventId, events }], { afterAppend: announced });
        // Found on the log, appended by a request that died: it carried the announcement too (the
        // identity was not announced then either, as it is not now).
        if (outcome === 'found') await announced();
        if (outcome !== 'appended') return { status: 'duplicate', eventId };
      }
      return { status: 'accepted', eventId, customer, events };
    } catch (err) {
      if (err instanceof EventValidationError) return { status: 'rejected', reason: err.error.message, issues: err.error.issues };
      throw err;
    }
  }
}
