import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';

export interface RoleContext {
  config: Config;
  logger: Logger;
}

export interface RunningRole {
  /** Resolves when the role ends by itself (one-shot roles); long-running roles never resolve it. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** A container role: `node workers/main.js <role>` builds one of these from the config and runs it. */
export type Role = (ctx: RoleContext) => Promise<RunningRole>;

/** Never resolves: what a long-running role's `done` is. */
export const runsUntilStopped = new Promise<void>(() => undefined);

export type Release = () => Promise<unknown> | unknown;

/**
 * What a role holds open (connections, queues, workers, consumers), let go in the reverse order it
 * was taken: readers stop before the workers they feed, workers before their queues, connections
 * last. The one shutdown sequence of every role, and the clean-up of a start that failed half-way.
 */
export class Holdings {
  private readonly releases: Release[] = [];

  /** Keeps `resource` until `releaseAll`; returns it, so taking and holding read as one line. */
  hold<T>(resource: T, release: (resource: T) => Promise<unknown> | unknown): T {
    this.releases.push(() => release(resource));
    return resource;
  }

  /** Lets go of everything held, newest first; every release runs even if an earlier one threw. */
  async releaseAll(): Promise<void> {
    let failure: unknown;
    for (const release of this.releases.splice(0).reverse()) {
      try {
        await release();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/**
 * Opens a role's parts with `open`; the result gains `close()`, which releases everything held.
 * If `open` throws, what it held so far is released (errors of that clean-up are dropped: the
 * start's own error is the one worth reporting) and the error is thrown on.
 */
export async function openHeld<T extends object>(open: (holdings: Holdings) => Promise<T>): Promise<T & { close(): Promise<void> }> {
  const holdings = new Holdings();
  try {
    const opened = await open(holdings);
    return Object.assign(opened, { close: () => holdings.releaseAll() });
  } catch (err) {
    await holdings.releaseAll().catch(() => undefined);
    throw err;
  }
}
