import type { Kafka } from 'kafkajs';

/** Events the group has not committed yet, summed over the topic's partitions. */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    let lag = 0n;
    for (const p of ends) {
      const from = at.get(p.partition) ?? -1n;
      const start = from >= 0n ? from : BigInt(p.low);
      if (BigInt(p.high) > start) lag += BigInt(p.high) - start;
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once the group has committed every partition up to the topic's end. */
export async function waitForGroupCaughtUp(kafka: Kafka, groupId: string, topic: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await groupLag(kafka, groupId, topic)) === 0n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`group ${groupId} did not catch up with ${topic} within ${timeoutMs / 1000}s`);
}
