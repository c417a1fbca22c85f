/**
 * A customer's data, all of it, for their right of access (GDPR art. 15 and its equivalents): the
 * customer record and every identity, each conversation with its transcript (delivery states and
 * files included), the files' bytes, and every event of the log that is theirs. "Theirs" follows
 * merges: the customers merged into this one are the same person, so their records and events come
 * too; nothing of any other customer does.
 *
 * Events are read off the topic, from the partitions the people's keys hash to (the record key is
 * `tenant/customer`, so a customer's events are on one partition): a few partitions read in full,
 * not the whole topic.
 */
import type { Kafka } from 'kafkajs';
import { partitionKey, type AnyEvent } from '../../events/index.ts';
import type { Conversation, Customer } from '../domain/state.ts';
import { partitionOf } from '../log/partition-of.ts';
import type { ProjectionReader, ReadScope } from '../projections/reader.ts';
import { withOutcomes, type DeliveredEntry } from '../projections/views.ts';
import { readTrusted } from './fast-parse.ts';
import { readTopic } from './kafka-source.ts';

export const SUBJECT_ACCESS_FORMAT = 'cs-subject-access/1';

export interface SubjectFile {
  /** The message event the file came or went with, and its place in the message's files. */
  message: string;
  index: number;
  filename: string;
  contentType: string;
  size: number;
  /** Our store's key; absent when the bytes never reached us (`unavailable` says why, or still fetching). */
  key?: string;
  unavailable?: string;
  /** Where the bytes are in the zip export (`files/<key>`). */
  path?: string;
}

export interface SubjectAccessExport {
  format: typeof SUBJECT_ACCESS_FORMAT;
  tenant: string;
  /** The customer asked for, and every customer id the person had (merged into it). */
  customer: string;
  people: string[];
  exportedAt: string;
  customers: Customer[];
  conversations: Array<{ conversation: Conversation; transcript: DeliveredEntry[] }>;
  files: SubjectFile[];
  /** Every event of the people on the log: partition by partition (ascending), each in offset order. */
  events: AnyEvent[];
}

/** The people the customer was: itself (or the survivor it was merged into) and every customer merged into it, transitively. */
async function peopleOf(reader: ProjectionReader, scope: ReadScope, id: string): Promise<Customer[] | null> {
  let start = (await reader.customers(scope, [id])).get(id);
  if (!start) return null;
  // A customer merged away is the survivor's person now: export the whole person.
  for (let hops = 0; start.mergedInto && hops < 32; hops++) {
    const next = (await reader.customers(scope, [start.mergedInto])).get(start.mergedInto);
    if (!next) break;
    start = next;
  }
  const found = new Map<string, Customer>([[start.id, start]]);
  let frontier = [start];
  while (frontier.length > 0) {
    const ids = frontier.flatMap((c) => c.mergedFrom).filter((m) => !found.has(m));
    const more = [...(await reader.customers(scope, ids)).values()];
    for (const c of more) found.set(c.id, c);
    frontier = more;
  }
  return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The export, or null when the tenant has no such customer. */
export async function subjectAccessExport(o: { reader: ProjectionReader; kafka: Kafka; topic: string; tenant: string; customer: string; now: Date }): Promise<SubjectAccessExport | null> {
  const scope = await o.reader.scope(o.tenant);
  const customers = await peopleOf(o.reader, scope, o.customer);
  if (!customers) return null;
  const people = new Set(customers.map((c) => c.id));

  const records = (await o.reader.conversationsOf(scope, customers)).sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0) || (a.id < b.id ? -1 : 1));
  const conversations: SubjectAccessExport['conversations'] = [];
  for (const conversation of records) {
    const [[transcript = []], outcomes] = await Promise.all([o.reader.transcripts(scope, [conversation]), o.reader.outcomes(scope, conversation)]);
    conversations.push({ conversation, transcript: withOutcomes(transcript, outcomes) });
  }
  const files: SubjectFile[] = conversations.flatMap(({ transcript }) =>
    transcript.flatMap((line) =>
      (line.attachments ?? []).map((a, index): SubjectFile => ({ message: line.eventId, index, ...a, ...(a.key ? { path: `files/${a.key}` } : {}) })),
    ),
  );

  const admin = o.kafka.admin();
  await admin.connect();
  let partitionCount: number;
  try {
    partitionCount = (await admin.fetchTopicOffsets(o.topic)).length;
  } finally {
    await admin.disconnect();
  }
  const partitions = [...new Set([...people].map((id) => partitionOf(o.topic, partitionKey({ tenant: o.tenant, customer: id }), partitionCount)))].sort((a, b) => a - b);
  const found: Array<{ partition: number; offset: number; event: AnyEvent }> = [];
  await readTopic({
    kafka: o.kafka,
    topic: o.topic,
    partitions,
    record: (message, partition, offset) => {
      const read = message.value === null ? null : readTrusted(message.value.toString('utf8'));
      if (read?.ok && read.event.tenant === o.tenant && people.has(read.event.customer)) found.push({ partition, offset, event: read.event });
    },
  });
  // Partitions are read side by side: the export lists them one after the other, so two exports of the same log are the same.
  const events = found.sort((a, b) => a.partition - b.partition || a.offset - b.offset).map((f) => f.event);
  return { format: SUBJECT_ACCESS_FORMAT, tenant: o.tenant, customer: o.customer, people: [...people], exportedAt: o.now.toISOString(), customers, conversations, files, events };
}
