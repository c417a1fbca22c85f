/**
 * The customers' devices: what the engine sends reaches a phone (the Twilio and WhatsApp
 * stand-ins), a mailbox (the SMTP sink) or a browser tab (the chat WebSocket), and lands here, per
 * handle, for the simulated customer to read in order.
 */
import { simpleParser } from 'mailparser';
import WebSocket from 'ws';
import { messageOfCall, type ProviderApis, type SmtpSink } from '../sim/providers.ts';

export interface Delivery {
  text: string;
  /** E-mail only. */
  subject?: string;
  messageId?: string;
  replyTo?: string;
  /** Chat only: the widget shows who wrote. */
  authorKind?: string;
}

export class Inboxes {
  private readonly pending = new Map<string, Delivery[]>();
  private readonly wake = new Map<string, () => void>();
  private mailChain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(providers: ProviderApis, sink: SmtpSink) {
    providers.onCall((call) => {
      const message = messageOfCall(call);
      if (message) this.deliver(message.channel === 'sms' ? `sms:${message.to}` : `wa:${message.to}`, { text: message.text });
    });
    // Parsed one after another, so a mailbox keeps the order the mails came in.
    sink.onMail((mail) => {
      this.mailChain = this.mailChain.then(async () => {
        const parsed = await simpleParser(mail.raw);
        const delivery: Delivery = { text: parsed.text ?? '', subject: parsed.subject ?? '', messageId: parsed.messageId ?? '', replyTo: parsed.replyTo?.value[0]?.address ?? '' };
        for (const to of mail.to) this.deliver(`mail:${to.toLowerCase()}`, delivery);
      }).catch(() => undefined);
    });
  }

  deliver(handle: string, delivery: Delivery): void {
    const list = this.pending.get(handle) ?? [];
    list.push(delivery);
    this.pending.set(handle, list);
    this.wake.get(handle)?.();
  }

  /** The next delivery to `handle` that `wanted` accepts (others before it are read and passed over), or null after `timeoutMs`. */
  async next(handle: string, wanted: (d: Delivery) => boolean, timeoutMs: number): Promise<Delivery | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = this.pending.get(handle) ?? [];
      while (list.length) {
        const d = list.shift()!;
        if (wanted(d)) return d;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake.set(handle, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.wake.delete(handle);
    }
  }

  /** Stops every wait: whoever still waits reads nothing more. */
  close(): void {
    this.closed = true;
    for (const wake of this.wake.values()) wake();
  }

  /** A visitor's browser tab: the widget's WebSocket, delivering replies to `chat:<token>`. */
  async openChat(engineUrl: string, widgetKey: string, visitorToken: string): Promise<() => void> {
    const socket = new WebSocket(`${engineUrl.replace(/^http/, 'ws')}/v1/chat/ws?widgetKey=${encodeURIComponent(widgetKey)}&visitorToken=${encodeURIComponent(visitorToken)}`);
    socket.on('message', (data) => {
      const payload = JSON.parse(String(data)) as { type?: string; text?: string; author?: { kind?: string } };
      if (payload.type === 'message' && payload.text !== undefined) this.deliver(`chat:${visitorToken}`, { text: payload.text, authorKind: payload.author?.kind ?? '' });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return () => socket.close();
  }
}
