/**
 * `cs retention sweep`: makes message text past its tenant's retention unreadable now, as the
 * workflow role does on its schedule (src/retention/sweep.ts). `--dry-run` says what would go.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { tenantRegistry } from '../config/policies.ts';
import { formatDuration } from '../domain/duration.ts';
import { openPrivacy } from '../privacy/index.ts';
import { ProjectionReader } from '../projections/reader.ts';
import { redisConnection } from '../queues/connection.ts';
import { sweepTenant, type SweepOutcome } from '../retention/sweep.ts';

export function retentionCommands(program: Command): void {
  const retention = program.command('retention').description('how long message text is kept after a conversation is resolved (retention.text in a tenant file)');
  retention
    .command('sweep')
    .description("destroy the text keys of every month whose conversations are all past the tenant's retention: that text reads [expired] everywhere, the log included; KPIs stay")
    .option('--tenant <tenant>', 'only this tenant (default: every tenant whose file sets retention.text)')
    .option('--dry-run', 'count what would expire, destroy nothing')
    .option('--json', 'print the outcome of each tenant as JSON lines on stdout')
    .action(async (o: { tenant?: string; dryRun?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const registry = tenantRegistry(config.tenants);
      const configured = Object.keys(config.tenants.settings).filter((t) => registry(t).retention.textMs !== null);
      if (o.tenant !== undefined && registry(o.tenant).retention.textMs === null) throw new Error(`tenant ${o.tenant} keeps message text as long as the customer is: its file (tenants/${o.tenant}.yaml) sets no retention.text`);
      const tenants = o.tenant !== undefined ? [o.tenant] : configured;
      if (tenants.length === 0) {
        console.error('cs retention sweep: no tenant file sets retention.text: nothing expires');
        return;
      }
      const redis = redisConnection(config.redis.url, 'cs-retention');
      try {
        const privacy = openPrivacy(config, redis);
        if (!privacy) throw new Error('privacy.activeMasterKey is not set: nothing is sealed, so no text can be made unreadable (configure master keys first)');
        const deps = { reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }), keys: privacy.keys, graceMs: config.privacy.retentionGraceMs, now: () => new Date() };
        for (const tenant of tenants) {
          const outcome = await sweepTenant(deps, tenant, registry(tenant).retention.textMs!, { dryRun: o.dryRun === true });
          if (o.json) console.log(JSON.stringify(outcome));
          console.error(summary(outcome));
        }
      } finally {
        redis.disconnect();
      }
    });
}

function summary(o: SweepOutcome): string {
  const kept = o.kept.month + o.kept.made + o.kept.open + o.kept.resolved;
  const verb = o.dryRun ? 'would expire' : 'expired';
  return `cs retention sweep: ${o.tenant} (text kept ${formatDuration(o.retentionMs)} after resolution): ${verb} ${o.expired} month key(s) of ${o.customers} customer(s); kept ${kept} (${o.kept.month} month too recent, ${o.kept.open} in open conversations, ${o.kept.resolved} resolved lately, ${o.kept.made} just made)`;
}
