import type { FoldPolicies, FoldPolicy } from '../domain/fold/policy.ts';
import type { Config } from './schema.ts';

export function foldPolicies(tenants: Config['tenants'], override?: Partial<FoldPolicy>): FoldPolicies {
  const cache = new Map<string, FoldPolicy>();
  return (tenant) => {
    let policy = cache.get(tenant);
    if (!policy) {
      const settings = tenants.overrides[tenant];
      policy = { autoResolveAfterMs: settings?.autoResolveAfter ?? tenants.defaults.autoResolveAfter, ...override };
      cache.set(tenant, policy);
    }
    return policy;
  };
}
