import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';

const pinoLevel: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own log lines go through our logger. */
export function createKafka(config: Config['kafka'], logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // Our appends are bounded on purpose (the adapter answers 503 so the provider retries, and
        // the deterministic event id drops any duplicate), so this warning is noise here.
        if (message.startsWith('Limiting retries for the idempotent producer')) return;
        log[pinoLevel[level] ?? 'info'](rest, message);
      },
    retry: { initialRetryTime: 200, maxRetryTime: 3000, retries: 10 },
  });
}
