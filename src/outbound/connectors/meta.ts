import type { Config } from '../../config/schema.ts';
import { WHATSAPP_USER_ID } from '../../domain/whatsapp-user-id.ts';
import { field, getFromProvider, postToProvider } from './http.ts';
import { PermanentDeliveryError, type Connector } from './types.ts';
import type { OutboundFiles } from '../attachments.ts';
import { sendApiMessages, whatsappMessages } from './meta-media.ts';

type MetaConfig = Config['channels']['meta'];

/**
 * Graph API error codes that mean "slow down", answered with HTTP 400: retried like a 429.
 * (4 app, 17 user, 32 page, 613 call-rate, 80007 WhatsApp rate limits; 131056 pair rate limit.)
 */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131056]);
const rateLimited = (_status: number, body: unknown) => {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'number' && RATE_LIMIT_CODES.has(code);
};

/**
 * The tenant's Meta route: the first one configured for it. Routes do not say which product they
 * are (WhatsApp number, Messenger page, Instagram account), so a tenant with several should list
 * the one to send from first.
 */
function routeOf(config: MetaConfig, tenant: string, product: string): { id: string; accessToken: string } {
  const route = Object.entries(config.routes).find(([, r]) => r.tenant === tenant);
  if (!route || !route[1].accessToken) throw new PermanentDeliveryError(`no ${product} route with an access token is configured for tenant ${tenant}`);
  return { id: route[0], accessToken: route[1].accessToken };
}

const jsonHeaders = (accessToken: string) => ({ authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' });

/**
 * Who a WhatsApp message goes to: a number as `to`, its digits without the plus (the handle is
 * E.164); a business-scoped user id as `recipient` (Meta: `to` would take precedence, so it is left
 * out), for a customer who wrote from the id.
 */
const recipientOf = (handle: string) => (WHATSAPP_USER_ID.test(handle) ? { recipient: handle } : { to: handle.replace(/^\+/, '') });

/**
 * WhatsApp Cloud API: `POST /{phone_number_id}/messages`, a text message to the customer's WhatsApp id.
 * No lookup: the Cloud API has no way to list or find the messages a number sent, so a worker that
 * dies after Meta took the message and before we recorded it sends it again.
 */
export function whatsappConnector(config: MetaConfig, timeoutMs: number, files: OutboundFiles): Connector {
  const base = config.graphBaseUrl.replace(/\/+$/, '');
  return {
    // Files go as messages of their own (meta-media.ts); the first message's wamid is the message's provider id.
    async send(message) {
      const route = routeOf(config, message.tenant, 'WhatsApp');
      let first: string | null | undefined;
      for (const content of whatsappMessages(message.text, files.of(message), files.url)) {
        const answer = await postToProvider({
          url: `${base}/${encodeURIComponent(route.id)}/messages`,
          headers: jsonHeaders(route.accessToken),
          body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', ...recipientOf(message.handle), ...content }),
          timeoutMs,
          retryable: rateLimited,
        });
        if (first === undefined) first = field(answer, ['messages', 0, 'id']);
      }
      return { providerMessageId: first ?? null };
    },
  };
}

/**
 * Messenger Send API: `POST /me/messages` with the page's token, to the customer's page-scoped id.
 * RESPONSE: a reply to the customer's message, allowed within the 24-hour window.
 */
export function messengerConnector(config: MetaConfig, timeoutMs: number, product: string, files: OutboundFiles): Connector {
  const base = config.graphBaseUrl.replace(/\/+$/, '');
  return {
    // The text, then one message per file (meta-media.ts); the first message's mid is the message's provider id.
    async send(message) {
      const route = routeOf(config, message.tenant, product);
      let first: string | null | undefined;
      for (const content of sendApiMessages(message.text, files.of(message), files.url)) {
        const answer = await postToProvider({
          url: `${base}/me/messages`,
          headers: jsonHeaders(route.accessToken),
          body: JSON.stringify({ recipient: { id: message.handle }, message: content, messaging_type: 'RESPONSE' }),
          timeoutMs,
          retryable: rateLimited,
        });
        if (first === undefined) first = field(answer, ['message_id']);
      }
      return { providerMessageId: first ?? null };
    },

    /**
     * The Conversations API: the page's conversation with this person, its latest 20 messages (all
     * the API details), matched by text, sender (the page, not the person) and time. The mid Meta
     * lists is the one the Send API answered. The same text sent to the same person twice since
     * `since` is taken for this message. A message without text, or with files (each file a message
     * of its own after the text), is not matched: finding the text would leave the files unsent, so
     * it is sent again whole.
     */
    async lookup(message, _idempotencyKey, since) {
      if (!message.text || files.of(message).length > 0) return null;
      const route = routeOf(config, message.tenant, product);
      const query = new URLSearchParams({ platform: product.toLowerCase(), user_id: message.handle, fields: 'messages.limit(20){id,message,created_time,from}' });
      const answer = await getFromProvider({ url: `${base}/me/conversations?${query}`, headers: { authorization: `Bearer ${route.accessToken}` }, timeoutMs, retryable: rateLimited });
      const conversations = (answer as { data?: unknown }).data;
      if (!Array.isArray(conversations)) throw new Error(`${product} answered the conversation list without \`data\``);
      for (const conversation of conversations as Array<{ messages?: { data?: unknown } }>) {
        const messages = Array.isArray(conversation.messages?.data) ? (conversation.messages.data as Array<Record<string, unknown>>) : [];
        for (const m of messages) {
          // created_time is ISO 8601 with a +0000 offset ("2024-06-06T00:54:32+0000"), which Date.parse reads.
          const created = typeof m.created_time === 'string' ? Date.parse(m.created_time) : NaN;
          const sender = (m.from as { id?: unknown } | undefined)?.id;
          if (m.message === message.text && typeof sender === 'string' && sender !== message.handle && created >= since.getTime() && typeof m.id === 'string') return { providerMessageId: m.id };
        }
      }
      return null;
    },
  };
}
