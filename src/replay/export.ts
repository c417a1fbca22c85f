/**
 * `cs export`: the event topic as NDJSON(.gz) in log order: each partition in offset order (so each
 * customer's events in their order), partitions merged by Kafka record timestamp (the append time),
 * so the file reads in time order too. Records are validated as the live consumer does; one that
 * does not parse (a dead letter live) is left out and counted.
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import { parseEventJson, type AnyEvent } from '../../events/index.ts';
import { createEnvelopeWriter } from '../ndjson/codec.ts';
import { readTopic } from './kafka-source.ts';
import type { Redactor } from './redact.ts';

export interface ExportOptions {
  kafka: Kafka;
  topic: string;
  out: string;
  since?: number;
  until?: number;
  tenant?: string;
  redact?: Redactor;
  progress?(done: number, total: number): void;
}

export interface ExportResult {
  records: number;
  written: number;
  rejected: number;
}

interface Queued {
  timestamp: number;
  partition: number;
  event: AnyEvent;
}

export async function exportTopic(o: ExportOptions): Promise<ExportResult> {
  const writer = createEnvelopeWriter(o.out);
  const queues = new Map<number, Queued[]>();
  const finished = new Set<number>();
  let written = 0;
  let rejected = 0;
  const keep = (e: AnyEvent) => {
    const t = Date.parse(e.time);
    return (o.since === undefined || t >= o.since) && (o.until === undefined || t < o.until) && (o.tenant === undefined || e.tenant === o.tenant);
  };
  /** Writes the earliest head while every partition still being read has one (a k-way merge by timestamp). */
  const drain = async (all: boolean) => {
    for (;;) {
      let best: Queued[] | undefined;
      for (const [partition, queue] of queues) {
        if (queue.length === 0) {
          if (!all && !finished.has(partition)) return;
          continue;
        }
        if (!best || queue[0]!.timestamp < best[0]!.timestamp || (queue[0]!.timestamp === best[0]!.timestamp && queue[0]!.partition < best[0]!.partition)) best = queue;
      }
      if (!best) return;
      const head = best.shift()!;
      await writer.write(o.redact ? o.redact(head.event) : head.event);
      written++;
    }
  };
  try {
    const ends = await readEndOffsets(o.kafka, o.topic);
    for (const [partition, high] of ends) {
      queues.set(partition, []);
      if (high === 0n) finished.add(partition);
    }
    const { records } = await readTopic({
      kafka: o.kafka,
      topic: o.topic,
      ...(o.since !== undefined ? { since: o.since } : {}),
      record: (message: KafkaMessage, partition: number) => {
        const parsed = message.value === null ? null : parseEventJson(message.value.toString('utf8'));
        if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) finished.add(partition);
        if (!parsed?.ok) {
          rejected++;
          return;
        }
        if (keep(parsed.event)) queues.get(partition)!.push({ timestamp: Number(message.timestamp), partition, event: parsed.event });
      },
      afterBatch: () => drain(false),
      ...(o.progress ? { progress: o.progress } : {}),
    });
    await drain(true);
    await writer.close();
    return { records, written, rejected };
  } catch (err) {
    await writer.close().catch(() => undefined);
    throw err;
  }
}

async function readEndOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
}
