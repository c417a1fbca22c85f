import type { Redis } from 'ioredis';
import type { Conversation, Customer, TranscriptEntry } from '../domain/state.ts';
import type { Opener } from '../privacy/index.ts';
import { ProjectionReader, type ReadScope } from '../projections/reader.ts';

/**
 * The projections as workflow steps read them: the query API's reader (same key layout, same
 * active namespace), plus the two reads only the workflow needs: a customer's applied position, and
 * a conversation read straight from its customer's keys (the job names the customer).
 */
export class ProjectionView {
  readonly reader: ProjectionReader;

  constructor(
    private readonly redis: Redis,
    instance: string,
    fallback: string,
    /** Opens sealed fields: triage and the bot decide on the text the customer wrote. */
    private readonly opener?: Opener,
  ) {
    this.reader = new ProjectionReader(redis, { instance, fallback });
  }

  scope(tenant: string): Promise<ReadScope> {
    return this.reader.scope(tenant);
  }

  /** The applied position of a customer (or an agent's presence), or null when nothing is folded yet. */
  async position(scope: ReadScope, customer: string): Promise<bigint | null> {
    if (customer.startsWith('agent:')) {
      const raw = await this.redis.hget(scope.keys.agentPresence(scope.tenant), customer.slice('agent:'.length));
      return raw ? BigInt((JSON.parse(raw) as { pos: string }).pos) : null;
    }
    const pos = await this.redis.hget(scope.keys.fold(scope.tenant, customer), 'pos');
    return pos === null ? null : BigInt(pos);
  }

  /** A customer as the steps read them: identities opened (a survey or bot message names the handle written). */
  async customer(scope: ReadScope, id: string): Promise<Customer | undefined> {
    const found = (await this.reader.customers(scope, [id])).get(id);
    return found && this.opener ? this.opener.open(scope.tenant, found) : found;
  }

  async conversation(scope: ReadScope, customer: string, id: string): Promise<Conversation | null> {
    const [found] = await this.conversations(scope, customer, [id]);
    return found ?? null;
  }

  async conversations(scope: ReadScope, customer: string, ids: readonly string[]): Promise<Conversation[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => scope.keys.conversation(scope.tenant, customer, id)));
    const found = raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Conversation);
    return this.opener ? this.opener.open(scope.tenant, found) : found;
  }

  async transcript(scope: ReadScope, conversation: Pick<Conversation, 'id' | 'customer'>): Promise<TranscriptEntry[]> {
    const [lines] = await this.reader.transcripts(scope, [conversation]);
    return this.opener ? this.opener.open(scope.tenant, lines ?? []) : (lines ?? []);
  }
}
