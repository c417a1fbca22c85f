import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../../src/accounts/accounts.ts';
import { createApiServer } from '../../../src/api/server.ts';
import type { Config } from '../../../src/config/schema.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger, unreachableEventLog } from '../../support/kafka.ts';

import { Browser, dropAccounts } from './support.ts';

/**
 * Sign-in from one address is limited whatever the accounts tried (a password sprayed over many
 * e-mails), counted in Redis so every API process shares the count. Here the limit is 3 attempts.
 */
const base = testConfig();
const config: Config = { ...base, http: { ...base.http, sessions: { ...base.http.sessions, maxAttemptsPerAddress: 3 } } };
const redis = new Redis(config.redis.url);
const app = createApiServer({ config, redis, eventLog: unreachableEventLog(config.kafka.topics.events), logger: testLogger });
let url = '';

beforeAll(async () => {
  await new AccountStore(redis, config.instance).create({ tenant: 'acme', email: 'li@acme.test', name: 'Li', role: 'agent', agent: null, password: 'correct horse battery' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app.close();
  await dropAccounts(config);
  redis.disconnect();
});

describe('sign-in from one address', () => {
  it('answers 429 with Retry-After once the address used its attempts, even for the right password of another account', async () => {
    const browser = new Browser(url);
    for (const email of ['a@acme.test', 'b@acme.test', 'c@acme.test']) expect((await browser.signIn('acme', email, 'Summer2026!!')).status).toBe(401);

    const blocked = await browser.signIn('acme', 'li@acme.test', 'correct horse battery');

    expect(blocked).toMatchObject({ status: 429, body: { error: 'too_many_requests' } });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(browser.cookie).toBe('');
  });
});
