import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAccountSubject } from '../../../events/types/account.ts';
import { CannedStore } from '../../../src/canned/store.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { actionsConfig, OTHER_KEY, TENANT } from '../actions/support.ts';
import { tearDown } from '../outbound/support.ts';
import { addUserWithCli, Browser, dropAccounts } from './support.ts';

/**
 * Canned responses through the public doors on real Kafka and Redis: acme's admin (made with
 * `cs users add`) keeps them, Li (an agent) lists them and may not change them; globex (its
 * configuration key) sees none of acme's. Every change is on the audit trail.
 */
const config = actionsConfig();
const PASSWORD = 'correct horse battery';
let harness: ChannelHarness;
let redis: Redis;
let admin: Browser;
let li: Browser;
let adminAccount: string;

interface Canned {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  updatedAt: string;
  updatedBy: string;
}

const globex = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${OTHER_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
};

beforeAll(async () => {
  harness = await startChannelHarness(config, []);
  redis = new Redis(config.redis.url);
  const made = await addUserWithCli(config, ['--tenant', TENANT, '--email', 'admin@acme.test', '--role', 'admin', '--name', 'Ada Admin'], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  adminAccount = made.stdout.trim();
  admin = new Browser(harness.url);
  expect((await admin.signIn(TENANT, 'admin@acme.test', PASSWORD)).status).toBe(200);
  expect((await admin.request('POST', '/v1/users', { email: 'li@acme.test', name: 'Li Wei', role: 'agent', agent: 'ag_li', password: PASSWORD })).status).toBe(201);
  li = new Browser(harness.url);
  expect((await li.signIn(TENANT, 'li@acme.test', PASSWORD)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await harness?.close();
  await tearDown(config, [`harness-${config.instance}`], { topics: false });
  await dropAccounts(config);
});

const create = (who: Browser, body: unknown) => who.request('POST', '/v1/canned-responses', body);

describe('an admin keeps the canned responses; agents use them', () => {
  it('creates, lists sorted by shortcut, changes and deletes; Li lists them but is refused a change; the audit shows each change and who made it', async () => {
    const refund = await create(admin, { shortcut: 'refund', title: 'Refund issued', text: 'Hi {{customer.name}}, your refund is on its way. {{agent.name}}' });
    const hello = await create(admin, { shortcut: 'hello', title: 'Greeting', text: 'Hello {{ customer.name }}!' });

    expect(refund.status).toBe(201);
    const made = refund.body.response as Canned;
    expect(made).toEqual({ id: expect.stringMatching(/^cr_\w{16}$/), shortcut: 'refund', title: 'Refund issued', text: 'Hi {{customer.name}}, your refund is on its way. {{agent.name}}', updatedAt: expect.any(String), updatedBy: adminAccount });
    expect(hello.status).toBe(201);
    const listed = await li.request('GET', '/v1/canned-responses');
    expect(listed.status).toBe(200);
    expect((listed.body.responses as Canned[]).map((r) => r.shortcut)).toEqual(['hello', 'refund']);
    expect((listed.body.responses as Canned[])[1]).toEqual(made);

    expect(await create(li, { shortcut: 'mine', title: 'Mine', text: 'Mine' })).toMatchObject({ status: 403, body: { error: 'missing_permission', permission: 'settings:admin' } });
    expect(await li.request('PATCH', `/v1/canned-responses/${made.id}`, { title: 'Hijacked' })).toMatchObject({ status: 403, body: { error: 'missing_permission', permission: 'settings:admin' } });
    expect(await li.request('DELETE', `/v1/canned-responses/${made.id}`)).toMatchObject({ status: 403, body: { error: 'missing_permission', permission: 'settings:admin' } });

    const patched = await admin.request('PATCH', `/v1/canned-responses/${made.id}`, { shortcut: 'refund-sent', text: 'Your refund is on its way, {{customer.name}}.' });
    expect(patched.status).toBe(200);
    expect(patched.body.response).toMatchObject({ id: made.id, shortcut: 'refund-sent', title: 'Refund issued', text: 'Your refund is on its way, {{customer.name}}.' });
    // The old shortcut is free again, the new one is taken.
    const again = await create(admin, { shortcut: 'refund', title: 'Refund, short', text: 'Refunded.' });
    expect(again.status).toBe(201);
    expect(await create(admin, { shortcut: 'refund-sent', title: 'Copy', text: 'Copy' })).toMatchObject({ status: 409, body: { error: 'shortcut_taken', message: expect.stringContaining('"refund-sent"') } });

    const helloId = (hello.body.response as Canned).id;
    expect((await admin.request('DELETE', `/v1/canned-responses/${helloId}`)).status).toBe(204);
    expect(await admin.request('DELETE', `/v1/canned-responses/${helloId}`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await admin.request('PATCH', `/v1/canned-responses/${helloId}`, { title: 'Gone' })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(((await li.request('GET', '/v1/canned-responses')).body.responses as Canned[]).map((r) => r.shortcut)).toEqual(['refund', 'refund-sent']);

    let changes: Array<{ subject: string; authid: string | null; data: Record<string, unknown> }> = [];
    await eventually('the canned responses’ changes in the audit', async () => {
      const answer = await admin.request('GET', '/v1/audit?limit=1000');
      changes = ((answer.body.entries ?? []) as typeof changes).filter((e) => e.subject.startsWith('canned-response:'));
      return changes.length >= 4;
    });
    const of = (id: string) => changes.filter((c) => c.subject === `canned-response:${id}`).map((c) => c.data);
    expect(of(made.id)).toEqual(
      expect.arrayContaining([
        { subject: { kind: 'canned_response', id: made.id }, change: 'created', shortcut: 'refund', by: { kind: 'agent', id: adminAccount } },
        { subject: { kind: 'canned_response', id: made.id }, change: 'updated', shortcut: 'refund-sent', fields: ['shortcut', 'text'], by: { kind: 'agent', id: adminAccount } },
      ]),
    );
    expect(of(helloId).map((d) => d.change).sort()).toEqual(['created', 'deleted']);
    expect(changes.every((c) => c.authid === adminAccount)).toBe(true);
    // The audit carries the shortcut, never the text; its key is no customer the fold or a replay would fold.
    const cannedOnLog = () => harness.events.filter((e) => e.customer.startsWith('canned-response:'));
    await eventually('the harness’s consumer has the changes', () => cannedOnLog().length >= 4);
    const onLog = cannedOnLog();
    expect(onLog.every((e) => e.type === 'account.changed' && isAccountSubject(e.customer))).toBe(true);
    expect(JSON.stringify(onLog)).not.toContain('on its way');
  });

  it('is one tenant’s: another tenant lists none of them, and their ids are unknown to it (404), its own shortcuts its own', async () => {
    const mine = (await create(admin, { shortcut: 'tenant-check', title: 'Acme only', text: 'Acme only' })).body.response as Canned;

    const listed = await globex('GET', '/v1/canned-responses');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(mine.id);
    expect(await globex('PATCH', `/v1/canned-responses/${mine.id}`, { title: 'Globex was here' })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await globex('DELETE', `/v1/canned-responses/${mine.id}`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await globex('POST', '/v1/canned-responses', { shortcut: 'tenant-check', title: 'Globex’s own', text: 'Globex' })).status).toBe(201);
    expect(((await li.request('GET', '/v1/canned-responses')).body.responses as Canned[]).find((r) => r.id === mine.id)).toEqual(mine);
  });
});

describe('what an admin writes is checked', () => {
  it('refuses a text with an unknown placeholder, naming it, on create and on change', async () => {
    const typo = await create(admin, { shortcut: 'typo', title: 'Typo', text: 'Hi {{customer.nmae}}, I am {{agent.name}}' });
    expect(typo).toMatchObject({ status: 400, body: { error: 'unknown_placeholder', placeholders: ['{{customer.nmae}}'], message: expect.stringContaining('{{customer.nmae}}') } });

    const good = (await create(admin, { shortcut: 'typo', title: 'Typo', text: 'Hi {{customer.name}}' })).body.response as Canned;
    expect(await admin.request('PATCH', `/v1/canned-responses/${good.id}`, { text: 'Hi {{customer.name}} from {{agent}}' })).toMatchObject({
      status: 400,
      body: { error: 'unknown_placeholder', placeholders: ['{{agent}}'] },
    });
  });

  it('answers a malformed body 400 naming the field: the shortcut’s characters and length, a blank title, a field it does not know, an empty change', async () => {
    const cases: Array<[unknown, string]> = [
      [{ shortcut: 'Refund Now', title: 'T', text: 'x' }, 'body/shortcut'],
      [{ shortcut: '/refund', title: 'T', text: 'x' }, 'body/shortcut'],
      [{ shortcut: 'x'.repeat(33), title: 'T', text: 'x' }, 'body/shortcut'],
      [{ shortcut: 'blank', title: '   ', text: 'x' }, 'body/title'],
      [{ shortcut: 'long', title: 'T', text: 'x'.repeat(4001) }, 'body/text'],
      [{ shortcut: 'extra', title: 'T', text: 'x', tags: ['a'] }, 'body/tags'],
      [{ title: 'T', text: 'x' }, 'body/shortcut'],
    ];
    for (const [body, field] of cases) {
      const answer = await create(admin, body);
      expect(answer, JSON.stringify(body).slice(0, 80)).toMatchObject({ status: 400, body: { message: expect.stringContaining(field) } });
    }
    const some = (await li.request('GET', '/v1/canned-responses')).body.responses as Canned[];
    expect(await admin.request('PATCH', `/v1/canned-responses/${some[0]!.id}`, {})).toMatchObject({ status: 400 });
    expect(await admin.request('PATCH', `/v1/canned-responses/${some[0]!.id}`, { shortcut: 'ok', id: 'cr_x' })).toMatchObject({ status: 400, body: { message: expect.stringContaining('body/id') } });
  });
});

describe('a tenant’s shortcuts stay unique and few', () => {
  it('two admins creating the same shortcut at once: one gets it, the other a 409', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => create(admin, { shortcut: 'race', title: `Race ${i}`, text: 'Fast' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(((await li.request('GET', '/v1/canned-responses')).body.responses as Canned[]).filter((r) => r.shortcut === 'race')).toHaveLength(1);
  });

  it('a tenant with 500 is refused the next with a 409 saying so', async () => {
    const store = new CannedStore(redis, config.instance);
    const have = ((await globex('GET', '/v1/canned-responses')).body.responses as Canned[]).length;
    for (let i = have; i < 500; i++) expect((await store.create('globex', { shortcut: `bulk-${i}`, title: 'Bulk', text: 'Bulk' }, 'spec')).ok).toBe(true);

    expect(await globex('POST', '/v1/canned-responses', { shortcut: 'one-more', title: 'One more', text: 'One more' })).toMatchObject({
      status: 409,
      body: { error: 'limit_reached', message: expect.stringContaining('500') },
    });
    const listed = (await globex('GET', '/v1/canned-responses')).body.responses as Canned[];
    expect(listed).toHaveLength(500);
    // acme is not held up by globex's.
    expect((await create(admin, { shortcut: 'after-globex', title: 'Fine', text: 'Fine' })).status).toBe(201);
  });
});
