import { createHmac } from 'node:crypto';
import twilio from 'twilio';

/** What a provider or client got back from one of the engine's doors. */
export interface DoorAnswer<T = unknown> {
  status: number;
  contentType: string;
  text: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  body: T | null;
}

async function answerOf<T>(response: Response): Promise<DoorAnswer<T>> {
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

/** The form Twilio posts to a message's StatusCallback. */
export function twilioStatusCallback(input: { accountSid: string; messageSid: string; status: string; from: string; to: string }): Record<string, string> {
  return {
    SmsSid: input.messageSid,
    SmsStatus: input.status,
    MessageStatus: input.status,
    To: input.to,
    MessageSid: input.messageSid,
    AccountSid: input.accountSid,
    From: input.from,
    ApiVersion: '2010-04-01',
  };
}

/**
 * POSTs a form to the engine as Twilio does: X-Twilio-Signature made by the official `twilio`
 * library over the public URL Twilio was configured with (not the address the request goes to).
 */
export async function postAsTwilio(engineUrl: string, publicUrl: string, authToken: string, path: string, params: Record<string, string>): Promise<DoorAnswer> {
  const signature = twilio.getExpectedTwilioSignature(authToken, publicUrl.replace(/\/+$/, '') + path, params);
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

/** The engine's /v1 API with one tenant's key, JSON in and out. */
export function apiClient(engineUrl: string, apiKey: string) {
  const request = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<DoorAnswer<T>> => {
    const response = await fetch(engineUrl + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return answerOf<T>(response);
  };
  return {
    get: <T>(path: string) => request<T>('GET', path),
    post: <T>(path: string, body: unknown, headers?: Record<string, string>) => request<T>('POST', path, body, headers),
  };
}
