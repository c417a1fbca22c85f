/**
 * The demo's people sign in as a team would: an operator adds the first admin (what `cs users add`
 * does), the admin adds an account for every agent of the roster over the API (supervisors with
 * the supervisor role), and each agent signs in and works with their own session cookie, so every
 * action on the log carries who really did it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AccountStore } from '../../src/accounts/accounts.ts';
import type { World } from './world.ts';

type Api = World['api'];

/** A browser's session: the cookie the API set at sign-in, sent back with the page's Origin. */
export function sessionClient(url: string): { api: Api; signIn(tenant: string, email: string, password: string): Promise<void> } {
  let cookie = '';
  const api: Api = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(method === 'GET' ? {} : { origin: url }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const set = response.headers.getSetCookie().find((c) => c.startsWith('cs_session='));
    if (set) cookie = set.split(';')[0]!;
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };
  return {
    api,
    async signIn(tenant, email, password) {
      const answer = await api('POST', '/v1/session', { tenant, email, password });
      if (answer.status !== 200) throw new Error(`${email} could not sign in: ${answer.status} ${JSON.stringify(answer.body)}`);
    },
  };
}

export interface Team {
  /** Each agent's own signed-in API client. */
  clients: Map<string, Api>;
  /** E-mail and password of each agent id, to sign in to the console with after the run. */
  logins: Map<string, { email: string; password: string }>;
}

const DEMO_CANNED = [
  { shortcut: 'thanks', title: 'Thanks for waiting', text: 'Hi {{customer.name}}, thank you for waiting. {{agent.name}} here, I am looking into it now.' },
  { shortcut: 'refund', title: 'Refund on its way', text: 'Your refund has been issued and reaches your account within 5 working days. Reference: {{conversation.id}}.' },
  { shortcut: 'bye', title: 'Closing', text: 'Glad we could help. If anything else comes up, just reply to this message. {{agent.name}}' },
];

/** Signs in an admin and every agent of the roster, and adds the workspace's canned responses. */
export async function signInTeam(w: World, redis: Redis, instance: string, tenant: string): Promise<Team> {
  const password = () => randomBytes(12).toString('base64url');
  const adminPassword = password();
  await new AccountStore(redis, instance).create({ tenant, email: 'admin@northwind.example', name: 'Workspace admin', role: 'admin', agent: null, password: adminPassword });
  const admin = sessionClient(w.deployment.url);
  await admin.signIn(tenant, 'admin@northwind.example', adminPassword);

  // The workspace's saved replies, as an admin sets them up before the shift: the agents insert
  // them in the console with /shortcut.
  for (const canned of DEMO_CANNED) {
    const made = await admin.api('POST', '/v1/canned-responses', canned);
    if (made.status !== 201) throw new Error(`the admin could not add /${canned.shortcut}: ${made.status} ${JSON.stringify(made.body)}`);
  }

  const clients = new Map<string, Api>();
  const logins = new Map<string, { email: string; password: string }>();
  for (const agent of w.deployment.settings.routing.agents) {
    const email = `${agent.id.replace(/^ag_/, '')}@northwind.example`;
    const secret = password();
    const made = await admin.api('POST', '/v1/users', { email, name: agent.name, role: agent.supervisor ? 'supervisor' : 'agent', agent: agent.id, password: secret });
    if (made.status !== 201) throw new Error(`the admin could not add ${email}: ${made.status} ${JSON.stringify(made.body)}`);
    const session = sessionClient(w.deployment.url);
    await session.signIn(tenant, email, secret);
    clients.set(agent.id, session.api);
    logins.set(agent.id, { email, password: secret });
  }
  return { clients, logins };
}
