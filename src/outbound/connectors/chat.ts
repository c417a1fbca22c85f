import type { Redis } from 'ioredis';
import { PENDING_LIMIT, PENDING_TTL_SECONDS, type ChatDelivery } from '../../projections/chat-delivery.ts';
import { chatKeys } from '../../projections/keys.ts';
import type { Connector } from './types.ts';

/**
 * Web chat: publishes the reply on the visitor's Redis channel, where whichever API instance holds
 * the visitor's socket sends it on. Nobody listening (the tab is closed): the reply waits in a short
 * list the socket receives on its next connect. Our message id is the provider id.
 */
export function chatConnector(redis: Redis, instance: string): Connector {
  const keys = chatKeys(instance);
  return {
    async send(message) {
      const payload: ChatDelivery = { type: 'message', messageId: message.messageId, text: message.text, author: message.author, at: message.at };
      const json = JSON.stringify(payload);
      const receivers = await redis.publish(keys.channel(message.tenant, message.handle), json);
      if (receivers === 0) {
        const key = keys.pending(message.tenant, message.handle);
        await redis.multi().rpush(key, json).ltrim(key, -PENDING_LIMIT, -1).expire(key, PENDING_TTL_SECONDS).exec();
      }
      return { providerMessageId: message.messageId };
    },
  };
}
