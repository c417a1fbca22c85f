import twilio from 'twilio';
import { answerOf, type DoorAnswer } from '../../../scripts/sim/doors.ts';

// The payload builders are shared with the demo's simulated customers (scripts/sim/doors.ts).
export { postAsMeta, twilioInboundSms, whatsappTextWebhook, type DoorAnswer } from '../../../scripts/sim/doors.ts';

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
