import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server, whose "network" a spec can drop: every open connection is cut
 * and new ones are refused (closed at once) until it is restored. What a browser behind it sees is
 * what a dropped Wi-Fi does to it: a connection reset, then failed reconnects. It also records the
 * head of each HTTP request that passes, so a spec can see what the browser asked on reconnect.
 */
export async function startDroppableProxy(target: string): Promise<{ url: string; heads: string[]; drop(): void; restore(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const heads: string[] = [];
  let dropped = false;
  const server = createServer((client) => {
    if (dropped) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (/^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(text)) heads.push(text.slice(0, text.indexOf('\r\n\r\n') >>> 0));
    });
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    heads,
    drop() {
      dropped = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      dropped = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}
