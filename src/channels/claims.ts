import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { partitionKey, type AnyEvent } from '../../events/index.ts';
import type { LogMark } from '../log/append-probe.ts';
import { LogUnavailableError, type EventLog } from '../log/event-log.ts';
import type { Logger } from '../observability/logger.ts';
import { ingestKeys } from '../projections/keys.ts';

/** Another live request holds these events: answer 503 so the sender retries. */
export class IngestInProgressError extends Error {
  override name = 'IngestInProgressError';
}

/** One event id to append at most once, with what is appended for it. */
export interface ClaimEntry {
  /** The claimed event id (ids are unique per tenant). */
  id: string;
  /** Appended together, the claimed event among them; all with one key (so on one partition). */
  events: readonly AnyEvent[];
}

/**
 * How an entry ended: appended by this request; marked done by an earlier one; or found on the log,
 * appended by an earlier request that died (or gave up waiting) before it could mark it done.
 */
export type ClaimOutcome = 'appended' | 'done' | 'found';

export interface AppendClaimsOptions {
  redis: Redis;
  instance: string;
  eventLog: EventLog;
  /** How long a request's hold lasts unless renewed (default 5 s): a retry after a crash waits this long. */
  leaseMs?: number;
  /** How long an event id is remembered, pending or done (default 7 days: provider retries come within days). */
  claimSeconds?: number;
  /** How long a hold is kept past the append's deadline while Kafka's client still tries (default 60 s). */
  lateHoldMs?: number;
  logger?: Logger;
}

const ACQUIRE = readFileSync(new URL('./claim-acquire.lua', import.meta.url), 'utf8');
const RENEW = readFileSync(new URL('./claim-renew.lua', import.meta.url), 'utf8');
const SETTLE = readFileSync(new URL('./claim-settle.lua', import.meta.url), 'utf8');

/** Events per script call, so a large batch does not hold Redis for long. */
const CHUNK = 500;

type Way = 'done' | 'release' | 'forget' | 'pending';

interface Held {
  entry: ClaimEntry;
  /** The entry's place in the request. */
  index: number;
  /** Where this request's append goes; undefined when the log cannot be read back. */
  mark: LogMark | undefined;
  state: 'claimed' | 'recover';
  /** The claim an earlier holder left (state 'recover'). */
  previous: string;
  /** An append of this event may be on the log or on its way (so the claim must keep where). */
  mayBeOnLog: boolean;
  /** Where the claim says to look now (nowhere: a claim of 'pending -' tells a later request nothing). */
  recorded: LogMark | undefined;
  outcome?: ClaimOutcome;
}

const pendingValue = (mark: LogMark | undefined) => (mark ? `pending ${mark.partition} ${mark.offset}` : 'pending -');

function parsePending(value: string): LogMark | undefined {
  const match = /^pending (\d+) (\d+)$/.exec(value);
  return match ? { partition: Number(match[1]), offset: match[2]! } : undefined;
}

/**
 * Appends events at most once per event id, for the inbound doors (channels' ingest, `POST
 * /v1/events`). Per event id, a claim in Redis:
 *
 *   (none) ─claim─▶ pending <partition> <offset> ─appended─▶ done
 *                    │ ▲
 *                    │ └─ a lease (a few seconds, renewed while the request waits for Kafka) says a
 *                    │    live request holds it: a retry meanwhile is answered "in progress"
 *                    └─ the lease ran out (the request died): the next request looks for the event
 *                       on that partition from that offset to the end; found: done, without a second
 *                       append; not found: it appends
 *
 * The partition and offset are written with the claim, before the append is sent: the partition
 * the events' key goes to and that partition's end offset (a mark, `log/append-probe.ts`). An append
 * acknowledged but never marked done is therefore found by the next request, reading only what was
 * appended to one partition since. What remains is a holder that is alive but could not renew its
 * lease for `leaseMs` (a stalled process, Redis out of its reach) while its append still went
 * through: the retry may append too, and the fold drops the second copy by its id.
 */
export class AppendClaims {
  private readonly keys: ReturnType<typeof ingestKeys>;
  private readonly leaseMs: number;
  private readonly claimSeconds: number;
  private readonly lateHoldMs: number;

  constructor(private readonly o: AppendClaimsOptions) {
    this.keys = ingestKeys(o.instance);
    this.leaseMs = o.leaseMs ?? 5000;
    this.claimSeconds = o.claimSeconds ?? 7 * 24 * 3600;
    this.lateHoldMs = o.lateHoldMs ?? 60_000;
  }

  /**
   * Appends the entries not on the log yet, in one `append` call (default: the event log's), and
   * returns each entry's outcome. Entry ids must be distinct. Throws IngestInProgressError when a
   * live request holds any of them (nothing is appended then), LogUnavailableError when Kafka did
   * not answer; either way the sender's retry is safe. `afterAppend` runs once the append is
   * acknowledged and before the events are marked done.
   */
  async appendOnce(
    tenant: string,
    entries: readonly ClaimEntry[],
    options: { append?: (events: AnyEvent[]) => Promise<unknown>; afterAppend?: () => Promise<void> } = {},
  ): Promise<ClaimOutcome[]> {
    if (entries.length === 0) return [];
    if (new Set(entries.map((e) => e.id)).size !== entries.length) throw new Error('claim entries must have distinct ids');
    const append = options.append ?? ((events: AnyEvent[]) => this.o.eventLog.append(events));
    const probe = this.o.eventLog.probe;
    const marks = probe ? await Promise.all(entries.map((e) => probe.mark(partitionKey(e.events[0]!)))) : entries.map(() => undefined);
    const token = randomUUID();

    const outcomes: Array<ClaimOutcome | undefined> = entries.map(() => undefined);
    const held: Held[] = [];
    let busy = false;
    for (let start = 0; start < entries.length && !busy; start += CHUNK) {
      const chunk = entries.slice(start, start + CHUNK);
      const reply = (await this.o.redis.eval(
        ACQUIRE,
        chunk.length * 2,
        ...chunk.flatMap((e) => [this.keys.claim(tenant, e.id), this.keys.lease(tenant, e.id)]),
        token,
        this.leaseMs,
        this.claimSeconds,
        ...chunk.map((_, i) => pendingValue(marks[start + i])),
      )) as string[];
      chunk.forEach((entry, i) => {
        const state = reply[2 * i];
        if (state === 'done') outcomes[start + i] = 'done';
        else if (state === 'busy') busy = true;
        else if (state === 'recover') held.push({ entry, index: start + i, mark: marks[start + i], state, previous: reply[2 * i + 1] ?? '', mayBeOnLog: true, recorded: parsePending(reply[2 * i + 1] ?? '') });
        else held.push({ entry, index: start + i, mark: marks[start + i], state: 'claimed', previous: '', mayBeOnLog: false, recorded: marks[start + i] });
      });
    }
    if (busy) {
      await this.settle(tenant, token, held);
      throw new IngestInProgressError(`${entries.length === 1 ? `event ${entries[0]!.id} is` : 'some of these events are'} being appended by another request`);
    }
    if (held.length === 0) return outcomes as ClaimOutcome[];

    const hold = this.renewing(tenant, token, held);
    let appending = false;
    try {
      await this.recover(tenant, token, held);
      const todo = held.filter((h) => h.outcome === undefined);
      if (todo.length > 0) {
        if (hold.lost()) throw new IngestInProgressError('the claim ran out before the append; another request may hold it');
        for (const h of todo) h.mayBeOnLog = true;
        appending = true;
        await append(todo.flatMap((h) => [...h.entry.events]));
        for (const h of todo) h.outcome = 'appended';
        await options.afterAppend?.();
      }
    } catch (err) {
      // Kafka's client still tries the append the deadline gave up on: hold the claim until it stops.
      const late = appending && err instanceof LogUnavailableError ? err.pending : undefined;
      const finish = async () => {
        hold.stop();
        await this.settle(tenant, token, held).catch((e: unknown) => this.o.logger?.warn({ err: (e as Error).message }, 'claims not settled; their leases run out'));
      };
      if (late) void Promise.race([late, sleep(this.lateHoldMs, undefined, { ref: false })]).then(finish);
      else await finish();
      throw err;
    }
    hold.stop();
    await this.settle(tenant, token, held);
    for (const h of held) outcomes[h.index] = h.outcome;
    return outcomes as ClaimOutcome[];
  }

  /**
   * Claims left by a request that died: looks on the log for what it may have appended. Found ones
   * are done; for the others this request's own mark replaces the old one before it appends.
   */
  private async recover(tenant: string, token: string, held: Held[]): Promise<void> {
    const recovering = held.filter((h) => h.state === 'recover');
    if (recovering.length === 0) return;
    const probe = this.o.eventLog.probe;
    const groups = new Map<string, { from: LogMark; items: Held[] }>();
    for (const h of recovering) {
      const from = parsePending(h.previous);
      // Where it went is unknown ('pending -'): nothing to read; appending again is all there is.
      if (!from || !probe) continue;
      const key = `${from.partition} ${from.offset}`;
      const group = groups.get(key) ?? { from, items: [] };
      group.items.push(h);
      groups.set(key, group);
    }
    await Promise.all(
      [...groups.values()].map(async ({ from, items }) => {
        const found = await probe!.find(tenant, from, items.map((h) => h.entry.id));
        for (const h of items) {
          // Not on the log since the mark: the request that left it will not append any more.
          if (found.has(h.entry.id)) h.outcome = 'found';
          else h.mayBeOnLog = false;
        }
      }),
    );
    const again = recovering.filter((h) => h.outcome === undefined);
    if (again.length === 0) return;
    const mine = await this.run(SETTLE, tenant, token, again, (h) => ['pending', pendingValue(h.mark)]);
    again.forEach((h, i) => {
      if (mine[i] === 1) h.recorded = h.mark;
    });
    if (mine.some((m) => m !== 1)) throw new IngestInProgressError('the claim ran out while checking the log; another request may hold it');
  }

  /** Renews the leases every third of their length while the request works; `lost` once one was not ours. */
  private renewing(tenant: string, token: string, held: Held[]): { stop(): void; lost(): boolean } {
    let lost = false;
    const leases = held.map((h) => this.keys.lease(tenant, h.entry.id));
    const timer = setInterval(() => {
      void (async () => {
        for (let start = 0; start < leases.length; start += CHUNK) {
          const chunk = leases.slice(start, start + CHUNK);
          const missing = (await this.o.redis.eval(RENEW, chunk.length, ...chunk, token, this.leaseMs)) as number;
          if (missing > 0 && !lost) {
            lost = true;
            this.o.logger?.warn({ tenant, missing }, 'a claim ran out while its request still worked');
          }
        }
      })().catch(() => undefined);
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    timer.unref();
    return { stop: () => clearInterval(timer), lost: () => lost };
  }

  /**
   * Ends this request's hold on every claim it took, each the way its outcome says. A claim is kept
   * only when an append may be out there and the claim says where to look for it; otherwise the
   * next request would append anyway, so it starts from nothing.
   */
  private async settle(tenant: string, token: string, held: Held[]): Promise<void> {
    await this.run(SETTLE, tenant, token, held, (h) => [h.outcome ? 'done' : h.mayBeOnLog && h.recorded ? 'release' : 'forget', '']);
  }

  private async run(script: string, tenant: string, token: string, held: Held[], way: (h: Held) => [Way, string]): Promise<number[]> {
    const out: number[] = [];
    for (let start = 0; start < held.length; start += CHUNK) {
      const chunk = held.slice(start, start + CHUNK);
      const reply = (await this.o.redis.eval(
        script,
        chunk.length * 2,
        ...chunk.flatMap((h) => [this.keys.claim(tenant, h.entry.id), this.keys.lease(tenant, h.entry.id)]),
        token,
        this.claimSeconds,
        ...chunk.flatMap(way),
      )) as number[];
      out.push(...reply);
    }
    return out;
  }
}
