/**
 * `cs customers export`: everything the engine holds of one customer, for their right of access:
 * JSON (the shape of src/replay/subject-access.ts), or with `--zip` a zip of that JSON
 * (`export.json`) and the bytes of every file that reached us (`files/<key>`).
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { AttachmentStore } from '../attachments/store.ts';
import { loadConfig } from '../config/load.ts';
import { createKafka } from '../log/kafka.ts';
import { createLogger } from '../observability/logger.ts';
import { ProjectionReader } from '../projections/reader.ts';
import { redisConnection } from '../queues/connection.ts';
import { subjectAccessExport, type SubjectAccessExport } from '../replay/subject-access.ts';
import { subjectAccessZip } from '../replay/subject-access-zip.ts';

export function customerCommands(program: Command): void {
  const customers = program.command('customers').description("a customer's data: the subject-access export");
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
        const exported = await subjectAccessExport({
          reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }),
          kafka: createKafka(config.kafka, createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'cs-customers' })),
          topic: config.kafka.topics.events,
          tenant: o.tenant,
          customer: id,
          now: new Date(),
        });
        if (!exported) throw new Error(`tenant ${o.tenant} has no customer ${id}`);
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
