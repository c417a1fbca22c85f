import type { AttachmentStore } from '../attachments/store.ts';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Privacy } from '../privacy/index.ts';
import type { Config } from '../config/schema.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Logger } from '../observability/logger.ts';
import type { IdentityStore } from './identity.ts';
import type { Ingestor } from './ingest.ts';
import type { RejectedInputSink } from './rejected.ts';

/** What every channel adapter is built from. */
export interface ChannelContext {
  config: Config;
  redis: Redis;
  /** Appends with personal fields sealed when the deployment seals them (src/privacy). */
  eventLog: EventLog;
  /** Seals, opens and blinds personal data; null where the configuration holds no master key. */
  privacy: Privacy | null;
  ingestor: Ingestor;
  identities: IdentityStore;
  rejected: RejectedInputSink;
  /** Files' bytes aside (channels.attachments.dir): e-mail parts, agents' uploads and replies, downloads. */
  attachments: AttachmentStore;
  logger: Logger;
  /** The adapter's clock: receipt times when a provider gives none (never used by the fold). */
  now(): Date;
}

/** A channel's HTTP routes, registered as their own fastify plugin (own body parsers). */
export type ChannelRoutes = (app: FastifyInstance, ctx: ChannelContext) => Promise<void> | void;
