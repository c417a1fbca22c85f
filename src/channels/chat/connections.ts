import type { Redis } from 'ioredis';
import type { WebSocket } from 'ws';
import type { Logger } from '../../observability/logger.ts';
import { chatKeys } from '../../projections/keys.ts';

const OPEN = 1;

/**
 * The visitors' sockets this API instance holds, by tenant/visitor. Each visitor with at least one
 * socket here has its pub/sub channel subscribed, so a reply published by any outbound worker
 * reaches whichever instance holds the socket (a visitor may have several tabs open).
 */
export class ChatConnections {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  /** Each channel's SUBSCRIBE, awaited by every socket that joins it before it reads what is pending. */
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly keys: ReturnType<typeof chatKeys>;

  constructor(
    /** A connection of its own: once subscribed, Redis accepts no other commands on it. */
    private readonly subscriber: Redis,
    private readonly redis: Redis,
    instance: string,
    private readonly logger: Logger,
    heartbeatMs = 30_000,
  ) {
    this.keys = chatKeys(instance);
    subscriber.on('message', (channel: string, payload: string) => this.deliver(channel, payload));
    // Proxies drop idle sockets and a vanished client never says goodbye: ping, and drop the silent.
    this.heartbeat = setInterval(() => this.ping(), heartbeatMs);
    this.heartbeat.unref();
  }

  async add(tenant: string, visitor: string, socket: WebSocket): Promise<void> {
    const channel = this.keys.channel(tenant, visitor);
    let set = this.sockets.get(channel);
    if (!set) {
      this.sockets.set(channel, (set = new Set()));
      this.subscribed.set(channel, this.subscriber.subscribe(channel));
    }
    set.add(socket);
    this.alive.add(socket);
    socket.on('pong', () => this.alive.add(socket));
    // Before any await: a socket closing meanwhile must still leave the registry.
    socket.on('close', () => void this.remove(channel, socket));
    try {
      await this.subscribed.get(channel);
    } catch (err) {
      await this.remove(channel, socket);
      throw err;
    }
    // Subscribed first, then drained: a reply published meanwhile arrives live or waits for the next connect.
    await this.sendPending(tenant, visitor, socket);
  }

  /** How many sockets this instance holds (tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.sockets.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const set of this.sockets.values()) for (const socket of set) socket.close(1001, 'server shutting down');
    this.sockets.clear();
    this.subscribed.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private async remove(channel: string, socket: WebSocket): Promise<void> {
    const set = this.sockets.get(channel);
    if (!set?.delete(socket) || set.size > 0) return;
    this.sockets.delete(channel);
    this.subscribed.delete(channel);
    await this.subscriber.unsubscribe(channel).catch((err: Error) => this.logger.warn({ reason: err.message }, 'chat unsubscribe failed'));
  }

  private deliver(channel: string, payload: string): void {
    for (const socket of this.sockets.get(channel) ?? []) if (socket.readyState === OPEN) socket.send(payload);
  }

  private async sendPending(tenant: string, visitor: string, socket: WebSocket): Promise<void> {
    // A socket already gone leaves the replies for the next one.
    if (socket.readyState !== OPEN) return;
    const key = this.keys.pending(tenant, visitor);
    const replies = await this.redis.multi().lrange(key, 0, -1).del(key).exec();
    const pending = (replies?.[0]?.[1] as string[] | undefined) ?? [];
    for (const payload of pending) if (socket.readyState === OPEN) socket.send(payload);
  }

  private ping(): void {
    for (const set of this.sockets.values()) {
      for (const socket of set) {
        if (!this.alive.has(socket)) {
          socket.terminate();
          continue;
        }
        this.alive.delete(socket);
        socket.ping();
      }
    }
  }
}
