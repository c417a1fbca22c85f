import type { Redis } from 'ioredis';
import type { Config } from '../../config/schema.ts';
import type { Channel } from '../../domain/state.ts';
import { chatConnector } from './chat.ts';
import { messengerConnector, whatsappConnector } from './meta.ts';
import { smtpConnector } from './smtp.ts';
import { twilioConnector } from './twilio.ts';
import type { Connector } from './types.ts';
import { outboundFiles } from '../attachments.ts';

export interface Connectors {
  /** The connector for a message's channel and provider, if we deliver there at all. */
  for(channel: Channel, provider: string): Connector | undefined;
  close(): Promise<void>;
}

/** Every connector, built once per role from the channel config (base URLs included, so tests point them at local servers). */
export function buildConnectors(config: Config, redis: Redis, timeoutMs: number): Connectors {
  // The attachment store's files, read from channels.attachments.dir or linked for providers to fetch.
  const files = outboundFiles(config);
  const byProvider: Record<string, Connector> = {
    twilio: twilioConnector(config.channels, timeoutMs, false, files),
    'twilio-whatsapp': twilioConnector(config.channels, timeoutMs, true, files),
    whatsapp: whatsappConnector(config.channels.meta, timeoutMs, files),
    messenger: messengerConnector(config.channels.meta, timeoutMs, 'Messenger', files),
    // Instagram messaging is the same Send API, with the token of the page linked to the account.
    instagram: messengerConnector(config.channels.meta, timeoutMs, 'Instagram', files),
    webchat: chatConnector(redis, config.instance, files),
  };
  let smtp: Connector | undefined;
  return {
    for(channel, provider) {
      // Whichever provider carried the customer's mail in, our answer leaves by SMTP.
      if (channel === 'email') return (smtp ??= smtpConnector(config.channels.email.outbound, timeoutMs, files));
      return Object.hasOwn(byProvider, provider) ? byProvider[provider] : undefined;
    },
    async close() {
      await smtp?.close?.();
    },
  };
}
