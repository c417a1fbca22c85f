import type { Config } from '../config/schema.ts';
import { defaultKpiTargets, kpiTargetsSchema, type KpiTargets } from '../domain/kpi/targets.ts';

/** `kpiTargets` of each tenant's settings file (validated with the file at start-up), else the defaults. */
export function tenantTargets(config: Pick<Config, 'tenants'>): (tenant: string) => KpiTargets {
  const cache = new Map<string, KpiTargets>();
  return (tenant) => {
    let targets = cache.get(tenant);
    if (!targets) {
      const written = (config.tenants.settings[tenant] as { kpiTargets?: unknown } | undefined)?.kpiTargets;
      cache.set(tenant, (targets = written === undefined ? defaultKpiTargets : kpiTargetsSchema.parse(written)));
    }
    return targets;
  };
}
