import { afterEach, describe, expect, it } from 'vitest';
import { partitionKey, type AnyEvent } from '../../../events/index.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { customerWrote } from '../../support/events.ts';
import { freshTopics, testKafka } from '../../support/kafka.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(partitions: number) {
  const kafka = testKafka();
  const topics = await freshTopics(kafka, partitions);
  cleanups.push(topics.cleanup);
  const log = await openKafkaEventLog({ kafka, topic: topics.names.events, publishTimeoutMs: 20_000 });
  cleanups.push(() => log.close());
  return { log, probe: log.probe! };
}

describe('the event log’s probe (what the doors’ claims read back)', () => {
  it('marks the partition an append goes to, at or below the offset it gets', async () => {
    const { log, probe } = await setup(7);
    for (let i = 0; i < 40; i++) {
      const event = customerWrote('acme', `cus-${i}`, `hello ${i}`);
      const mark = await probe.mark(partitionKey(event));
      await log.append([event]);
      // Found reading the mark's partition from the mark's offset: it went there, at or after it.
      expect(await probe.find('acme', mark, [event.id])).toEqual(new Set([event.id]));
    }
  });

  it('finds an appended event from its mark, reading what came since, and nothing else', async () => {
    const { log, probe } = await setup(2);
    const event = customerWrote('acme', 'ann', 'find me');
    const mark = await probe.mark(partitionKey(event));
    // Nothing appended since the mark: nothing to read.
    expect(await probe.find('acme', mark, [event.id])).toEqual(new Set());

    const others: AnyEvent[] = Array.from({ length: 30 }, (_, i) => customerWrote('acme', 'ann', `before ${i}`));
    await log.append(others.slice(0, 15));
    await log.append([event]);
    await log.append(others.slice(15));
    const missing = customerWrote('acme', 'ann', 'never sent');
    expect(await probe.find('acme', mark, [event.id, missing.id])).toEqual(new Set([event.id]));
    // Ids are one tenant's.
    expect(await probe.find('other-tenant', mark, [event.id])).toEqual(new Set());
    // From a mark taken after it (end offsets are asked again once a second): not found.
    await new Promise((r) => setTimeout(r, 1100));
    const after = await probe.mark(partitionKey(event));
    expect(after.offset).toBe('31');
    expect(await probe.find('acme', after, [event.id])).toEqual(new Set());

    // Searches of one partition at the same time are one read, each caller told its own.
    const [a, b] = await Promise.all([probe.find('acme', mark, [others[3]!.id]), probe.find('acme', mark, [others[20]!.id, missing.id])]);
    expect(a).toEqual(new Set([others[3]!.id]));
    expect(b).toEqual(new Set([others[20]!.id]));
  });
});
