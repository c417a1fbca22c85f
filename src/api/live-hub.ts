import type { Redis } from 'ioredis';
import { afterId, ChangeFeed, type Change } from '../projections/changes.ts';

type Listener = (changes: Change[]) => void;

/**
 * One blocking reader of the change feed per API process, fanned out to every connected console of
 * every tenant it serves: fifty consoles cost one Redis connection, not fifty. A tenant is read
 * while someone listens to it; the reader starts at the tenant's latest change when its first
 * listener arrives.
 */
export class LiveHub {
  private readonly feed: ChangeFeed;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly cursors = new Map<string, string>();
  private running: Promise<void> | null = null;
  private closed = false;
  /** Wakes the blocking read when the set of tenants changed (a shorter block then). */
  private readonly blockMs: number;

  constructor(
    private readonly blocking: Redis,
    instance: string,
    options: { blockMs?: number } = {},
  ) {
    this.feed = new ChangeFeed(blocking, instance);
    this.blockMs = options.blockMs ?? 1000;
  }

  /** Listens to a tenant's changes from now on; returns the cursor listening began at, and how to stop. */
  async listen(tenant: string, listener: Listener): Promise<{ from: string; stop(): void }> {
    // The tenant's cursor first, then the tenant in the read set: the reader never sees a tenant
    // it has no cursor for (listeners arriving together each ask; the first answer stands).
    if (!this.cursors.has(tenant)) {
      const latest = await this.feed.latest(tenant);
      if (!this.cursors.has(tenant)) this.cursors.set(tenant, latest);
    }
    let set = this.listeners.get(tenant);
    if (!set) this.listeners.set(tenant, (set = new Set()));
    set.add(listener);
    this.start();
    const from = this.cursors.get(tenant)!;
    return {
      from,
      stop: () => {
        set.delete(listener);
        if (set.size === 0 && this.listeners.get(tenant) === set) {
          this.listeners.delete(tenant);
          this.cursors.delete(tenant);
        }
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.blocking.disconnect();
    await this.running?.catch(() => undefined);
  }

  private start(): void {
    if (this.running || this.closed) return;
    this.running = (async () => {
      while (!this.closed && this.listeners.size > 0) {
        try {
          const read = new Map([...this.cursors].filter(([tenant]) => this.listeners.has(tenant)));
          // Nothing to block on: wait a moment rather than spin (a read of no streams returns at once).
          if (read.size === 0) {
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
          for (const { tenant, changes } of await this.feed.wait(read, this.blockMs)) {
            const fresh = changes.filter((c) => afterId(c.id, this.cursors.get(tenant) ?? '0-0'));
            if (fresh.length === 0) continue;
            this.cursors.set(tenant, fresh.at(-1)!.id);
            for (const listener of this.listeners.get(tenant) ?? []) listener(fresh);
          }
        } catch {
          if (this.closed) break;
          // Redis away: try again shortly; listeners resume from the cursor, missing nothing.
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      this.running = null;
    })();
  }
}
