/**
 * Retention of message text: per tenant, how long text is kept after a conversation is resolved
 * (tenant file, `retention.text`). The log keeps every event, so nothing there is rewritten: texts
 * are sealed with a key per customer and month (src/privacy), and the sweep destroys the months'
 * keys whose conversations are all past retention. The log's copy and the projections' ciphertext
 * then read "[expired]"; ids, times, scores and everything the KPIs read stay, so reports do not move.
 * Run by the workflow role on a schedule and by `cs retention sweep`; safe to run again, and beside
 * live traffic (a key made again meanwhile is left alone).
 */
import type { Customer } from '../domain/state.ts';
import { textPeriodVerdicts, type PeriodVerdict } from '../domain/retention/text-retention.ts';
import type { DataKeys } from '../privacy/data-keys.ts';
import type { ProjectionReader } from '../projections/reader.ts';

export interface SweepDeps {
  reader: ProjectionReader;
  keys: DataKeys;
  /** A key younger than this is left for the next sweep (config `privacy.retentionGraceMs`). */
  graceMs: number;
  now: () => Date;
}

export interface SweepOptions {
  /** Decide and count, destroy nothing. */
  dryRun?: boolean;
}

/** What one sweep of a tenant did (or, dry, would do). */
export interface SweepOutcome {
  tenant: string;
  retentionMs: number;
  at: string;
  dryRun: boolean;
  /** Customers with at least one text key. */
  customers: number;
  /** Month keys destroyed (or that would be). */
  expired: number;
  /** Month keys kept, by why: the month is recent, the key is new, a conversation is open or was resolved lately. */
  kept: Record<Extract<PeriodVerdict, { expire: false }>['until'], number>;
}

export async function sweepTenant(deps: SweepDeps, tenant: string, retentionMs: number, options: SweepOptions = {}): Promise<SweepOutcome> {
  const at = deps.now();
  const rule = { retentionMs, graceMs: deps.graceMs, now: at.getTime() };
  const outcome: SweepOutcome = { tenant, retentionMs, at: at.toISOString(), dryRun: options.dryRun === true, customers: 0, expired: 0, kept: { month: 0, made: 0, open: 0, resolved: 0 } };
  const scope = await deps.reader.scope(tenant);
  for await (const page of deps.keys.customersWithTextKeys(tenant)) {
    for (const customer of page) {
      const keys = await deps.keys.textKeysOf(tenant, customer);
      if (keys.length === 0) continue;
      outcome.customers += 1;
      // Judged without conversations first: only a month old enough to go at all needs them read.
      const alone = textPeriodVerdicts(keys, [], rule);
      const verdicts = alone.some((v) => v.expire) ? textPeriodVerdicts(keys, await personsConversations(deps.reader, scope, customer), rule) : alone;
      const expiring = verdicts.filter((v) => v.expire);
      for (const v of verdicts) if (!v.expire) outcome.kept[v.until] += 1;
      if (expiring.length === 0) continue;
      outcome.expired += options.dryRun ? expiring.length : await deps.keys.retire(tenant, customer, expiring, at);
    }
  }
  return outcome;
}

/** Every conversation of the person the customer is part of: itself, the one it was merged into, those merged into it. */
async function personsConversations(reader: ProjectionReader, scope: Awaited<ReturnType<ProjectionReader['scope']>>, customer: string) {
  const first = (await reader.customers(scope, [customer])).get(customer);
  if (!first) return [];
  const related = new Set<string>([first.mergedInto, ...first.mergedFrom].filter((id): id is string => id !== null));
  const others = related.size === 0 ? new Map<string, Customer>() : await reader.customers(scope, [...related]);
  return reader.conversationsOf(scope, [first, ...others.values()]);
}
