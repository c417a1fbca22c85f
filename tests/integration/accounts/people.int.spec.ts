import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { eventually } from '../../support/collect.ts';
import { actionsConfig, startActionsEngine, TENANT, type ActionsEngine } from '../actions/support.ts';
import { addUserWithCli, Browser, dropAccounts } from './support.ts';

/**
 * People, not keys, through the public doors on real Kafka and Redis. acme's routing settings
 * (actions/support.ts): Anna in support and billing, Boris in support, Li in billing. The first
 * admin is made with `cs users add`; the admin adds Li (an agent acting as ag_li) and Anna (a
 * supervisor acting as ag_anna); they sign in with the session cookie and act.
 */
let engine: ActionsEngine;
const config = actionsConfig();
const PASSWORD = 'correct horse battery';
let admin: Browser;
let li: Browser;
let anna: Browser;
let liAccount: string;
let annaAccount: string;

beforeAll(async () => {
  engine = await startActionsEngine(config);
  const made = await addUserWithCli(config, ['--tenant', TENANT, '--email', 'Admin@Acme.test', '--role', 'admin', '--name', 'Ada Admin'], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0, stdout: expect.stringMatching(/^acc_\w+\n$/) });

  admin = new Browser(engine.harness.url);
  expect((await admin.signIn(TENANT, 'admin@acme.test', PASSWORD)).status).toBe(200);
  const addLi = await admin.request('POST', '/v1/users', { email: 'li@acme.test', name: 'Li Wei', role: 'agent', agent: 'ag_li', password: PASSWORD });
  const addAnna = await admin.request('POST', '/v1/users', { email: 'anna@acme.test', name: 'Anna Schmidt', role: 'supervisor', agent: 'ag_anna', password: PASSWORD });
  expect([addLi.status, addAnna.status]).toEqual([201, 201]);
  liAccount = (addLi.body.user as { id: string }).id;
  annaAccount = (addAnna.body.user as { id: string }).id;
  li = new Browser(engine.harness.url);
  anna = new Browser(engine.harness.url);
  expect((await li.signIn(TENANT, 'li@acme.test', PASSWORD)).status).toBe(200);
  expect((await anna.signIn(TENANT, 'anna@acme.test', PASSWORD)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await dropAccounts(config);
});

/** A conversation triaged into `team`, as the workflow would leave it. */
async function conversationIn(team: string): Promise<string> {
  const { customer, conversationId } = await engine.customerWrites();
  await engine.triaged(customer, conversationId, team);
  return conversationId;
}

const eventOf = async (answer: { body: Record<string, unknown> }): Promise<AnyEvent> => engine.onLog(answer.body.eventId as string);

describe('signing in', () => {
  it('sets an httpOnly, SameSite=Strict session cookie (Secure over HTTPS, so not on this plain-HTTP test server) and says who is signed in and what they may do', async () => {
    const browser = new Browser(engine.harness.url);
    const answer = await browser.signIn(TENANT, 'LI@acme.test', PASSWORD);

    expect(answer.status).toBe(200);
    expect(answer.body.account).toMatchObject({ id: liAccount, email: 'li@acme.test', role: 'agent', agent: 'ag_li' });
    expect(JSON.stringify(answer.body)).not.toMatch(/password|scrypt/);
    expect(answer.setCookie).toMatch(/HttpOnly/);
    expect(answer.setCookie).toMatch(/SameSite=Strict/);
    expect(answer.setCookie).not.toMatch(/Secure/);
    const me = await browser.request('GET', '/v1/session');
    expect(me.body).toMatchObject({ principal: { kind: 'person', tenant: TENANT, account: liAccount, role: 'agent', agent: 'ag_li' } });
    expect(me.body.permissions).toEqual(['conversations:act', 'conversations:read', 'presence:write']);
  });

  it('answers a wrong password and an unknown e-mail alike, and another tenant does not know the person', async () => {
    const browser = new Browser(engine.harness.url);
    const wrong = await browser.signIn(TENANT, 'anna@acme.test', 'not the password');
    const unknown = await browser.signIn(TENANT, 'nobody@acme.test', PASSWORD);
    const elsewhere = await browser.signIn('globex', 'anna@acme.test', PASSWORD);

    for (const answer of [wrong, unknown, elsewhere]) expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    expect(browser.cookie).toBe('');
  });

  it('throttles an account after five failures with 429 and Retry-After, even for the right password', async () => {
    await admin.request('POST', '/v1/users', { email: 'target@acme.test', name: 'Target', role: 'agent', agent: 'ag_boris', password: PASSWORD });
    const browser = new Browser(engine.harness.url);
    for (let i = 0; i < 5; i++) expect((await browser.signIn(TENANT, 'target@acme.test', `guess number ${i}`)).status).toBe(401);

    const blocked = await browser.signIn(TENANT, 'target@acme.test', PASSWORD);

    expect(blocked).toMatchObject({ status: 429, body: { error: 'too_many_failures' } });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    // Another account from the same address is not held up by it.
    expect((await new Browser(engine.harness.url).signIn(TENANT, 'anna@acme.test', PASSWORD)).status).toBe(200);
  });

  it('refuses a request with no credentials with 401, and a signed-in change from another origin with 403', async () => {
    const anonymous = new Browser(engine.harness.url);
    expect(await anonymous.request('GET', '/v1/agents')).toMatchObject({ status: 401, body: { error: 'unauthorized' } });

    const id = await conversationIn('billing');
    const foreignPage = Object.assign(new Browser(engine.harness.url, 'https://evil.example'), { cookie: li.cookie });
    const noOrigin = Object.assign(new Browser(engine.harness.url, null), { cookie: li.cookie });
    expect(await foreignPage.request('POST', `/v1/conversations/${id}/assign`, { agent: 'ag_li' })).toMatchObject({ status: 403, body: { error: 'origin_mismatch' } });
    expect(await noOrigin.request('POST', `/v1/conversations/${id}/assign`, { agent: 'ag_li' })).toMatchObject({ status: 403, body: { error: 'origin_mismatch' } });
    expect((await engine.conversation(id)).assignee).toBeNull();
  });
});

describe('who did what is the server’s word', () => {
  it('given Li (agent, billing) signed in, she takes a billing conversation, is refused a support one, and a supervisor transfers hers; the log and the audit show who', async () => {
    const billing = await conversationIn('billing');
    const support = await conversationIn('support');

    const taken = await li.request('POST', `/v1/conversations/${billing}/assign`, { agent: 'ag_li' });
    const refusedRead = await li.request('GET', `/v1/conversations/${support}`);
    const refusedAct = await li.request('POST', `/v1/conversations/${support}/assign`, { agent: 'ag_li' });
    const giveAway = await li.request('POST', `/v1/conversations/${billing}/transfer`, { toAgent: 'ag_anna' });

    expect(taken.status).toBe(202);
    expect(refusedRead).toMatchObject({ status: 403, body: { error: 'not_your_conversation' } });
    expect(refusedAct).toMatchObject({ status: 403, body: { error: 'not_your_conversation' } });
    expect(giveAway).toMatchObject({ status: 403, body: { error: 'missing_permission', permission: 'conversations:assign-others' } });
    const assigned = await eventOf(taken);
    expect(assigned, JSON.stringify(assigned)).toMatchObject({ type: 'conversation.assigned', data: { assignee: 'ag_li', by: { kind: 'agent', id: 'ag_li' } }, authtype: 'user', authid: liAccount });
    expect(JSON.parse(assigned.authclaims!)).toEqual({ via: 'session', role: 'agent', agent: 'ag_li' });
    await engine.conversation(billing, (c) => c.assignee === 'ag_li');

    const moved = await anna.request('POST', `/v1/conversations/${billing}/transfer`, { toAgent: 'ag_boris', reason: 'product question' });

    expect(moved.status).toBe(202);
    expect(await eventOf(moved)).toMatchObject({ type: 'conversation.transferred', data: { toAgent: 'ag_boris', by: { kind: 'agent', id: 'ag_anna' } }, authtype: 'user', authid: annaAccount });
    expect(engine.eventsOf(support)).toEqual([expect.objectContaining({ type: 'conversation.triaged' })]);

    let entries: unknown[] = [];
    await eventually('both actions in the audit', async () => {
      const answer = await anna.request('GET', `/v1/audit?conversation=${billing}`);
      entries = answer.status === 200 ? (answer.body.entries as unknown[]) : [];
      return entries.length >= 2;
    });
    expect(entries).toEqual([
      expect.objectContaining({ type: 'conversation.transferred', actor: { kind: 'agent', id: 'ag_anna' }, authtype: 'user', authid: annaAccount, claims: { via: 'session', role: 'supervisor', agent: 'ag_anna' } }),
      expect.objectContaining({ type: 'conversation.assigned', actor: { kind: 'agent', id: 'ag_li' }, authtype: 'user', authid: liAccount }),
    ]);
    const byLi = await anna.request('GET', '/v1/audit?person=ag_li');
    expect((byLi.body.entries as Array<{ eventId: string }>).map((e) => e.eventId)).toContain(assigned.id);
    expect((byLi.body.entries as Array<{ authid: string }>).every((e) => e.authid === liAccount)).toBe(true);
    expect(await li.request('GET', '/v1/audit')).toMatchObject({ status: 403, body: { error: 'missing_permission', permission: 'audit:read' } });
  });

  it('a forged by or authorId changes nothing: refused with 403, nothing on the log', async () => {
    const id = await conversationIn('billing');
    const asAnna = await li.request('POST', `/v1/conversations/${id}/assign`, { agent: 'ag_li', by: 'ag_anna' });
    const asAnnaFull = await li.request('POST', `/v1/conversations/${id}/resolve`, { by: { kind: 'system', id: 'api' } });
    const noteAsAnna = await li.request('POST', `/v1/conversations/${id}/notes`, { text: 'I am Anna', authorId: 'ag_anna' });

    for (const answer of [asAnna, asAnnaFull, noteAsAnna]) expect(answer).toMatchObject({ status: 403, body: { error: 'not_yourself' } });
    const note = await li.request('POST', `/v1/conversations/${id}/notes`, { text: 'mine' });
    expect(note.status).toBe(202);
    expect(await eventOf(note)).toMatchObject({ type: 'message.sent', data: { author: { kind: 'agent', id: 'ag_li' }, internal: true }, authid: liAccount });
    expect(engine.eventsOf(id).map((e) => e.type)).toEqual(['conversation.triaged', 'message.sent']);
  });

  it('an agent sets their own status only; an integration key acts for whom it names and is recorded as that key', async () => {
    expect((await li.request('PUT', '/v1/agents/ag_li/status', { status: 'online' })).status).toBe(202);
    expect(await li.request('PUT', '/v1/agents/ag_boris/status', { status: 'online' })).toMatchObject({ status: 403, body: { error: 'not_yourself' } });

    const created = await admin.request('POST', '/v1/api-keys', { name: 'CRM integration', scopes: ['read', 'actions'] });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const keyId = (created.body.key as { id: string }).id;
    const id = await conversationIn('support');
    const viaKey = await engine.api('POST', `/v1/conversations/${id}/assign`, { agent: 'ag_boris', by: 'ag_anna' }, { authorization: `Bearer ${token}` });

    expect(viaKey.status).toBe(202);
    const event = await engine.onLog((viaKey.body as { eventId: string }).eventId);
    expect(event).toMatchObject({ data: { by: { kind: 'agent', id: 'ag_anna' } }, authtype: 'api_key', authid: keyId });
    expect(JSON.parse(event.authclaims!)).toEqual({ via: 'api_key', onBehalfOf: { kind: 'agent', id: 'ag_anna' } });
  });
});

describe('API keys with scopes', () => {
  it('are shown once, listed with their last use and never their secret, limited to their scopes, and stop working when revoked', async () => {
    const created = await admin.request('POST', '/v1/api-keys', { name: 'dashboard', scopes: ['read'] });
    const token = created.body.token as string;
    const key = created.body.key as { id: string };
    const withKey = { authorization: `Bearer ${token}` };
    const id = await conversationIn('support');

    expect(token).toMatch(/^csk_[0-9a-z]{16}_[\w-]{43}$/);
    expect((await engine.api('GET', `/v1/conversations/${id}`, undefined, withKey)).status).toBe(200);
    expect(await engine.api('POST', `/v1/conversations/${id}/assign`, { agent: 'ag_boris' }, withKey)).toMatchObject({ status: 403, body: { error: 'missing_permission', permission: 'conversations:act' } });
    expect(await engine.api('POST', '/v1/events', undefined, withKey)).toMatchObject({ status: 403, body: { permission: 'events:write' } });
    const listed = await admin.request('GET', '/v1/api-keys');
    const entry = (listed.body.keys as Array<Record<string, unknown>>).find((k) => k.id === key.id);
    expect(entry).toMatchObject({ name: 'dashboard', scopes: ['read'], revoked: null, lastUsed: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain(token.slice(-43));

    expect((await admin.request('DELETE', `/v1/api-keys/${key.id}`)).status).toBe(200);
    expect(await engine.api('GET', `/v1/conversations/${id}`, undefined, withKey)).toMatchObject({ status: 401 });
  });
});

describe('sessions end', () => {
  it('on sign-out, on a password change (every other session), and when an admin disables the person', async () => {
    await admin.request('POST', '/v1/users', { email: 'omar@acme.test', name: 'Omar', role: 'agent', agent: 'ag_boris', password: PASSWORD });
    const laptop = new Browser(engine.harness.url);
    const phone = new Browser(engine.harness.url);
    await laptop.signIn(TENANT, 'omar@acme.test', PASSWORD);
    await phone.signIn(TENANT, 'omar@acme.test', PASSWORD);

    expect(await laptop.request('POST', '/v1/session/password', { current: 'wrong one', password: 'a new long password' })).toMatchObject({ status: 403 });
    expect(await laptop.request('POST', '/v1/session/password', { current: PASSWORD, password: 'short' })).toMatchObject({ status: 400, body: { error: 'weak_password' } });
    expect((await laptop.request('POST', '/v1/session/password', { current: PASSWORD, password: 'a new long password' })).status).toBe(204);
    expect((await laptop.request('GET', '/v1/session')).status).toBe(200);
    expect(await phone.request('GET', '/v1/session')).toMatchObject({ status: 401, body: { error: 'session_ended' } });
    expect((await new Browser(engine.harness.url).signIn(TENANT, 'omar@acme.test', PASSWORD)).status).toBe(401);

    const users = (await admin.request('GET', '/v1/users')).body.users as Array<{ id: string; email: string }>;
    const omar = users.find((u) => u.email === 'omar@acme.test')!;
    expect((await admin.request('PATCH', `/v1/users/${omar.id}`, { disabled: true })).status).toBe(200);
    expect(await laptop.request('GET', '/v1/session')).toMatchObject({ status: 401, body: { error: 'session_ended' } });
    expect(await new Browser(engine.harness.url).signIn(TENANT, 'omar@acme.test', 'a new long password')).toMatchObject({ status: 403, body: { error: 'account_disabled' } });

    expect((await anna.request('DELETE', '/v1/session')).status).toBe(204);
    expect((await anna.request('GET', '/v1/session')).status).toBe(401);
    expect((await anna.signIn(TENANT, 'anna@acme.test', PASSWORD)).status).toBe(200);
  });

  it('every change to access is an account.changed event without secrets, made by whom', async () => {
    let changes: Array<Record<string, unknown>> = [];
    await eventually('the access changes in the audit', async () => {
      const answer = await anna.request('GET', '/v1/audit?limit=1000');
      changes = (answer.body.entries as Array<Record<string, unknown>> | undefined)?.filter((e) => e.type === 'account.changed') ?? [];
      return changes.length >= 4;
    });
    expect(changes).toContainEqual(expect.objectContaining({ subject: `account:${liAccount}`, authtype: 'user', data: { subject: { kind: 'person', id: liAccount }, change: 'created', role: 'agent', agent: 'ag_li', by: expect.objectContaining({ kind: 'agent' }) } }));
    expect(changes).toContainEqual(expect.objectContaining({ authtype: 'system', authid: 'cli', data: expect.objectContaining({ change: 'created', role: 'admin', by: { kind: 'system', id: 'cli' } }) }));
    const onLog = engine.harness.events.filter((e) => e.type === 'account.changed');
    expect(JSON.stringify(onLog)).not.toMatch(/@acme\.test|scrypt|correct horse|csk_/);
  });
});
