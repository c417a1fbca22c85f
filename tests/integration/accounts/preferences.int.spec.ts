import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountKeys } from '../../../src/projections/keys.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { actionsConfig, API_KEY, TENANT } from '../actions/support.ts';
import { tearDown } from '../outbound/support.ts';
import { addUserWithCli, Browser, dropAccounts } from './support.ts';

/**
 * A person's console language and time zone through the public doors on real Kafka and Redis: set
 * by themselves (PATCH /v1/session/preferences) or by an admin (POST/PATCH /v1/users), shown
 * wherever their account is, audited like every account change.
 */
const config = actionsConfig();
const PASSWORD = 'correct horse battery';
let harness: ChannelHarness;
let admin: Browser;
let li: Browser;
let liAccount: string;

beforeAll(async () => {
  harness = await startChannelHarness(config, []);
  const made = await addUserWithCli(config, ['--tenant', TENANT, '--email', 'admin@acme.test', '--role', 'admin', '--name', 'Ada Admin'], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  admin = new Browser(harness.url);
  expect((await admin.signIn(TENANT, 'admin@acme.test', PASSWORD)).status).toBe(200);
  const added = await admin.request('POST', '/v1/users', { email: 'li@acme.test', name: 'Li Wei', role: 'agent', agent: 'ag_li', password: PASSWORD });
  expect(added.status).toBe(201);
  liAccount = (added.body.user as { id: string }).id;
  li = new Browser(harness.url);
  expect((await li.signIn(TENANT, 'li@acme.test', PASSWORD)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await tearDown(config, [`harness-${config.instance}`], { topics: false });
  await dropAccounts(config);
});

describe('a person’s language and time zone', () => {
  it('are English and UTC unless chosen; the person sets Russian and Moscow time, and the session and the users list show them', async () => {
    expect((await li.request('GET', '/v1/session')).body.account).toMatchObject({ id: liAccount, language: 'en', timeZone: 'UTC' });

    const set = await li.request('PATCH', '/v1/session/preferences', { language: 'ru', timeZone: 'Europe/Moscow' });

    expect(set.status).toBe(200);
    expect(set.body.account).toMatchObject({ id: liAccount, email: 'li@acme.test', role: 'agent', language: 'ru', timeZone: 'Europe/Moscow' });
    expect(JSON.stringify(set.body)).not.toMatch(/password|scrypt|epoch/);
    expect((await li.request('GET', '/v1/session')).body.account).toMatchObject({ language: 'ru', timeZone: 'Europe/Moscow' });
    const users = (await admin.request('GET', '/v1/users')).body.users as Array<{ id: string; language: string; timeZone: string }>;
    expect(users.find((u) => u.id === liAccount)).toMatchObject({ language: 'ru', timeZone: 'Europe/Moscow' });
    // One at a time; the zone as the platform names it.
    expect((await li.request('PATCH', '/v1/session/preferences', { timeZone: 'asia/shanghai' })).body.account).toMatchObject({ language: 'ru', timeZone: 'Asia/Shanghai' });
    expect((await li.request('PATCH', '/v1/session/preferences', { language: 'zh' })).body.account).toMatchObject({ language: 'zh', timeZone: 'Asia/Shanghai' });
    // A new sign-in answers them too.
    expect((await new Browser(harness.url).signIn(TENANT, 'li@acme.test', PASSWORD)).body.account).toMatchObject({ language: 'zh', timeZone: 'Asia/Shanghai' });
  });

  it('refuses a zone the platform does not know, a language the console is not in, an unknown field, and an API key (which is no person), each 400 naming why', async () => {
    const before = (await li.request('GET', '/v1/session')).body.account;

    expect(await li.request('PATCH', '/v1/session/preferences', { timeZone: 'Mars/Olympus_Mons' })).toMatchObject({ status: 400, body: { error: 'invalid_time_zone', message: expect.stringContaining('"Mars/Olympus_Mons"') } });
    expect(await li.request('PATCH', '/v1/session/preferences', { language: 'de' })).toMatchObject({ status: 400, body: { message: expect.stringContaining('body/language') } });
    expect(await li.request('PATCH', '/v1/session/preferences', { theme: 'dark' })).toMatchObject({ status: 400, body: { message: expect.stringContaining('body/theme') } });
    expect(await li.request('PATCH', '/v1/session/preferences', {})).toMatchObject({ status: 400 });
    const viaKey = await fetch(`${harness.url}/v1/session/preferences`, { method: 'PATCH', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ language: 'ru' }) });
    expect(viaKey.status).toBe(400);
    expect(await viaKey.json()).toMatchObject({ error: 'not_a_person' });
    expect((await li.request('GET', '/v1/session')).body.account).toEqual(before);
  });

  it('an admin sets them when adding a person and changes them later; a bad zone is a 400 there too', async () => {
    const added = await admin.request('POST', '/v1/users', { email: 'wang@acme.test', name: 'Wang Fang', role: 'agent', agent: 'ag_li', password: PASSWORD, language: 'zh', timeZone: 'Asia/Shanghai' });
    expect(added).toMatchObject({ status: 201, body: { user: { language: 'zh', timeZone: 'Asia/Shanghai' } } });
    const id = (added.body.user as { id: string }).id;

    expect(await admin.request('PATCH', `/v1/users/${id}`, { timeZone: 'Europe/Berlin' })).toMatchObject({ status: 200, body: { user: { language: 'zh', timeZone: 'Europe/Berlin' } } });
    expect(await admin.request('PATCH', `/v1/users/${id}`, { timeZone: 'Europe/Atlantis' })).toMatchObject({ status: 400, body: { error: 'invalid_time_zone' } });
    expect(await admin.request('POST', '/v1/users', { email: 'x@acme.test', name: 'X', role: 'agent', password: PASSWORD, timeZone: 'Nowhere' })).toMatchObject({ status: 400, body: { error: 'invalid_time_zone' } });
    expect(await admin.request('POST', '/v1/users', { email: 'y@acme.test', name: 'Y', role: 'agent', password: PASSWORD, language: 'fr' })).toMatchObject({ status: 400 });
    expect((await admin.request('GET', `/v1/users/${id}`)).body.user).toMatchObject({ language: 'zh', timeZone: 'Europe/Berlin' });
  });

  it('an account stored before people chose reads as English and UTC', async () => {
    const added = await admin.request('POST', '/v1/users', { email: 'old@acme.test', name: 'Old Timer', role: 'agent', password: PASSWORD, language: 'ru', timeZone: 'Europe/Moscow' });
    const id = (added.body.user as { id: string }).id;
    const redis = new Redis(config.redis.url);
    try {
      await redis.hdel(accountKeys(config.instance).account(TENANT, id), 'language', 'timeZone');
    } finally {
      redis.disconnect();
    }
    expect((await admin.request('GET', `/v1/users/${id}`)).body.user).toMatchObject({ language: 'en', timeZone: 'UTC' });
    const old = new Browser(harness.url);
    expect((await old.signIn(TENANT, 'old@acme.test', PASSWORD)).body.account).toMatchObject({ language: 'en', timeZone: 'UTC' });
  });

  it('every change is an account.changed event on the audit trail, made by whom', async () => {
    let changes: Array<{ subject: string; authid: string | null; data: Record<string, unknown> }> = [];
    await eventually('the preference changes in the audit', async () => {
      const answer = await admin.request('GET', '/v1/audit?limit=1000');
      changes = ((answer.body.entries ?? []) as typeof changes).filter((e) => e.data.change === 'preferences_changed' || e.data.language !== undefined);
      return changes.length >= 5;
    });
    const liChanges = changes.filter((c) => c.subject === `account:${liAccount}`);
    expect(liChanges.map((c) => c.data)).toEqual(
      expect.arrayContaining([
        { subject: { kind: 'person', id: liAccount }, change: 'preferences_changed', language: 'ru', timeZone: 'Europe/Moscow', by: { kind: 'agent', id: 'ag_li' } },
        { subject: { kind: 'person', id: liAccount }, change: 'preferences_changed', language: 'zh', timeZone: 'Asia/Shanghai', by: { kind: 'agent', id: 'ag_li' } },
      ]),
    );
    expect(liChanges.every((c) => c.authid === liAccount)).toBe(true);
    expect(changes.map((c) => c.data)).toContainEqual(expect.objectContaining({ change: 'created', language: 'zh', timeZone: 'Asia/Shanghai' }));
    expect(changes.map((c) => c.data)).toContainEqual(expect.objectContaining({ change: 'preferences_changed', language: 'zh', timeZone: 'Europe/Berlin' }));
  });
});
