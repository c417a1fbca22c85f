/**
 * `cs customers export`: everything the engine holds of one customer, for their right of access:
 * JSON (the shape of src/replay/subject-access.ts), or with `--zip` a zip of that JSON
 * (`export.json`) and the bytes of every file that reached us (`files/<key>`).
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { CountryCode } from 'libphonenumber-js';
import { AttachmentStore } from '../attachments/store.ts';
import { IdentityStore } from '../channels/identity.ts';
import { eraseCustomer } from '../erasure/erase.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { openPrivacy } from '../privacy/index.ts';
import { loadConfig } from '../config/load.ts';
import { createKafka } from '../log/kafka.ts';
import { createLogger } from '../observability/logger.ts';
import { ProjectionReader } from '../projections/reader.ts';
import { redisConnection } from '../queues/connection.ts';
import { subjectAccessExport, type SubjectAccessExport } from '../replay/subject-access.ts';
import { subjectAccessZip } from '../replay/subject-access-zip.ts';

export function customerCommands(program: Command): void {
  const customers = program.command('customers').description("a customer's data: the subject-access export, the erasure");
  erasureCommands(customers);
  customers
    .command('export <id>')
    .description("every record, conversation, transcript, file and event of a customer (and of the customers merged into them), as JSON or a zip")
    .requiredOption('--tenant <tenant>', 'the tenant the customer belongs to')
    .requiredOption('--out <file>', 'where to write it (.json, or .zip with --zip)')
    .option('--zip', "a zip of export.json and the files' bytes (files/<key>)")
    .action(async (id: string, o: { tenant: string; out: string; zip?: boolean }) => {
      const config = loadConfig();
      const redis = redisConnection(config.redis.url, 'cs-customers');
      try {
        const found = await subjectAccessExport({
          reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }),
          kafka: createKafka(config.kafka, createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'cs-customers' })),
          topic: config.kafka.topics.events,
          tenant: o.tenant,
          customer: id,
          now: new Date(),
        });
        if (!found) throw new Error(`tenant ${o.tenant} has no customer ${id}`);
        // The person's own data, for the person: opened (an erased customer's reads "[erased]").
        const privacy = openPrivacy(config, redis);
        const exported = privacy ? await privacy.opener.open(o.tenant, found) : found;
        if (o.zip) await writeZip(exported, new AttachmentStore(config.channels.attachments.dir), o.out);
        else await writeFile(o.out, `${JSON.stringify(exported, null, 2)}\n`);
        const missing = exported.files.filter((f) => f.key === undefined).length;
        console.error(
          `cs customers export: ${exported.people.length} customer record(s), ${exported.conversations.length} conversation(s), ${exported.events.length} events, ${exported.files.length} file(s)${missing ? ` (${missing} never reached us)` : ''} written to ${o.out}`,
        );
      } finally {
        redis.disconnect();
      }
    });
}

async function writeZip(exported: SubjectAccessExport, store: AttachmentStore, out: string): Promise<void> {
  await pipeline(await subjectAccessZip(exported, store), createWriteStream(out));
}

/** `cs customers erase`: the right to be forgotten, from the command line (the same as POST /v1/customers/:id/erase). */
export function erasureCommands(customers: Command): void {
  customers
    .command('erase <id>')
    .description("erase a customer (and those merged into them): destroy their keys, so every message, handle and name of theirs on the log reads \"[erased]\"; conversations stay as anonymous facts")
    .requiredOption('--tenant <tenant>', 'the tenant the customer belongs to')
    .action(async (id: string, o: { tenant: string }) => {
      const config = loadConfig();
      const redis = redisConnection(config.redis.url, 'cs-customers');
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'cs-customers' });
      const kafka = createKafka(config.kafka, logger);
      const eventLog = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs, maxRecordBytes: config.kafka.maxRecordBytes });
      try {
        const privacy = openPrivacy(config, redis);
        const result = await eraseCustomer(
          {
            reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }),
            redis,
            instance: config.instance,
            kafka,
            topic: config.kafka.topics.events,
            eventLog,
            privacy,
            identities: new IdentityStore(redis, config.instance, privacy?.blinder),
            store: new AttachmentStore(config.channels.attachments.dir),
            defaultCountry: config.channels.defaultCountry as CountryCode,
            now: () => new Date(),
          },
          { tenant: o.tenant, customer: id, by: { kind: 'system', id: 'cli' }, auth: { authtype: 'system', authid: 'cli' } },
        );
        if (!result.ok) throw new Error(result.message);
        const { outcome } = result;
        console.log(JSON.stringify({ ...outcome, again: result.again }));
        console.error(
          `cs customers erase: ${outcome.people.join(', ')} ${result.again ? 'was erased before' : 'erased'}: ${outcome.keysDestroyed} key(s) destroyed, ${outcome.indexEntriesDeleted} index entries and ${outcome.filesDeleted} file(s) deleted`,
        );
      } finally {
        await eventLog.close();
        redis.disconnect();
      }
    });
}
