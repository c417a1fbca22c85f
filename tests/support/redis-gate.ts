import { createServer, connect, type Socket } from 'node:net';

export interface RedisGate {
  /** redis://127.0.0.1:<port> of the gate: give it to the process under test instead of Redis's own. */
  url: string;
  /**
   * From the first command that mentions `marker` on (that command still goes through), nothing
   * more any client sends reaches Redis: as if the process stopped right after it. Resolves then.
   */
  holdAfter(marker: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP pass-through in front of Redis that can stop a process's writes at a chosen point, so a
 * spec can kill the process with exactly what it wrote up to then in Redis (and anything it sent
 * elsewhere, Kafka say, still going through).
 */
export async function redisGate(redisUrl: string): Promise<RedisGate> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  let marker: { text: string; seen: () => void } | undefined;
  let holding = false;

  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    let recent = '';
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (holding) return;
      upstream.write(chunk);
      if (!marker) return;
      // The command may be cut across chunks: look in what came lately on this connection.
      recent = (recent + chunk.toString('latin1')).slice(-(marker.text.length + chunk.length));
      if (recent.includes(marker.text)) {
        holding = true;
        marker.seen();
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `redis://127.0.0.1:${port}`,
    holdAfter(text) {
      return new Promise<void>((resolve) => {
        marker = { text, seen: resolve };
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
