import type { EventDataInput } from '../../../events/index.ts';
import type { InboundMessage } from '../ingest.ts';

export type MetaProvider = 'whatsapp' | 'messenger' | 'instagram';

/** A delivery report on a message we sent, or (watermark) on all we sent up to a time. */
export interface StatusReport {
  provider: MetaProvider;
  /** The message, by the provider's id; absent for a watermark. */
  providerMessageId?: string;
  /** Messenger and Instagram receipts: every message up to this time (RFC 3339) got to `status`. */
  watermark?: string;
  status: EventDataInput<'message.status_updated'>['status'];
  /** The customer's raw address (WhatsApp: the number without '+'). */
  recipient: string;
  time: string;
  error?: string;
}

/** What one piece of a webhook body asks of us. */
export type MetaItem =
  | { kind: 'message'; message: Omit<InboundMessage, 'tenant'> }
  | { kind: 'status'; status: StatusReport }
  /** Well-formed but not a customer message or status (system notices, edits, echoes, …). */
  | { kind: 'ignored'; what: string }
  /** Looks like a message but cannot be read: kept on the rejected-input topic. */
  | { kind: 'invalid'; reason: string };

/** A webhook body, as far as we rely on its shape. */
export interface MetaBody {
  object: string;
  entry: unknown[];
}

/**
 * The part of a webhook body that belongs to one route (a WhatsApp change, a Messenger/Instagram
 * entry): the route id decides the tenant, and `raw` is kept whole if that route is unknown.
 */
export interface MetaUnit {
  routeId: string | undefined;
  /** A self-contained webhook body holding only this unit, to keep on the rejected-input topic. */
  raw: MetaBody;
  items: MetaItem[];
}

/** Meta times are epoch seconds (WhatsApp, as strings) or milliseconds (Messenger, Instagram). */
export function isoFromEpoch(value: unknown, unit: 's' | 'ms', fallback: Date): string {
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  const date = new Date(unit === 's' ? n * 1000 : n);
  return Number.isFinite(n) && n > 0 && !Number.isNaN(date.getTime()) ? date.toISOString() : fallback.toISOString();
}
