/**
 * Bounded load through the public doors, like the outside world: customers write by SMS (Twilio's
 * signed webhook) and WhatsApp (Meta's signed webhook), agents reply through the agents' API with an
 * Idempotency-Key. A request that is not answered 2xx (503, another 5xx, no answer at all) is sent
 * again, byte for byte (same payload, signature, key), as a provider would, for up to the retry
 * budget; any 2xx is accepted. Every message is kept in a ledger the checks read afterwards.
 */
import { createHash, createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { deterministicEventId } from '../../events/index.ts';
import { conversationIdFor } from '../../src/domain/fold/conversation.ts';
import { twilioSignature } from '../../src/channels/twilio/signature.ts';
import { twilioInboundSms, whatsappTextWebhook } from '../sim/doors.ts';
import { seededRandom } from '../sim/random.ts';
import { TENANT, WHATSAPP_DISPLAY_NUMBER, type ChaosDeployment } from './deployment.ts';

/** A request's fate so far. */
export interface Attempts {
  /** When the first attempt was sent, ms since the run started. */
  firstAt: number;
  /** When a 2xx answer arrived. */
  acceptedAt?: number;
  attempts: number;
  /** Answers by status ('network' when none came). */
  answers: Record<string, number>;
  /** skipped: an agent reply to a conversation the projection does not show yet (an agent could not have seen it). */
  outcome: 'pending' | 'accepted' | 'rejected' | 'gave-up' | 'skipped';
  /** The last refusal or error, for the report. */
  detail?: string;
}

export interface InboundRecord extends Attempts {
  n: number;
  channel: 'sms' | 'whatsapp';
  provider: 'twilio' | 'whatsapp';
  phone: string;
  providerMessageId: string;
  /** What the door derives from the provider's message id (deterministicEventId). */
  eventId: string;
}

export interface ReplyRecord extends Attempts {
  n: number;
  key: string;
  /** In the text, so the provider stand-ins' calls can be counted per reply. */
  marker: string;
  conversationId: string;
  channel: 'sms' | 'whatsapp';
  messageId?: string;
  eventId?: string;
}

interface Customer {
  index: number;
  channel: 'sms' | 'whatsapp';
  phone: string;
  name: string;
  sent: number;
  conversationId?: string;
  openedAt?: number;
  replying: boolean;
}

type Verdict = 'ok' | 'retry' | 'refused' | 'skip';

/** At most `size` requests at once; the others wait in order. */
class Slots {
  private used = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.used >= this.size) await new Promise<void>((r) => this.queue.push(r));
    else this.used++;
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.used--;
    }
  }
}

/** A door's answer, or the network error in its place. */
type Answer = { status: number; text: string; retryAfterS?: number } | { error: string };

const REQUEST_TIMEOUT_MS = 35_000;
/** Per customer, so a conversation stays far below the 200 transcript lines the projection keeps. */
const MESSAGES_PER_CUSTOMER = 40;
/** A reply goes to a conversation opened at least this long ago (the fold has usually shown it by then). */
const REPLY_AFTER_MS = 3000;

const TEXTS = [
  'Hi, where is my order? It was supposed to arrive yesterday.',
  'I would like a refund for my last purchase, please.',
  'The app shows an error when I try to pay.',
  'I forgot my password and cannot log in.',
  'Can I change the delivery address of my order?',
  'The parcel arrived damaged, what now?',
  'Do you ship to Canada?',
  'I was charged twice for the same order.',
  'Thanks, that helps. One more question though.',
  'Is anyone there? I am still waiting.',
  'I want to cancel my subscription.',
  'The tracking link does not work.',
];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export interface LoadOptions {
  deployment: ChaosDeployment;
  /** Requests in flight at most (a provider's concurrency towards one endpoint); the rest wait their turn. */
  maxInFlight: number;
  rate: number;
  replyShare: number;
  seed: number;
  retryBudgetMs: number;
  clock(): number;
}

export class Load {
  readonly inbound: InboundRecord[] = [];
  readonly replies: ReplyRecord[] = [];
  /** Times (ms since start) of every 2xx answer a door or the API gave, in order. */
  readonly accepted: number[] = [];
  /** Every answer the doors and the API gave, by status (or network error), over all attempts. */
  readonly answers = new Map<string, number>();
  private readonly customers: Customer[] = [];
  private readonly idle: Customer[] = [];
  private readonly withConversation: Customer[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly slots: Slots;
  private readonly random;
  private readonly agents: string[];
  private stopped = false;

  constructor(private readonly o: LoadOptions) {
    this.random = seededRandom(o.seed);
    this.slots = new Slots(o.maxInFlight);
    this.agents = o.deployment.settings.routing.agents.map((a) => a.id);
    if (this.agents.length === 0) throw new Error(`tenant ${TENANT} has no agents to reply as`);
  }

  /** Sends at the configured rates for `durationMs`; resolves when the last message was sent (not settled). */
  async run(durationMs: number): Promise<void> {
    const start = this.o.clock();
    const end = start + durationMs;
    const replyRate = this.o.rate * this.o.replyShare;
    const tick = (rate: number, send: () => void) =>
      (async () => {
        if (rate <= 0) return;
        const period = 1000 / rate;
        for (let next = start + this.random.next() * period; next < end && !this.stopped; next += period) {
          const wait = next - this.o.clock();
          if (wait > 0) await sleep(wait);
          if (this.stopped) return;
          send();
        }
      })();
    await Promise.all([tick(this.o.rate, () => this.track(this.customerWrites())), tick(replyRate, () => this.agentReplies())]);
  }

  /** Resolves when every message sent was accepted, refused for good, or given up on. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Sends no new message (retries under way go on until their budget runs out). */
  stop(): void {
    this.stopped = true;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  summary() {
    const count = (records: Attempts[], outcome: Attempts['outcome']) => records.filter((r) => r.outcome === outcome).length;
    return {
      customers: this.customers.length,
      inbound: { sent: this.inbound.length, accepted: count(this.inbound, 'accepted'), pending: count(this.inbound, 'pending'), gaveUp: count(this.inbound, 'gave-up'), rejected: count(this.inbound, 'rejected') },
      replies: {
        sent: this.replies.length - count(this.replies, 'skipped'),
        accepted: count(this.replies, 'accepted'),
        pending: count(this.replies, 'pending'),
        gaveUp: count(this.replies, 'gave-up'),
        rejected: count(this.replies, 'rejected'),
        skipped: count(this.replies, 'skipped'),
      },
    };
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => console.error('[chaos] load generator bug:', err));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private newCustomer(): Customer {
    const index = this.customers.length;
    const channel = this.random.chance(0.5) ? 'sms' : 'whatsapp';
    // Two ranges, so an SMS customer and a WhatsApp customer are never the same phone (one identity).
    const number = Math.floor(index / 2);
    if (number >= 10_000) throw new Error('more than 20,000 customers: lower --rate or --duration');
    const phone = channel === 'sms' ? `+1415555${pad(number, 4)}` : `+1628555${pad(number, 4)}`;
    const customer: Customer = { index, channel, phone, name: `Chaos Customer ${index}`, sent: 0, replying: false };
    this.customers.push(customer);
    return customer;
  }

  /** An idle customer writes again, or (one time in eight, or when all are busy) a new one starts. */
  private pickCustomer(): Customer {
    if (this.idle.length > 0 && !this.random.chance(1 / 8)) {
      const i = this.random.int(this.idle.length);
      const customer = this.idle[i]!;
      this.idle[i] = this.idle[this.idle.length - 1]!;
      this.idle.pop();
      return customer;
    }
    return this.newCustomer();
  }

  private async customerWrites(): Promise<void> {
    const customer = this.pickCustomer();
    const n = this.inbound.length;
    const d = this.o.deployment;
    const text = `${this.random.pick(TEXTS)} (#${n})`;
    const id = createHash('sha256').update(`${d.name}/${n}`).digest('hex');
    customer.sent++;
    let record: InboundRecord;
    let send: () => Promise<Answer>;
    if (customer.channel === 'sms') {
      const messageSid = `SM${id.slice(0, 32)}`;
      const params = twilioInboundSms({ accountSid: d.twilio.accountSid, messageSid, from: customer.phone, to: d.twilio.number, body: text });
      const path = '/webhooks/twilio/sms';
      // Signed once over the public URL Twilio was configured with; every retry is the same request.
      const signature = twilioSignature(d.twilio.authToken, d.url + path, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])));
      const body = new URLSearchParams(params).toString();
      record = this.inboundRecord(n, 'sms', 'twilio', customer.phone, messageSid);
      send = () => request(d.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-twilio-signature': signature }, body });
    } else {
      const messageId = `wamid.${id.slice(0, 40).toUpperCase()}`;
      const waId = customer.phone.slice(1);
      const payload = whatsappTextWebhook({
        wabaId: d.meta.wabaId,
        phoneNumberId: d.meta.phoneNumberId,
        displayPhoneNumber: WHATSAPP_DISPLAY_NUMBER,
        waId,
        name: customer.name,
        messageId,
        text,
        timestamp: Math.floor(Date.now() / 1000),
      });
      const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
      const signature = `sha256=${createHmac('sha256', d.meta.appSecret).update(bytes).digest('hex')}`;
      record = this.inboundRecord(n, 'whatsapp', 'whatsapp', customer.phone, messageId);
      send = () => request(`${d.url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body: bytes });
    }
    await this.persist(record, send, (status) => (status === 200 ? 'ok' : retryable(status) ? 'retry' : 'refused'));
    if (record.outcome === 'accepted' && customer.conversationId === undefined) {
      // The customer's first message opens the conversation (its id is the opening event's).
      customer.conversationId = conversationIdFor(record.eventId);
      customer.openedAt = record.acceptedAt;
      this.withConversation.push(customer);
    }
    if (customer.sent < MESSAGES_PER_CUSTOMER && (customer.conversationId !== undefined || record.outcome === 'accepted')) this.idle.push(customer);
  }

  private inboundRecord(n: number, channel: InboundRecord['channel'], provider: InboundRecord['provider'], phone: string, providerMessageId: string): InboundRecord {
    const record: InboundRecord = {
      n,
      channel,
      provider,
      phone,
      providerMessageId,
      eventId: deterministicEventId(TENANT, provider, providerMessageId),
      firstAt: this.o.clock(),
      attempts: 0,
      answers: {},
      outcome: 'pending',
    };
    this.inbound.push(record);
    return record;
  }

  /** An agent answers a conversation opened a few seconds ago (one reply in flight per customer). */
  private agentReplies(): void {
    const now = this.o.clock();
    let customer: Customer | undefined;
    for (let tries = 0; tries < 8 && this.withConversation.length > 0; tries++) {
      const candidate = this.withConversation[this.random.int(this.withConversation.length)]!;
      if (!candidate.replying && now - (candidate.openedAt ?? now) >= REPLY_AFTER_MS) {
        customer = candidate;
        break;
      }
    }
    if (!customer) return;
    const c = customer;
    c.replying = true;
    const n = this.replies.length;
    const d = this.o.deployment;
    const key = `${d.name}-r${n}`;
    const marker = `[chaos r${n}]`;
    const record: ReplyRecord = { n, key, marker, conversationId: c.conversationId!, channel: c.channel, firstAt: now, attempts: 0, answers: {}, outcome: 'pending' };
    this.replies.push(record);
    const body = JSON.stringify({ text: `Thanks for writing, we are on it. ${marker}`, authorId: this.agents[n % this.agents.length] });
    const send = () =>
      request(`${d.url}/v1/conversations/${encodeURIComponent(record.conversationId)}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${d.apiKey}`, 'content-type': 'application/json', 'idempotency-key': key },
        body,
      });
    // 404 before any answer showed the conversation: the projection does not have it yet (the fold
    // is behind), so no agent could have seen it; the reply is dropped, not counted. A 404 after the
    // API found it once (a 503 comes after the lookup) would be a fault.
    let found = false;
    const classify = (status: number): Verdict => {
      if (status === 202) return 'ok';
      if (status === 404) return found ? 'refused' : 'skip';
      if (status === 503 || status === 409) found = true;
      return retryable(status) ? 'retry' : 'refused';
    };
    this.track(
      this.persist(record, send, classify, (text) => {
        const answer = JSON.parse(text) as { messageId?: string; eventId?: string };
        if (answer.messageId !== undefined) record.messageId = answer.messageId;
        if (answer.eventId !== undefined) record.eventId = answer.eventId;
      }).finally(() => {
        c.replying = false;
      }),
    );
  }

  /** Sends until accepted, refused, or out of budget; the same request every time. */
  private async persist(record: Attempts, send: () => Promise<Answer>, classify: (status: number) => Verdict, onAccepted?: (text: string) => void): Promise<void> {
    const deadline = record.firstAt + this.o.retryBudgetMs;
    let backoff = 250;
    for (;;) {
      record.attempts++;
      const answer = await this.slots.run(send);
      const label = 'error' in answer ? 'network' : String(answer.status);
      record.answers[label] = (record.answers[label] ?? 0) + 1;
      const detailed = 'error' in answer ? `no answer (${answer.error})` : answer.status < 300 ? String(answer.status) : `${answer.status} ${errorCode(answer.text)}`;
      this.answers.set(detailed, (this.answers.get(detailed) ?? 0) + 1);
      const verdict = 'error' in answer ? 'retry' : classify(answer.status);
      if (verdict === 'ok' && !('error' in answer)) {
        record.acceptedAt = this.o.clock();
        record.outcome = 'accepted';
        this.accepted.push(record.acceptedAt);
        onAccepted?.(answer.text);
        return;
      }
      record.detail = 'error' in answer ? answer.error : `${answer.status} ${answer.text.slice(0, 200)}`;
      if (verdict === 'refused') {
        record.outcome = 'rejected';
        return;
      }
      if (verdict === 'skip') {
        record.outcome = 'skipped';
        return;
      }
      // Retry-After when the door says (capped: providers retry within seconds), else exponential.
      const asked = 'error' in answer ? undefined : answer.retryAfterS;
      const wait = (asked !== undefined ? Math.min(asked * 1000, 5000) : backoff) * (0.8 + 0.4 * Math.random());
      backoff = Math.min(backoff * 2, 4000);
      if (this.o.clock() + wait > deadline) {
        record.outcome = 'gave-up';
        return;
      }
      await sleep(wait);
    }
  }
}

/** The `error` code of a JSON refusal, else the start of the text. */
function errorCode(text: string): string {
  try {
    return String((JSON.parse(text) as { error?: unknown }).error ?? text.slice(0, 40));
  } catch {
    return text.slice(0, 40);
  }
}

const retryable = (status: number) => status === 503 || status === 408 || status === 429 || status >= 500;

async function request(url: string, init: { method: string; headers: Record<string, string>; body: string | Buffer }): Promise<Answer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    const retryAfter = Number(response.headers.get('retry-after'));
    return { status: response.status, text, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterS: retryAfter } : {}) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { error: cause ?? (err as Error).name ?? 'error' };
  }
}
