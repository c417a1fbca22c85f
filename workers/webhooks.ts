import { startWebhooksRole } from '../src/webhooks/role.ts';
import type { Role } from './roles.ts';

const forever = new Promise<void>(() => undefined);

/** Outbound webhooks: POSTs the event types subscribers chose, signed, to their URLs. Scale it out freely. */
export const webhooks: Role = async ({ config, logger }) => {
  const running = await startWebhooksRole(config, logger);
  logger.info({ queue: running.settings.queue, group: running.settings.consumerGroup, subscriptions: running.settings.subscriptions.length }, 'webhooks running');
  return { done: forever, stop: () => running.close() };
};
