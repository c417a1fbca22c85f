import type { Redis } from 'ioredis';
import type { EventEnvelope } from '../../events/index.ts';
import { outboundKeys } from '../projections/keys.ts';

const TTL_SECONDS = 90 * 24 * 3600;

/**
 * The provider id of each customer handle's latest message, learnt from the log itself. The
 * conversation projection keeps the identity a reply goes to (`replyTo`) but not the message id a
 * mail client threads on, so a reply that names none is threaded under the customer's latest mail.
 * The consumer reads a customer's events in log order, so a reply always finds the message it
 * follows.
 */
export class ThreadIndex {
  private readonly keys: ReturnType<typeof outboundKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
  ) {
    this.keys = outboundKeys(instance);
  }

  /** By handle, not customer: a merge moves the conversation's customer, not the mailbox. */
  private key(tenant: string, handle: string): string {
    return this.keys.thread(tenant, handle);
  }

  async remember(events: ReadonlyArray<EventEnvelope<'message.received'>>): Promise<void> {
    const threaded = events.filter((e) => e.data.providerMessageId && !e.data.automated);
    if (threaded.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const e of threaded) pipeline.set(this.key(e.tenant, e.data.handle), e.data.providerMessageId!, 'EX', TTL_SECONDS);
    await pipeline.exec();
  }

  async latest(tenant: string, handle: string): Promise<string | null> {
    return this.redis.get(this.key(tenant, handle));
  }
}
