/**
 * A customer's right to be forgotten, in a log that never forgets: the log keeps their events, but
 * every personal field in them is sealed with the customer's data key (src/privacy), and erasing
 * is destroying that key. What the engine keeps beside the log that names the person (identity
 * and thread indexes keyed by their handles, the projection's handle index, delivery records,
 * the files they sent) is deleted with it. Conversations stay as anonymous facts: KPIs are exact.
 *
 * Nothing half-done: the plan (only key names, blinded or sealed, never a handle) is recorded
 * first, then `customer.erased` is appended, then the deletions, then the keys are destroyed, then
 * the plan is marked done. A second call finds the plan and finishes what a first left; one after
 * a finished erasure answers its outcome again.
 */
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { CountryCode } from 'libphonenumber-js';
import { createEvent, deterministicEventId, isSealed, type EventData, type EventEnvelope, type NewEvent } from '../../events/index.ts';
import type { AttachmentStore } from '../attachments/store.ts';
import { normaliseHandle } from '../channels/handles.ts';
import type { IdentityStore } from '../channels/identity.ts';
import type { EventLog } from '../log/event-log.ts';
import { sealedKeyId, type Privacy } from '../privacy/index.ts';
import { chatKeys, outboundKeys, routingKeys } from '../projections/keys.ts';
import type { ProjectionReader } from '../projections/reader.ts';
import { subjectAccessExport } from '../replay/subject-access.ts';
import { erasureKeys } from './keys.ts';

export interface ErasureDeps {
  reader: ProjectionReader;
  redis: Redis;
  instance: string;
  kafka: Kafka;
  topic: string;
  eventLog: EventLog;
  privacy: Privacy | null;
  identities: IdentityStore;
  store: AttachmentStore;
  defaultCountry?: CountryCode;
  now: () => Date;
}

/** What an erasure did (the answer of the route and the command, the same for a repeated call). */
export interface ErasureOutcome {
  customer: string;
  /** The customers erased with it (merged into it, or it into them): one person. */
  people: string[];
  eventId: string;
  keysDestroyed: number;
  indexEntriesDeleted: number;
  filesDeleted: number;
  erasedAt: string;
}

export type ErasureResult =
  | { ok: true; outcome: ErasureOutcome; again: boolean }
  | { ok: false; code: 'not_found' | 'not_sealing'; message: string };

interface Plan {
  customer: string;
  /** When it was asked: the event's time, the same on a retry. */
  at: string;
  people: string[];
  eventId: string;
  keyIds: string[];
  /** Redis keys to delete: blinded identities, thread keys of sealed handles, delivery records. */
  deletions: string[];
  /** Store keys of the files the person sent. */
  files: string[];
}

export async function eraseCustomer(
  deps: ErasureDeps,
  request: { tenant: string; customer: string; by: EventData<'customer.erased'>['by']; auth?: NewEvent<'customer.erased'>['auth'] },
): Promise<ErasureResult> {
  const { tenant, customer, by } = request;
  const keys = erasureKeys(deps.instance, tenant);
  const recorded = await deps.redis.hgetall(keys.erasure(customer));
  const known = recorded.plan !== undefined || recorded.outcome !== undefined || (await deps.reader.customers(await deps.reader.scope(tenant), [customer])).has(customer);
  if (!known) return { ok: false, code: 'not_found', message: `tenant ${tenant} has no customer ${customer}` };
  const privacy = deps.privacy;
  if (!privacy) return { ok: false, code: 'not_sealing', message: 'this deployment seals no personal data (privacy.activeMasterKey is not set), so the log cannot be made unreadable: configure master keys first' };
  if (recorded.outcome) return { ok: true, outcome: JSON.parse(recorded.outcome) as ErasureOutcome, again: true };
  let plan: Plan;
  if (recorded.plan) plan = JSON.parse(recorded.plan) as Plan;
  else {
    const made = await makePlan(deps, privacy, tenant, customer);
    if (!made) return { ok: false, code: 'not_found', message: `tenant ${tenant} has no customer ${customer}` };
    plan = made;
    // Recorded for every person, so erasing any of them again finds the same plan.
    const multi = deps.redis.multi();
    for (const person of plan.people) multi.hset(keys.erasure(person), 'plan', JSON.stringify(plan));
    await multi.exec();
  }

  const event = createEvent({
    type: 'customer.erased',
    id: plan.eventId,
    source: '/erasure',
    tenant,
    customer: plan.customer,
    time: plan.at,
    data: { by, merged: plan.people.filter((p) => p !== plan.customer) },
    ...(request.auth ? { auth: request.auth } : {}),
  }) as EventEnvelope<'customer.erased'>;
  // First on the log: the fact is recorded before anything is gone (a retry carries the same id, and the fold drops a repeat).
  await deps.eventLog.append([event]);

  const multi = deps.redis.multi();
  for (const key of plan.deletions) multi.del(key);
  const results = (await multi.exec()) ?? [];
  const indexEntriesDeleted = results.reduce((n, [, r]) => n + (typeof r === 'number' ? r : 0), 0);
  let filesDeleted = 0;
  for (const file of plan.files) if (await deps.store.delete(file)) filesDeleted += 1;
  await privacy.keys.destroy(tenant, plan.people, plan.keyIds);

  const outcome: ErasureOutcome = { customer: plan.customer, people: plan.people, eventId: plan.eventId, keysDestroyed: plan.keyIds.length, indexEntriesDeleted, filesDeleted, erasedAt: event.time };
  const done = deps.redis.multi();
  for (const person of plan.people) done.hset(keys.erasure(person), 'outcome', JSON.stringify(outcome)).hdel(keys.erasure(person), 'plan');
  await done.exec();
  return { ok: true, outcome, again: false };
}

async function makePlan(deps: ErasureDeps, privacy: Privacy, tenant: string, customer: string): Promise<Plan | null> {
  const exported = await subjectAccessExport({ reader: deps.reader, kafka: deps.kafka, topic: deps.topic, tenant, customer, now: deps.now() });
  if (!exported) return null;
  const survivor = exported.customers.find((c) => c.mergedInto === null)?.id ?? customer;
  const people = exported.people;
  const out = outboundKeys(deps.instance);

  // Every handle the person had, as the projection holds it (sealed) and opened.
  const sealedHandles = new Set<string>();
  for (const c of exported.customers) for (const i of c.identities) sealedHandles.add(i.handle);
  for (const e of exported.events) if (e.type === 'message.received' || e.type === 'customer.identified') sealedHandles.add(e.data.handle);
  const identities = await privacy.opener.open(tenant, exported.customers.flatMap((c) => c.identities));

  const deletions = new Set<string>();
  // The projection's own handle index stays: keyed by the sealed handle, it names no one once the
  // key is gone, and a rebuild writes it again the same (live equals rebuild).
  for (const handle of sealedHandles) deletions.add(out.thread(tenant, handle));
  for (const identity of identities) {
    const normalised = normaliseHandle(identity.channel, identity.provider, identity.handle, deps.defaultCountry);
    if (!normalised.ok) continue;
    const [blinded, announced, plain, plainAnnounced] = await deps.identities.keysOf(tenant, normalised.value.identityKey);
    deletions.add(blinded!).add(announced!);
    // Written before sealing was on: deleted now, since their names are the handles themselves.
    await deps.redis.del(plain!, plainAnnounced!, out.thread(tenant, identity.handle));
  }
  for (const e of exported.events) if (e.type === 'message.sent') deletions.add(out.delivery(tenant, e.data.messageId ?? e.id));
  // Short-lived copies in plaintext (a week at most): the bot's hand-off summary waiting for an
  // agent, and web chat replies waiting for the visitor to come back.
  for (const { conversation } of exported.conversations) deletions.add(routingKeys(deps.instance, tenant).handoff(conversation.id));
  // (The pending list's name holds the visitor id: deleted now, not recorded in the plan.)
  for (const identity of identities) if (identity.channel === 'chat') await deps.redis.del(chatKeys(deps.instance).pending(tenant, identity.handle));

  const received = new Set(exported.events.filter((e) => e.type === 'message.received').map((e) => e.id));
  const files = [...new Set(exported.files.filter((f) => f.key !== undefined && received.has(f.message)).map((f) => f.key!))];
  const keyIds = new Set(await privacy.keys.keyIdsOf(tenant, people));
  for (const e of exported.events) collectKeyIds(e, keyIds);
  return { customer: survivor, at: deps.now().toISOString(), people, eventId: deterministicEventId(tenant, 'erasure', survivor), keyIds: [...keyIds], deletions: [...deletions], files };
}

function collectKeyIds(value: unknown, into: Set<string>): void {
  if (isSealed(value)) {
    const id = sealedKeyId(value);
    if (id) into.add(id);
  } else if (Array.isArray(value)) for (const v of value) collectKeyIds(v, into);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collectKeyIds(v, into);
}
