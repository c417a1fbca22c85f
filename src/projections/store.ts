import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { DEDUPE_HORIZON_MS } from '../domain/fold/applied-ids.ts';
import { emptyFold, foldFromStored, storedFold, type CustomerFold, type StoredCustomerFold } from '../domain/fold/customer-fold.ts';
import { conversationState, type ConversationState } from '../domain/fold/fold-state.ts';
import type { Conversation } from '../domain/state.ts';
import { projectionKeys, type ProjectionKeys } from './keys.ts';

const commitScript = readFileSync(new URL('./commit.lua', import.meta.url), 'utf8');
const HORIZON = String(DEDUPE_HORIZON_MS);

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
  | { o: 'hset' | 'hmax'; key: string; f: string; v: string }
  | { o: 'hdel'; key: string; f: string };

export interface CommitRequest {
  tenant: string;
  customer: string;
  expectedPos: string | null;
  newPos: string;
  fold: CustomerFold;
  /** The events the batch applied, in log order: [id, event time in epoch ms] (see commit.lua). */
  appliedIds: Array<[string, number]>;
  ops: CommitOp[];
}

/**
 * A commit's outcome: applied; refused (the position moved: read and fold again); or the positions,
 * in `appliedIds`, of events whose id was applied before (fold again without those occurrences).
 */
export type CommitOutcome = 'applied' | 'moved' | { duplicates: number[] };

type RedisWithCommit = Redis & {
  csFoldCommit(numKeys: number, ...args: string[]): Promise<number | number[]>;
};

/** The Redis side of the projections of one namespace. */
export class ProjectionStore {
  readonly keys: ProjectionKeys;
  readonly redis: RedisWithCommit;

  constructor(redis: Redis, readonly namespace: string) {
    this.keys = projectionKeys(namespace);
    if (!('csFoldCommit' in redis)) redis.defineCommand('csFoldCommit', { lua: commitScript });
    this.redis = redis as RedisWithCommit;
  }

  /** Reads the folds of many customers in one round trip. */
  async readFolds(customers: ReadonlyArray<{ tenant: string; customer: string }>): Promise<StoredFold[]> {
    const pipeline = this.redis.pipeline();
    for (const c of customers) pipeline.hmget(this.keys.fold(c.tenant, c.customer), 'pos', 'state');
    const replies = valuesOf(await pipeline.exec(), customers.length);
    return customers.map((c, i) => {
      const [pos, state] = replies[i] as [string | null, string | null];
      return { pos, fold: state ? foldFromStored(JSON.parse(state) as StoredCustomerFold) : emptyFold(c.tenant, c.customer) };
    });
  }

  /** The applied positions of many customers in one round trip (null: never folded). */
  async readPositions(customers: ReadonlyArray<{ tenant: string; customer: string }>): Promise<Array<string | null>> {
    const pipeline = this.redis.pipeline();
    for (const c of customers) pipeline.hget(this.keys.fold(c.tenant, c.customer), 'pos');
    return valuesOf(await pipeline.exec(), customers.length) as Array<string | null>;
  }

  async readConversations(tenant: string, customer: string, ids: readonly string[]): Promise<ConversationState[]> {
    const [found] = await this.readConversationsOfMany([{ tenant, customer, ids }]);
    return found ?? [];
  }

  /** One round trip for the conversations many customers' folds need, as the fold keeps them. */
  async readConversationsOfMany(requests: ReadonlyArray<{ tenant: string; customer: string; ids: readonly string[] }>): Promise<ConversationState[][]> {
    const pipeline = this.redis.pipeline();
    const asked: number[] = [];
    requests.forEach((r, i) => {
      if (r.ids.length === 0) return;
      pipeline.mget(r.ids.map((id) => this.keys.conversation(r.tenant, r.customer, id)));
      asked.push(i);
    });
    const out: ConversationState[][] = requests.map(() => []);
    if (asked.length === 0) return out;
    const replies = valuesOf(await pipeline.exec(), asked.length);
    asked.forEach((requestIndex, replyIndex) => {
      out[requestIndex] = (replies[replyIndex] as Array<string | null>).filter((v): v is string => v !== null).map((v) => conversationState(JSON.parse(v) as Conversation));
    });
    return out;
  }

  /** Commits many customers in one round trip; returns, per request, what became of it. */
  async commit(requests: readonly CommitRequest[]): Promise<CommitOutcome[]> {
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
      const ids = r.appliedIds.length > 0 ? String(keyIndex(this.keys.appliedIds(r.tenant, r.customer))) : '';
      const args: string[] = [r.expectedPos ?? '', r.newPos, serializeFold(r.fold), ids, HORIZON, String(r.appliedIds.length)];
      for (const [id, time] of r.appliedIds) args.push(id, String(time));
      for (const op of r.ops) args.push(...flatten(op, String(keyIndex(op.key))));
      pipeline.csFoldCommit(keys.length, ...keys, ...args);
    }
    return valuesOf(await pipeline.exec(), requests.length).map((value) => (value === 1 ? 'applied' : Array.isArray(value) ? { duplicates: value as number[] } : 'moved'));
  }
}

/** A pipeline's replies as values, in order; the first failed command (or a missing reply) throws. */
function valuesOf(replies: Array<[Error | null, unknown]> | null, count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => {
    const [err, value] = replies?.[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    return value;
  });
}

/** An op as the script's four ARGV entries (see commit.lua). */
function flatten(op: CommitOp, k: string): string[] {
  switch (op.o) {
    case 'set':
      return ['s', k, op.v, ''];
    case 'push':
      return [...op.v.flatMap((line) => ['r', k, line, '']), 't', k, String(op.n), ''];
    case 'zadd':
      return ['z', k, String(op.s), op.m];
    case 'zrem':
      return ['Z', k, op.m, ''];
    case 'sadd':
      return ['a', k, op.m, ''];
    case 'srem':
      return ['A', k, op.m, ''];
    case 'hset':
      return ['h', k, op.f, op.v];
    case 'hdel':
      return ['H', k, op.f, ''];
    case 'hmax':
      return ['m', k, op.f, op.v];
  }
}

/**
 * The stored form of a fold: the customer and the dedupe window. Conversations live only under
 * their own keys (written when they change, read when a batch needs them), so a customer's write
 * stays small however long its history, and the bytes do not depend on how the log was batched.
 */
export function serializeFold(fold: CustomerFold): string {
  return JSON.stringify(storedFold(fold));
}
