import type { FoldPolicies, FoldPolicy } from '../domain/fold/policy.ts';
import { foldPolicyOf, tenantFileSchema, tenantSettings, type TenantSettings } from '../tenants/settings.ts';
import type { Config } from './schema.ts';

/** Tenant id -> its workflow settings (the tenant's file, or every section's defaults). */
export type TenantRegistry = (tenant: string) => TenantSettings;

export function tenantRegistry(tenants: Config['tenants']): TenantRegistry {
  const cache = new Map<string, TenantSettings>();
  const defaults = tenantFileSchema.parse({});
  return (tenant) => {
    let settings = cache.get(tenant);
    if (!settings) {
      // Own keys only: a tenant id is never `constructor` or `__proto__` of the config's records.
      const override = Object.hasOwn(tenants.overrides, tenant) ? tenants.overrides[tenant] : undefined;
      const autoResolveAfter = override?.autoResolveAfter ?? tenants.defaults.autoResolveAfter;
      const raw = Object.hasOwn(tenants.settings, tenant) ? tenants.settings[tenant] : undefined;
      settings = tenantSettings(tenant, raw === undefined ? defaults : tenantFileSchema.parse(raw ?? {}), autoResolveAfter);
      cache.set(tenant, settings);
    }
    return settings;
  };
}

export function foldPolicies(tenants: Config['tenants'], override?: Partial<FoldPolicy>): FoldPolicies {
  const registry = tenantRegistry(tenants);
  const cache = new Map<string, FoldPolicy>();
  return (tenant) => {
    let policy = cache.get(tenant);
    if (!policy) {
      policy = { ...foldPolicyOf(registry(tenant)), ...override };
      cache.set(tenant, policy);
    }
    return policy;
  };
}
