/**
 * The run's own Kafka broker: a single KRaft node (scripts/stack/kafka-node.ts) on ports of its own,
 * data under the run's folder, so restarting it disturbs nobody else. Stopped and removed at the end.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaPidFile, startKafkaNode, stopKafkaNode } from '../stack/kafka-node.ts';
import { isAlive, readPid } from '../stack/process.ts';
import { stackDir } from '../stack/stack.ts';
import { freePort } from '../sim/free-port.ts';

export interface OwnBroker {
  address: string;
  dir: string;
  /** Stops the broker (controlled shutdown, or SIGKILL); resolves once it is gone. */
  stop(kill: boolean): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it answers metadata requests. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  dispose(): Promise<void>;
}

export async function startOwnBroker(dir: string): Promise<OwnBroker> {
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const node = { stackDir, dir: join(dir, 'kafka'), port, controllerPort, heap: '512m' };
  await startKafkaNode(node, 120_000);
  let disposed = false;
  return {
    address: `127.0.0.1:${port}`,
    dir: node.dir,
    async stop(kill) {
      if (!kill) {
        await stopKafkaNode(node.dir);
        return;
      }
      const pid = readPid(kafkaPidFile(node.dir));
      if (pid === undefined) return;
      process.kill(pid, 'SIGKILL');
      while (isAlive(pid)) await sleep(50);
      rmSync(kafkaPidFile(node.dir), { force: true });
    },
    async start() {
      await startKafkaNode(node, 120_000);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await stopKafkaNode(node.dir).catch(() => undefined);
      rmSync(node.dir, { recursive: true, force: true });
    },
  };
}
