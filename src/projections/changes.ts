import type { Redis } from 'ioredis';
import { liveKeys } from './keys.ts';

/** One change the live fold committed: which event, on which customer and conversation. No content. */
export interface Change {
  /** The stream entry id: a cursor a reader resumes after (SSE's Last-Event-ID). */
  id: string;
  type: string;
  customer: string;
  conversation: string | null;
  eventId: string;
}

/** Entries kept per tenant: a console away longer than this many changes reloads instead of catching up. */
export const CHANGES_KEPT = 10_000;

/**
 * The feed of what the live fold committed, per tenant, as a capped Redis stream: consoles are told
 * what changed the moment it is in the projections, and one that lost its connection resumes after
 * the last entry it saw, missing nothing. A batch folded again after a crash is announced again:
 * an announcement only says "read this again", so a second one changes nothing a console shows.
 */
export class ChangeFeed {
  private readonly keys: ReturnType<typeof liveKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
  ) {
    this.keys = liveKeys(instance);
  }

  /** Announces committed events (one pipeline per batch). */
  async announce(events: ReadonlyArray<{ id: string; type: string; tenant: string; customer: string; conversation?: string | undefined }>): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const e of events) {
      pipeline.xadd(this.keys.changes(e.tenant), 'MAXLEN', '~', CHANGES_KEPT, '*', 't', e.type, 'c', e.customer, 'v', e.conversation ?? '', 'e', e.id);
    }
    await pipeline.exec();
  }

  /** The tenant's changes after `after` (exclusive), oldest first, at most `count`. */
  async since(tenant: string, after: string, count = 1000): Promise<Change[]> {
    const entries = await this.redis.xrange(this.keys.changes(tenant), `(${after}`, '+', 'COUNT', count);
    return entries.map(([id, fields]) => toChange(id, fields));
  }

  /** Whether entries after `cursor` were trimmed away (the cap): the oldest kept one is later and the stream is full. */
  async trimmedAfter(tenant: string, cursor: string): Promise<boolean> {
    const key = this.keys.changes(tenant);
    const [[oldest] = []] = await this.redis.xrange(key, '-', '+', 'COUNT', 1);
    if (!oldest || !afterId(oldest, cursor)) return false;
    return (await this.redis.xlen(key)) >= CHANGES_KEPT;
  }

  /** The id of the tenant's latest change ('0-0' when none): where a new reader starts. */
  async latest(tenant: string): Promise<string> {
    const [last] = await this.redis.xrevrange(this.keys.changes(tenant), '+', '-', 'COUNT', 1);
    return last?.[0] ?? '0-0';
  }

  /** Waits up to `blockMs` for changes of any of the tenants after their cursors (a blocking read: give it its own connection). */
  async wait(cursors: ReadonlyMap<string, string>, blockMs: number): Promise<Array<{ tenant: string; changes: Change[] }>> {
    if (cursors.size === 0) return [];
    const tenants = [...cursors.keys()];
    const reply = (await this.redis.xread('COUNT', 1000, 'BLOCK', blockMs, 'STREAMS', ...tenants.map((t) => this.keys.changes(t)), ...tenants.map((t) => cursors.get(t)!))) as Array<[string, Array<[string, string[]]>]> | null;
    if (!reply) return [];
    return reply.map(([key, entries]) => ({ tenant: tenants[tenants.findIndex((t) => this.keys.changes(t) === key)]!, changes: entries.map(([id, fields]) => toChange(id, fields)) }));
  }
}

function toChange(id: string, fields: string[]): Change {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return { id, type: f.t ?? '', customer: f.c ?? '', conversation: f.v ? f.v : null, eventId: f.e ?? '' };
}

/** Stream ids compare as `<ms>-<seq>`. */
export function afterId(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am > bm || (am === bm && as > bs);
}
