import { Gauge } from 'prom-client';
import { metricsRegistry } from './metrics.ts';

/**
 * Whether this process can do its work now: every registered check passes. A check resolves when
 * its part answers and throws (or rejects) saying why not: Redis does not answer PING, Kafka no
 * metadata request, the role's consumer is out of its group, a BullMQ worker stopped. Nothing is
 * cached: each `/readyz` asks again, so a role turns unready when a dependency goes away and ready
 * when it is back, without a restart. Liveness (`/healthz`) asks nothing: a process that answers
 * HTTP is alive, and restarting it would not bring Redis or Kafka back.
 */
export type ReadinessCheck = () => Promise<unknown> | unknown;

/** Longer than a healthy Kafka metadata request or Redis PING ever takes on a busy machine. */
export const CHECK_TIMEOUT_MS = 2_000;

export interface ReadinessReport {
  ready: boolean;
  /** Each check by name: `ok`, or why it failed. */
  checks: Record<string, string>;
}

export class Readiness {
  private readonly checks = new Map<string, Set<ReadinessCheck>>();

  /**
   * Adds a check under `name` (`redis`, `kafka`, `consumer:<group>`, `worker:<queue>`): several
   * roles of one process (`all`) may each add one of a name, and all of them must pass. Returns the
   * function that removes it (when the role stops).
   */
  add(name: string, check: ReadinessCheck): () => void {
    let named = this.checks.get(name);
    if (!named) this.checks.set(name, (named = new Set()));
    named.add(check);
    return () => {
      named.delete(check);
      if (named.size === 0 && this.checks.get(name) === named) this.checks.delete(name);
    };
  }

  /** Runs every check at once, each bounded by `timeoutMs`; `more` are checks of this one asking only. */
  async report(more: Record<string, ReadinessCheck> = {}, timeoutMs = CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
    const named: Array<[string, ReadinessCheck]> = [...this.checks].flatMap(([name, checks]) => [...checks].map((c) => [name, c] as [string, ReadinessCheck]));
    named.push(...Object.entries(more));
    const outcomes = await Promise.all(named.map(async ([name, check]) => [name, await outcomeOf(check, timeoutMs)] as const));
    const checks: Record<string, string> = {};
    // Of several checks of one name, the first failure is what the name reports.
    for (const [name, outcome] of outcomes) if (checks[name] === undefined || checks[name] === 'ok') checks[name] = outcome;
    const ready = Object.values(checks).every((o) => o === 'ok');
    readyGauge.reset();
    for (const [name, outcome] of Object.entries(checks)) readyGauge.set({ check: name }, outcome === 'ok' ? 1 : 0);
    return { ready, checks };
  }
}

async function outcomeOf(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(check),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).slice(0, 300) || 'failed';
  } finally {
    clearTimeout(timer);
  }
}

const readyGauge = new Gauge({
  name: 'cs_ready',
  help: 'Readiness checks of this process at the last /readyz or scrape: 1 passing, 0 failing, by check (redis, kafka, consumer:<group>, worker:<queue>, started)',
  labelNames: ['check'],
  registers: [metricsRegistry],
  async collect() {
    await readiness.report();
  },
});

/** The process's readiness: every role the process runs adds its checks here. */
export const readiness = new Readiness();
