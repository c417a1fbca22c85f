import type { Admin, Kafka } from 'kafkajs';

/** Events the group has not committed yet, summed over the topic's partitions. */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await lagByPartition(admin, groupId, topic)).reduce((sum, p) => sum + p.lag, 0n);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Per partition, the records the group has not committed yet: the topic's end less the group's
 * committed offset (a partition the group never committed counts from the earliest record kept).
 */
export async function lagByPartition(admin: Admin, groupId: string, topic: string): Promise<Array<{ partition: number; lag: bigint }>> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), retried(() => admin.fetchOffsets({ groupId, topics: [topic] }))]);
  const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  return ends.map((p) => {
    const from = at.get(p.partition) ?? -1n;
    const start = from >= 0n ? from : BigInt(p.low);
    return { partition: p.partition, lag: BigInt(p.high) > start ? BigInt(p.high) - start : 0n };
  });
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

/**
 * The group's coordinator may be loading or moving (a broker just started, a group just made):
 * kafkajs flags those answers retriable but its admin does not retry an offset fetch. Ten tries,
 * 200 ms apart, then the error.
 */
async function retried<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= 10 || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
