import { startSmtpListener } from '../channels/email/index.ts';
import { openDoorRuntime } from './door-runtime.ts';
import { openHeld, runsUntilStopped, type Role } from './role.ts';

/**
 * The inbound SMTP listener for the support addresses (channels.email.smtp). Stateless like the API:
 * run one behind each MX; a message is answered 250 only once its event is on Kafka.
 */
export const smtp: Role = async ({ config, logger }) => {
  const running = await openHeld(async (hold) => {
    const channels = await openDoorRuntime(config, logger, 'cs-smtp', hold);
    const { host, port } = config.channels.email.smtp;
    // Sessions in progress finish first (a DATA still waiting for Kafka's acknowledgement included).
    hold.hold(await startSmtpListener(channels, { host, port }), (listener) => listener.close());
    return {};
  });
  if (Object.keys(config.channels.email.addresses).length === 0) logger.warn('channels.email.addresses is empty: every recipient is refused at RCPT TO');
  return { done: runsUntilStopped, stop: running.close };
};
