/**
 * Clients of the engine's inbound doors, speaking as the outside world does: Twilio's signed SMS
 * webhook, Meta's signed WhatsApp webhook, e-mail over SMTP, and the chat widget's HTTP POST. The
 * demo's simulated customers write through these; the end-to-end specs build the same payloads.
 * (The chat widget's WebSocket needs a client library: scripts/demo holds it, src/ stays free of
 * development dependencies.)
 */
import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { twilioSignature } from '../../src/channels/twilio/signature.ts';

/** What a provider or client got back from one of the engine's doors. */
export interface DoorAnswer<T = unknown> {
  status: number;
  contentType: string;
  text: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  body: T | null;
}

export async function answerOf<T>(response: Response): Promise<DoorAnswer<T>> {
  const text = await response.text();
  let body: T | null = null;
  try {
    body = text ? (JSON.parse(text) as T) : null;
  } catch {
    body = null;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, body };
}

/** The form Twilio posts for an inbound SMS (its real field set, API version 2010-04-01). */
export function twilioInboundSms(input: { accountSid: string; messageSid: string; from: string; to: string; body: string }): Record<string, string> {
  return {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: input.messageSid,
    NumMedia: '0',
    ToCity: '',
    FromZip: '94105',
    SmsSid: input.messageSid,
    FromState: 'CA',
    SmsStatus: 'received',
    FromCity: 'SAN FRANCISCO',
    Body: input.body,
    FromCountry: 'US',
    To: input.to,
    ToZip: '',
    NumSegments: '1',
    MessageSid: input.messageSid,
    AccountSid: input.accountSid,
    From: input.from,
    ApiVersion: '2010-04-01',
  };
}

/**
 * POSTs a form to the engine as Twilio does: X-Twilio-Signature over the public URL Twilio was
 * configured with (not the address the request goes to) and the sorted parameters.
 */
export async function postAsTwilio(engineUrl: string, publicUrl: string, authToken: string, path: string, params: Record<string, string>): Promise<DoorAnswer> {
  const form = Object.fromEntries(Object.entries(params).map(([name, value]) => [name, [value]]));
  const signature = twilioSignature(authToken, publicUrl.replace(/\/+$/, '') + path, form);
  const response = await fetch(engineUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  return answerOf(response);
}

/** A WhatsApp Cloud API `messages` webhook with one text message, as Meta sends it. */
export function whatsappTextWebhook(input: { wabaId: string; phoneNumberId: string; displayPhoneNumber: string; waId: string; name: string; messageId: string; text: string; timestamp: number }) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: input.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: input.displayPhoneNumber, phone_number_id: input.phoneNumberId },
              contacts: [{ profile: { name: input.name }, wa_id: input.waId }],
              messages: [{ from: input.waId, id: input.messageId, timestamp: String(input.timestamp), type: 'text', text: { body: input.text } }],
            },
          },
        ],
      },
    ],
  };
}

/** POSTs a webhook body to the engine as Meta does: X-Hub-Signature-256 over the exact bytes sent. */
export async function postAsMeta(engineUrl: string, appSecret: string, body: unknown): Promise<DoorAnswer> {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const signature = `sha256=${createHmac('sha256', appSecret).update(bytes).digest('hex')}`;
  const response = await fetch(`${engineUrl}/webhooks/meta`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: bytes,
  });
  return answerOf(response);
}

/** A visitor's message through the chat widget's door. */
export async function postChatMessage(engineUrl: string, input: { widgetKey: string; visitorToken: string; text: string; clientMessageId?: string }): Promise<DoorAnswer<{ status: string; eventId: string }>> {
  const response = await fetch(`${engineUrl}/v1/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return answerOf(response);
}

/** An SMTP client for the engine's listener (plain SMTP on a local port: no TLS to negotiate). */
export function smtpClient(host: string, port: number) {
  const transport = nodemailer.createTransport({ host, port, secure: false, ignoreTLS: true, pool: true, maxConnections: 4 });
  return {
    /** Sends one mail; resolves with the server's answer once it said 250 (the event is on the log). */
    async send(mail: { from: string; to: string; subject: string; text: string; messageId?: string; inReplyTo?: string }): Promise<string> {
      const info = await transport.sendMail({
        ...mail,
        ...(mail.inReplyTo ? { references: [mail.inReplyTo] } : {}),
      });
      return String(info.response);
    },
    verify: () => transport.verify().then(() => true, () => false),
    close: () => transport.close(),
  };
}
