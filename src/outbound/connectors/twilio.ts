import type { Config } from '../../config/schema.ts';
import { WHATSAPP_USER_ID } from '../../domain/whatsapp-user-id.ts';
import { field, getFromProvider, postToProvider } from './http.ts';
import { PermanentDeliveryError, type Connector, type OutboundMessage } from './types.ts';
import type { OutboundFiles } from '../attachments.ts';

/**
 * SMS (and, with `whatsapp`, WhatsApp) through Twilio's Messages API, from the tenant's account (the first one configured for it).
 * `I-Twilio-Idempotency-Token` carries our idempotency key, the same on every attempt. Twilio
 * reports delivery to the Twilio adapter's status webhook (StatusCallback), which signs with our
 * public URL.
 *
 * Files go as `MediaUrl`s, signed links Twilio fetches from our API: up to ten in one MMS; WhatsApp
 * takes one a message, so the text goes with the first and each further file in a message of its
 * own (its idempotency token the key and the file's place). Those further messages ask for no
 * status callback: their SIDs are no message of ours, and their reports would wait in the fold for
 * a message that never comes. The first message's SID is the message's provider id.
 */
export function twilioConnector(channels: Pick<Config['channels'], 'twilio' | 'publicUrl'>, timeoutMs: number, whatsapp: boolean, files: OutboundFiles): Connector {
  const config = channels.twilio;
  const base = config.apiBaseUrl.replace(/\/+$/, '');
  const statusCallback = `${channels.publicUrl.replace(/\/+$/, '')}/webhooks/twilio/status`;
  const accountOf = (message: OutboundMessage) => {
    const account = Object.entries(config.accounts).find(([, a]) => a.tenant === message.tenant);
    if (!account) throw new PermanentDeliveryError(`no Twilio account is configured for tenant ${message.tenant}`);
    const [accountSid, { authToken, from }] = account;
    return {
      messagesUrl: `${base}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
      authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
      from,
    };
  };
  return {
    async send(message, idempotencyKey) {
      const { messagesUrl, authorization, from } = accountOf(message);
      const addresses = addressesOf(message.handle, from, whatsapp);
      const post = (form: URLSearchParams, token: string) =>
        postToProvider({
          url: messagesUrl,
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            'i-twilio-idempotency-token': token,
          },
          body: form.toString(),
          timeoutMs,
        });
      const media = files.of(message).map((file) => files.url(file));
      const [firstMedia, ...further] = whatsapp ? media.map((url) => [url]) : [media];
      // Twilio takes a message without Body when it has media.
      const first = new URLSearchParams({ ...addresses, ...(message.text ? { Body: message.text } : {}), StatusCallback: statusCallback });
      for (const url of firstMedia ?? []) first.append('MediaUrl', url);
      const answer = await post(first, idempotencyKey);
      for (const [i, urls] of further.entries()) {
        const form = new URLSearchParams(addresses);
        for (const url of urls) form.append('MediaUrl', url);
        await post(form, `${idempotencyKey}/media-${i + 1}`);
      }
      return { providerMessageId: field(answer, ['sid']) };
    },

    /**
     * The account's latest messages between the same two addresses (Messages list, newest first),
     * matched by text and creation time: Twilio's Message resource carries nothing of ours (not the
     * idempotency token, nor the StatusCallback URL), so the text is all there is to match. The same
     * text sent to the same number twice since `since` is taken for this message. A message without
     * text, or one that went as several (WhatsApp files after the first), is not matched: finding
     * its first part would leave the rest unsent, so it is sent again whole.
     */
    async lookup(message, _idempotencyKey, since) {
      if (!message.text || (whatsapp && files.of(message).length > 1)) return null;
      const { messagesUrl, authorization, from } = accountOf(message);
      const query = new URLSearchParams({ ...addressesOf(message.handle, from, whatsapp), PageSize: '50' });
      const answer = await getFromProvider({ url: `${messagesUrl}?${query}`, headers: { authorization, accept: 'application/json' }, timeoutMs });
      const messages = (answer as { messages?: unknown }).messages;
      if (!Array.isArray(messages)) throw new Error('Twilio answered the message list without `messages`');
      for (const m of messages as Array<Record<string, unknown>>) {
        // date_created is RFC 2822 ("Wed, 18 Aug 2010 20:01:40 +0000"), which Date.parse reads.
        const created = typeof m.date_created === 'string' ? Date.parse(m.date_created) : NaN;
        if (m.body === message.text && created >= since.getTime() && typeof m.sid === 'string') return { providerMessageId: m.sid };
      }
      return null;
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
