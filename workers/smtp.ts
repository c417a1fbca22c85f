import { startSmtpListener } from '../src/channels/email/index.ts';
import { openChannelRuntime } from '../src/engine/channels.ts';
import type { Role } from './roles.ts';

const forever = new Promise<void>(() => undefined);

/**
 * The inbound SMTP listener for the support addresses (channels.email.smtp). Stateless like the API:
 * run one behind each MX; a message is answered 250 only once its event is on Kafka.
 */
export const smtp: Role = async ({ config, logger }) => {
  const runtime = await openChannelRuntime(config, logger, 'cs-smtp');
  const { host, port } = config.channels.email.smtp;
  const listener = await startSmtpListener(runtime.channels, { host, port }).catch(async (err: unknown) => {
    await runtime.close();
    throw err;
  });
  if (Object.keys(config.channels.email.addresses).length === 0) logger.warn('channels.email.addresses is empty: every recipient is refused at RCPT TO');
  return {
    done: forever,
    stop: async () => {
      // Sessions in progress finish first (a DATA still waiting for Kafka's acknowledgement included).
      await listener.close();
      await runtime.close();
    },
  };
};
