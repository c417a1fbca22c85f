import { startOutboundRole } from '../src/outbound/role.ts';
import type { OutboundSettings } from '../src/outbound/settings.ts';
import type { Role } from './roles.ts';

const forever = new Promise<void>(() => undefined);

/** Positive integers from the environment, until the config schema has an `outbound` section. */
function fromEnv(env: NodeJS.ProcessEnv): Partial<OutboundSettings> {
  const settings: Partial<OutboundSettings> = {};
  const int = (name: string) => {
    const raw = env[name];
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
    return value;
  };
  const attempts = int('OUTBOUND_ATTEMPTS');
  const backoffMs = int('OUTBOUND_BACKOFF_MS');
  const concurrency = int('OUTBOUND_CONCURRENCY');
  if (attempts !== undefined) settings.attempts = attempts;
  if (backoffMs !== undefined) settings.backoffMs = backoffMs;
  if (concurrency !== undefined) settings.concurrency = concurrency;
  return settings;
}

/** Outbound delivery: reads `message.sent` off the log and hands replies to the providers. Scale it out freely. */
export const outbound: Role = async ({ config, logger }) => {
  const running = await startOutboundRole(config, logger, fromEnv(process.env));
  logger.info({ queue: running.settings.queue, group: running.settings.consumerGroup, attempts: running.settings.attempts }, 'outbound running');
  return { done: forever, stop: () => running.close() };
};
