import type { Redis } from 'ioredis';
import type { CountryCode } from 'libphonenumber-js';
import type { Config } from '../config/schema.ts';
import type { EventLog } from '../log/event-log.ts';
import { createKafka } from '../log/kafka.ts';
import { sealingLog } from '../log/sealing.ts';
import { openPrivacy } from '../privacy/index.ts';
import type { Logger } from '../observability/logger.ts';
import { AttachmentStore } from '../attachments/store.ts';
import type { ChannelContext } from './context.ts';
import { IdentityStore } from './identity.ts';
import { Ingestor } from './ingest.ts';
import { openRejectedInputSink } from './rejected.ts';

/** Builds the shared channel pieces over an open event log and Redis connection. */
export async function buildChannelContext(input: { config: Config; redis: Redis; eventLog: EventLog; logger: Logger; now?: () => Date }): Promise<ChannelContext> {
  const { config, redis, logger } = input;
  const privacy = openPrivacy(config, redis);
  const eventLog = privacy ? sealingLog(input.eventLog, privacy.seal) : input.eventLog;
  const identities = new IdentityStore(redis, config.instance, privacy?.blinder);
  const rejected = await openRejectedInputSink(createKafka(config.kafka, logger), config.kafka.topics.rejectedInput, {
    maxRecordBytes: config.kafka.maxRecordBytes,
    timeoutMs: config.kafka.publishTimeoutMs,
  });
  const ingestor = new Ingestor({
    redis,
    instance: config.instance,
    identities,
    eventLog,
    source: '/adapters',
    defaultCountry: config.channels.defaultCountry as CountryCode,
  });
  const attachments = new AttachmentStore(config.channels.attachments.dir);
  return { config, redis, eventLog, privacy, ingestor, identities, rejected, attachments, logger: logger.child({ component: 'channels' }), now: input.now ?? (() => new Date()) };
}
