/**
 * The live side of "replay equals live": the conversation and customer records of a projection
 * namespace, read from Redis a SCAN page at a time (memory per page, not per namespace), fed to the
 * same KPI accumulator a replay feeds.
 */
import type { Redis } from 'ioredis';
import type { StoredCustomerFold } from '../domain/fold/customer-fold.ts';
import type { Conversation, Customer } from '../domain/state.ts';
import { projectionKeys } from '../projections/keys.ts';

export interface NamespaceReadHandlers {
  customer(customer: Customer): void;
  conversation(conversation: Conversation, customer: Customer): void;
  progress?(customers: number): void;
}

export async function readNamespace(redis: Redis, namespace: string, on: NamespaceReadHandlers, tenant?: string): Promise<{ customers: number; conversations: number }> {
  const keys = projectionKeys(namespace);
  const pattern = keys.foldPattern(tenant);
  let cursor = '0';
  let customers = 0;
  let conversations = 0;
  do {
    const [next, foldKeys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (foldKeys.length === 0) continue;
    const reading = redis.pipeline();
    for (const key of foldKeys) reading.hget(key, 'state');
    const states = ((await reading.exec()) ?? []).map(([err, value]) => {
      if (err) throw err;
      return value as string | null;
    });
    const found = states.filter((s): s is string => s !== null).map((s) => (JSON.parse(s) as StoredCustomerFold).customer).filter((c): c is Customer => c !== null);
    const fetching = redis.pipeline();
    const asked = found.filter((c) => c.conversationIds.length > 0);
    for (const c of asked) fetching.mget(c.conversationIds.map((id) => keys.conversation(c.tenant, c.id, id)));
    const replies = asked.length > 0 ? ((await fetching.exec()) ?? []) : [];
    for (const c of found) on.customer(c);
    asked.forEach((customer, i) => {
      const [err, values] = replies[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      for (const text of values as Array<string | null>) {
        if (text === null) continue;
        on.conversation(JSON.parse(text) as Conversation, customer);
        conversations++;
      }
    });
    customers += found.length;
    on.progress?.(customers);
  } while (cursor !== '0');
  return { customers, conversations };
}

/** The customer a conversation belongs to, by id alone (the owners index, per tenant). */
export async function ownerOf(redis: Redis, namespace: string, conversationId: string, tenant?: string): Promise<{ tenant: string; customer: string } | null> {
  const keys = projectionKeys(namespace);
  const tenants: string[] = [];
  if (tenant) tenants.push(tenant);
  else {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', keys.conversationOwnersPattern, 'COUNT', 1000);
      cursor = next;
      for (const key of found) tenants.push(key.slice(key.indexOf('{') + 1, -1));
    } while (cursor !== '0');
  }
  for (const t of tenants) {
    const customer = await redis.hget(keys.conversationOwners(t), conversationId);
    if (customer) return { tenant: t, customer };
  }
  return null;
}
