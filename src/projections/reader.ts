import type { ChainableCommander, Redis } from 'ioredis';
import type { StoredCustomerFold } from '../domain/fold/customer-fold.ts';
import { deliveryIn, type DeliveryState } from '../domain/fold/delivery.ts';
import { mediaIn, type MediaOutcome } from '../domain/fold/media.ts';
import type { Conversation, Customer, TranscriptEntry } from '../domain/state.ts';
import { readActiveNamespace } from './live-assignment.ts';
import { projectionKeys, type ProjectionKeys } from './keys.ts';

/** One request's view of the projections: the tenant of its API key, in the namespace active when it started. */
export interface ReadScope {
  tenant: string;
  namespace: string;
  keys: ProjectionKeys;
}

async function exec(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

const parse = <T>(json: string): T => JSON.parse(json) as T;

/** What became of a conversation's messages after their lines were written (see ProjectionReader.outcomes). */
export interface LineOutcomes {
  /** Outbound messages' delivery, by our message id. */
  delivery: ReadonlyMap<string, DeliveryState>;
  /** Inbound messages' fetched files, by the message's event id. */
  media: ReadonlyMap<string, Record<string, MediaOutcome>>;
}

/**
 * Read-only access to the projections in the key layout of `src/projections/keys.ts`. Every key is
 * built from the scope's tenant, so an id from the URL can only ever name that tenant's data.
 * Commands that touch one customer's keys (one hash tag) may be multi-key; anything across
 * customers is a pipeline of single-key commands, so it also works on Redis Cluster.
 */
export class ProjectionReader {
  constructor(
    private readonly redis: Redis,
    private readonly namespaces: {
      /** The deployment whose control keys say which namespace reads use (a rebuild switches it). */
      instance: string;
      /** The namespace read while no rebuild ever switched (the live fold's configured one). */
      fallback: string;
    },
  ) {}

  /** Looks up the active namespace on every request (one GET), so a rebuild's switch is seen at once. */
  async scope(tenant: string): Promise<ReadScope> {
    const namespace = await readActiveNamespace(this.redis, this.namespaces.instance, this.namespaces.fallback);
    return { tenant, namespace, keys: projectionKeys(namespace) };
  }

  /**
   * The customers of these ids that exist, by id. `positions`, when given, receives each id's applied
   * position as read with its state (the commit writes both at once): see `positions`.
   */
  async customers(scope: ReadScope, ids: readonly string[], positions?: Map<string, string | null>): Promise<Map<string, Customer>> {
    const found = new Map<string, Customer>();
    if (ids.length === 0) return found;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(scope.keys.fold(scope.tenant, id), 'state', 'pos');
    const replies = (await exec(pipeline)) as Array<[string | null, string | null]>;
    replies.forEach(([state, pos], i) => {
      positions?.set(ids[i]!, pos);
      if (typeof state !== 'string') return;
      const customer = parse<StoredCustomerFold>(state).customer;
      if (customer) found.set(customer.id, customer);
    });
    return found;
  }

  /**
   * Each customer's applied position now. A commit moves it with everything else of the customer, so
   * a reader that finds the positions it started from unchanged read one state, not two halves.
   */
  async positions(scope: ReadScope, ids: readonly string[]): Promise<Map<string, string | null>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(scope.keys.fold(scope.tenant, id), 'pos');
    const replies = (await exec(pipeline)) as Array<string | null>;
    return new Map(ids.map((id, i) => [id, replies[i] ?? null]));
  }

  /** Every stored conversation of these customers: one MGET per customer, all in one round trip. */
  async conversationsOf(scope: ReadScope, customers: readonly Customer[]): Promise<Conversation[]> {
    const owners = customers.filter((c) => c.conversationIds.length > 0);
    if (owners.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const c of owners) pipeline.mget(c.conversationIds.map((id) => scope.keys.conversation(scope.tenant, c.id, id)));
    const replies = (await exec(pipeline)) as Array<Array<string | null>>;
    return replies.flat().filter((v): v is string => v !== null).map((v) => parse<Conversation>(v));
  }

  /** The last `last` transcript entries (oldest first) of each conversation, in the order asked. */
  async transcripts(scope: ReadScope, conversations: ReadonlyArray<Pick<Conversation, 'id' | 'customer'>>, last?: number): Promise<TranscriptEntry[][]> {
    if (conversations.length === 0) return [];
    const pipeline = this.redis.pipeline();
    const start = last === undefined ? 0 : -last;
    for (const c of conversations) pipeline.lrange(scope.keys.transcript(scope.tenant, c.customer, c.id), start, -1);
    const replies = (await exec(pipeline)) as string[][];
    return replies.map((lines) => lines.map((line) => parse<TranscriptEntry>(line)));
  }

  /**
   * The known delivery of a conversation's outbound messages, by our message id: kept in its
   * customer's fold state (domain/fold/delivery.ts), read with one HGET.
   */
  async delivery(scope: ReadScope, conversation: Pick<Conversation, 'id' | 'customer'>): Promise<ReadonlyMap<string, DeliveryState>> {
    return (await this.outcomes(scope, conversation)).delivery;
  }

  /**
   * What the customer's fold state knows of a conversation's lines besides the transcript: the
   * delivery of its outbound messages (by our message id) and the fetched files of its inbound ones
   * (by message event id; domain/fold/media.ts). One HGET.
   */
  async outcomes(scope: ReadScope, conversation: Pick<Conversation, 'id' | 'customer'>): Promise<LineOutcomes> {
    const state = await this.redis.hget(scope.keys.fold(scope.tenant, conversation.customer), 'state');
    const fold = state === null ? undefined : parse<StoredCustomerFold>(state);
    return { delivery: deliveryIn(fold?.delivery, conversation.id), media: mediaIn(fold?.media, conversation.id) };
  }

  async conversation(scope: ReadScope, id: string): Promise<Conversation | null> {
    const customer = await this.redis.hget(scope.keys.conversationOwners(scope.tenant), id);
    if (customer === null) return null;
    const value = await this.redis.get(scope.keys.conversation(scope.tenant, customer, id));
    return value === null ? null : parse<Conversation>(value);
  }

  /** Every customer seen with any of these spellings of a handle (usually one; two people may share a phone). */
  async customerIdsByHandle(scope: ReadScope, spellings: readonly string[]): Promise<string[]> {
    if (spellings.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const handle of spellings) pipeline.smembers(scope.keys.handle(scope.tenant, handle));
    const members = (await exec(pipeline)) as string[][];
    return [...new Set(members.flat())].sort();
  }

  /** The first `limit` conversations of a team queue, most urgent (lowest score) first. */
  async queue(scope: ReadScope, team: string, limit: number): Promise<Conversation[]> {
    const ids = await this.redis.zrange(scope.keys.teamQueue(scope.tenant, team), 0, String(limit - 1));
    return this.conversations(scope, ids);
  }

  /** The conversations of these ids that exist, in the order asked (a conversation without an owner yet is skipped). */
  async conversations(scope: ReadScope, ids: readonly string[]): Promise<Conversation[]> {
    if (ids.length === 0) return [];
    const owners = await this.redis.hmget(scope.keys.conversationOwners(scope.tenant), ...ids);
    const pipeline = this.redis.pipeline();
    let asked = 0;
    ids.forEach((id, i) => {
      const customer = owners[i];
      // A member without an owner is an index entry the fold has not finished writing: skip it.
      if (customer == null) return;
      asked++;
      pipeline.get(scope.keys.conversation(scope.tenant, customer, id));
    });
    if (asked === 0) return [];
    const values = (await exec(pipeline)) as Array<string | null>;
    return values.filter((v): v is string => v !== null).map((v) => parse<Conversation>(v));
  }
}
