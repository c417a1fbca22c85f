import type { Config } from '../../config/schema.ts';
import { WHATSAPP_USER_ID } from '../../domain/whatsapp-user-id.ts';
import { field, postToProvider } from './http.ts';
import { PermanentDeliveryError, type Connector } from './types.ts';

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

/** WhatsApp Cloud API: `POST /{phone_number_id}/messages`, a text message to the customer's WhatsApp id. */
export function whatsappConnector(config: MetaConfig, timeoutMs: number): Connector {
  const base = config.graphBaseUrl.replace(/\/+$/, '');
  return {
    async send(message) {
      const route = routeOf(config, message.tenant, 'WhatsApp');
      const answer = await postToProvider({
        url: `${base}/${encodeURIComponent(route.id)}/messages`,
        headers: jsonHeaders(route.accessToken),
        body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', ...recipientOf(message.handle), type: 'text', text: { body: message.text } }),
        timeoutMs,
        retryable: rateLimited,
      });
      return { providerMessageId: field(answer, ['messages', 0, 'id']) };
    },
  };
}

/**
 * Messenger Send API: `POST /me/messages` with the page's token, to the customer's page-scoped id.
 * RESPONSE: a reply to the customer's message, allowed within the 24-hour window.
 */
export function messengerConnector(config: MetaConfig, timeoutMs: number, product = 'Messenger'): Connector {
  const base = config.graphBaseUrl.replace(/\/+$/, '');
  return {
    async send(message) {
      const route = routeOf(config, message.tenant, product);
      const answer = await postToProvider({
        url: `${base}/me/messages`,
        headers: jsonHeaders(route.accessToken),
        body: JSON.stringify({ recipient: { id: message.handle }, message: { text: message.text }, messaging_type: 'RESPONSE' }),
        timeoutMs,
        retryable: rateLimited,
      });
      return { providerMessageId: field(answer, ['message_id']) };
    },
  };
}
