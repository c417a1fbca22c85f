import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { PENDING_LIMIT, PENDING_TTL_SECONDS, type ChatDelivery } from '../../projections/chat-delivery.ts';
import { chatKeys, outboundKeys } from '../../projections/keys.ts';
import type { Connector } from './types.ts';
import type { OutboundFiles } from '../attachments.ts';

/**
 * A file as the visitor's widget receives it, beside the reply's text (ChatDelivery's
 * `attachments`): its name, type and size to show, and a signed link valid for a week to fetch it.
 */
export interface ChatAttachment {
  filename: string;
  contentType: string;
  size: number;
  url: string;
}

const PUBLISH = readFileSync(new URL('./chat-publish.lua', import.meta.url), 'utf8');

/** As long as the delivery state is kept (delivery-state.ts): a message is never published twice while it is known. */
const PUBLISHED_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Web chat: publishes the reply on the visitor's Redis channel, where whichever API instance holds
 * the visitor's socket sends it on. Nobody listening (the tab is closed): the reply waits in a short
 * list the socket receives on its next connect. Our message id is the provider id.
 *
 * Once per message: the sockets pass every payload on as is (the widget is the tenant's, and may
 * not drop a repeated messageId), so the publish is marked in the same script that makes it, and an
 * attempt after a worker died between the publish and the delivery state's `sent` publishes nothing.
 * The mark sits beside the message's delivery state, in its tenant's slot like the pending list.
 */
export function chatConnector(redis: Redis, instance: string, files: OutboundFiles): Connector {
  const keys = chatKeys(instance);
  const published = (tenant: string, messageId: string) => `${outboundKeys(instance).delivery(tenant, messageId)}:published`;
  return {
    async send(message) {
      const attachments: ChatAttachment[] = files.of(message).map((file) => ({ filename: file.filename, contentType: file.contentType, size: file.size, url: files.url(file) }));
      const payload: ChatDelivery & { attachments?: ChatAttachment[] } = {
        type: 'message',
        messageId: message.messageId,
        text: message.text,
        author: message.author,
        at: message.at,
        ...(attachments.length > 0 ? { attachments } : {}),
      };
      await redis.eval(
        PUBLISH,
        2,
        published(message.tenant, message.messageId),
        keys.pending(message.tenant, message.handle),
        keys.channel(message.tenant, message.handle),
        JSON.stringify(payload),
        PENDING_LIMIT,
        PENDING_TTL_SECONDS,
        PUBLISHED_TTL_SECONDS,
      );
      return { providerMessageId: message.messageId };
    },
  };
}
