import { startOutboundRole } from '../src/outbound/role.ts';
import type { Role } from './roles.ts';

const forever = new Promise<void>(() => undefined);

/** Outbound delivery: reads `message.sent` off the log and hands replies to the providers. Scale it out freely. */
export const outbound: Role = async ({ config, logger }) => {
  const running = await startOutboundRole(config, logger);
  logger.info({ queue: running.settings.queue, group: running.settings.consumerGroup, attempts: running.settings.attempts }, 'outbound running');
  return { done: forever, stop: () => running.close() };
};
