import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { emptyFold, type CustomerFold } from '../domain/fold/customer-fold.ts';
import type { Conversation } from '../domain/state.ts';
import { projectionKeys, type ProjectionKeys } from './keys.ts';

const commitScript = readFileSync(new URL('./commit.lua', import.meta.url), 'utf8');

export interface StoredFold {
  /** Offset of the last applied event, or null for a customer never folded. */
  pos: string | null;
  fold: CustomerFold;
}

export type CommitOp =
  | { o: 'set'; key: string; v: string }
  | { o: 'push'; key: string; v: string[]; n: number }
  | { o: 'zadd'; key: string; s: number; m: string }
  | { o: 'zrem' | 'sadd' | 'srem'; key: string; m: string }
  | { o: 'hset'; key: string; f: string; v: string };

export interface CommitRequest {
  tenant: string;
  customer: string;
  expectedPos: string | null;
  newPos: string;
  fold: CustomerFold;
  ops: CommitOp[];
}

type RedisWithCommit = Redis & {
  csFoldCommit(numKeys: number, ...args: string[]): Promise<number>;
};

/** The Redis side of the projections of one namespace. */
export class ProjectionStore {
  readonly keys: ProjectionKeys;
  private readonly redis: RedisWithCommit;

  constructor(redis: Redis, readonly namespace: string) {
    this.keys = projectionKeys(namespace);
    if (!('csFoldCommit' in redis)) redis.defineCommand('csFoldCommit', { lua: commitScript });
    this.redis = redis as RedisWithCommit;
  }

  /** Reads the folds of many customers in one round trip. */
  async readFolds(customers: ReadonlyArray<{ tenant: string; customer: string }>): Promise<StoredFold[]> {
    const pipeline = this.redis.pipeline();
    for (const c of customers) pipeline.hmget(this.keys.fold(c.tenant, c.customer), 'pos', 'state');
    const replies = (await pipeline.exec()) ?? [];
    return customers.map((c, i) => {
      const [err, value] = replies[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      const [pos, state] = value as [string | null, string | null];
      return { pos, fold: state ? (JSON.parse(state) as CustomerFold) : emptyFold(c.tenant, c.customer) };
    });
  }

  async readConversations(tenant: string, customer: string, ids: readonly string[]): Promise<Conversation[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.keys.conversation(tenant, customer, id)));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as Conversation);
  }

  /** Commits many customers in one round trip; returns, per request, whether it applied. */
  async commit(requests: readonly CommitRequest[]): Promise<boolean[]> {
    const pipeline = this.redis.pipeline() as unknown as { csFoldCommit(...args: unknown[]): void; exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const r of requests) {
      const keys = [this.keys.fold(r.tenant, r.customer)];
      const index = new Map<string, number>();
      const keyIndex = (key: string) => {
        let i = index.get(key);
        if (i === undefined) {
          keys.push(key);
          i = keys.length; // Lua's KEYS is 1-based
          index.set(key, i);
        }
        return i;
      };
      const ops = r.ops.map(({ key, ...op }) => ({ ...op, k: keyIndex(key) }));
      pipeline.csFoldCommit(keys.length, ...keys, r.expectedPos ?? '', r.newPos, serializeFold(r.fold), JSON.stringify(ops));
    }
    const replies = (await pipeline.exec()) ?? [];
    return requests.map((_, i) => {
      const [err, value] = replies[i] ?? [new Error('no reply'), 0];
      if (err) throw err;
      return value === 1;
    });
  }
}

/**
 * The stored form of a fold, canonical: conversations in the customer's history order, whatever
 * order they were loaded in, so the same log gives the same bytes however it was batched.
 */
export function serializeFold(fold: CustomerFold): string {
  const order = fold.customer?.conversationIds ?? [];
  const conversations: CustomerFold['conversations'] = {};
  for (const id of order) {
    const c = fold.conversations[id];
    if (c) conversations[id] = c;
  }
  return JSON.stringify({ ...fold, conversations });
}
