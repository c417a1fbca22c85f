import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';

describe('the fold settings', () => {
  it('given no overrides, then the bridge keeps 8 lanes and a worker remembers 20,000 customers', () => {
    const config = loadConfig({ env: {} });
    expect(config.fold.lanes).toBe(8);
    expect(config.fold.cacheCustomers).toBe(20_000);
  });

  it('given FOLD_CACHE_CUSTOMERS and FOLD_LANES, then they set the cache and the lanes; 0 turns the cache off', () => {
    const config = loadConfig({ env: { FOLD_CACHE_CUSTOMERS: '0', FOLD_LANES: '3' } });
    expect(config.fold.cacheCustomers).toBe(0);
    expect(config.fold.lanes).toBe(3);
  });

  it('given a cache size that is not a whole number, then the error names the setting', () => {
    expect(() => loadConfig({ env: { FOLD_CACHE_CUSTOMERS: 'lots' } })).toThrow(/fold\.cacheCustomers/);
    expect(() => loadConfig({ env: { FOLD_CACHE_CUSTOMERS: '-1' } })).toThrow(/fold\.cacheCustomers/);
  });
});
