import { readFileSync } from 'node:fs';
import { nanoid } from 'nanoid';
import { afterAll, describe, expect, it } from 'vitest';
import { routingKeys } from '../../../src/projections/keys.ts';
import { redisConnection } from '../../../src/queues/connection.ts';
import { testConfig } from '../../support/engine.ts';

const lua = (file: string) => readFileSync(new URL(`../../../src/workflow/steps/${file}`, import.meta.url), 'utf8');
const ACQUIRE = lua('drain-acquire.lua');
const AGAIN = lua('drain-again.lua');
const UNLOCK = lua('drain-unlock.lua');

const config = testConfig();
const redis = redisConnection(config.redis.url, 'spec-drain-lock');
const rk = routingKeys(config.instance, 'acme');
afterAll(async () => {
  const keys = await redis.keys(rk.pattern);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** One routing group's lock and flag, as the drain uses them. */
function group() {
  const id = nanoid(6);
  const keys = [rk.lock(id), rk.again(id)] as const;
  return {
    keys,
    acquire: async (token: string, onlyIfAsked = false) => Number(await redis.eval(ACQUIRE, 2, ...keys, token, 15_000, onlyIfAsked ? '1' : '0')),
    again: async (token: string, leaseMs = 15_000) => Number(await redis.eval(AGAIN, 2, ...keys, token, leaseMs)),
    unlock: async (token: string) => Number(await redis.eval(UNLOCK, 1, keys[0], token)),
    flagged: async () => (await redis.exists(keys[1])) === 1,
    holder: () => redis.get(keys[0]),
  };
}

describe('the drain lock: requests coalesce into the running drain', () => {
  it('given a drain running, a request completes at once leaving a flag; the holder drains again, then lets go once no request came', async () => {
    const g = group();
    expect(await g.acquire('first')).toBe(1);
    expect(await g.acquire('second')).toBe(0);
    expect(await g.acquire('third')).toBe(0);
    expect(await g.flagged()).toBe(true);
    // Two requests during the round: one more round covers both.
    expect(await g.again('first')).toBe(2);
    expect(await g.flagged()).toBe(false);
    expect(await g.holder()).toBe('first');
    expect(await g.again('first')).toBe(1);
    expect(await g.holder()).toBeNull();
    // The next request takes the free lock itself.
    expect(await g.acquire('fourth')).toBe(1);
  });

  it('a request after the release takes the lock; one before it is drained by the holder: none is lost', async () => {
    const g = group();
    expect(await g.acquire('holder')).toBe(1);
    expect(await g.again('holder')).toBe(1);
    expect(await g.acquire('late')).toBe(1);
    expect(await g.acquire('early')).toBe(0);
    expect(await g.again('late')).toBe(2);
  });

  it('a holder whose lease ran out changes nothing; a flag left with no holder is taken up only when asked for it', async () => {
    const g = group();
    expect(await g.acquire('slow')).toBe(1);
    await redis.pexpire(g.keys[0], 1);
    await new Promise((r) => setTimeout(r, 10));
    expect(await g.acquire('other')).toBe(1);
    expect(await g.again('slow')).toBe(0);
    expect(await g.unlock('slow')).toBe(0);
    expect(await g.holder()).toBe('other');

    // The holder fails mid-round: it lets go, the request it had not covered stays flagged.
    expect(await g.acquire('request')).toBe(0);
    expect(await g.unlock('other')).toBe(1);
    expect(await g.flagged()).toBe(true);
    const h = group();
    expect(await h.acquire('idle', true)).toBe(-1);
    expect(await h.holder()).toBeNull();
    expect(await g.acquire('retry', true)).toBe(1);
    expect(await g.flagged()).toBe(false);
  });
});
