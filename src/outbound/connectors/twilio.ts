import type { Config } from '../../config/schema.ts';
import { WHATSAPP_USER_ID } from '../../domain/whatsapp-user-id.ts';
import { field, postToProvider } from './http.ts';
import { PermanentDeliveryError, type Connector } from './types.ts';

/**
 * SMS (and, with `whatsapp`, WhatsApp) through Twilio's Messages API, from the tenant's account (the first one configured for it).
 * `I-Twilio-Idempotency-Token` carries our idempotency key, the same on every attempt. Twilio
 * reports delivery to the Twilio adapter's status webhook (StatusCallback), which signs with our
 * public URL.
 */
export function twilioConnector(channels: Pick<Config['channels'], 'twilio' | 'publicUrl'>, timeoutMs: number, whatsapp = false): Connector {
  const config = channels.twilio;
  const base = config.apiBaseUrl.replace(/\/+$/, '');
  const statusCallback = `${channels.publicUrl.replace(/\/+$/, '')}/webhooks/twilio/status`;
  return {
    async send(message, idempotencyKey) {
      const account = Object.entries(config.accounts).find(([, a]) => a.tenant === message.tenant);
      if (!account) throw new PermanentDeliveryError(`no Twilio account is configured for tenant ${message.tenant}`);
      const [accountSid, { authToken, from }] = account;
      const answer = await postToProvider({
        url: `${base}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'i-twilio-idempotency-token': idempotencyKey,
        },
        body: new URLSearchParams({ ...addressesOf(message.handle, from, whatsapp), Body: message.text, StatusCallback: statusCallback }).toString(),
        timeoutMs,
      });
      return { providerMessageId: field(answer, ['sid']) };
    },
  };
}

/**
 * A WhatsApp message through Twilio (the customer wrote by WhatsApp, or is known by a WhatsApp
 * user id only) goes back by WhatsApp: `whatsapp:` on both addresses, from the account's number as
 * its WhatsApp sender. Anything else is an SMS to the number.
 */
function addressesOf(handle: string, from: string, whatsapp: boolean): { To: string; From: string } {
  if (!whatsapp && !WHATSAPP_USER_ID.test(handle)) return { To: handle, From: from };
  return { To: `whatsapp:${handle}`, From: /^whatsapp:/i.test(from) ? from : `whatsapp:${from}` };
}
