/**
 * `cs users` and `cs keys`: people and API keys from the command line, for the first admin of a
 * tenant (after that, admins manage both through the API). Passwords are read from a prompt that
 * does not echo, or from stdin when it is not a terminal; never from the command line, where other
 * users of the machine could read them. Every change is an account.changed audit event, made by
 * the command line (`by: system cli`).
 */
import type { Command } from 'commander';
import { AccountError, AccountStore, emailProblem } from '../accounts/accounts.ts';
import { ApiKeyStore } from '../accounts/api-keys.ts';
import { accountChangedEvent, type AccountChange } from '../accounts/audit.ts';
import { passwordProblem } from '../accounts/passwords.ts';
import { loadConfig } from '../config/load.ts';
import { tenantRegistry } from '../config/policies.ts';
import type { Config } from '../config/schema.ts';
import { isRole, isScope, ROLES, SCOPES, type Role, type Scope } from '../domain/access/index.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { createKafka } from '../log/kafka.ts';
import { provisionTopics } from '../log/topics.ts';
import { createLogger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';

const CLI_ACTOR = { kind: 'system', id: 'cli' } as const;

async function withStores<T>(use: (s: { config: Config; accounts: AccountStore; keys: ApiKeyStore; audit: (tenant: string, change: AccountChange) => Promise<void> }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'cs-users' });
  const redis = redisConnection(config.redis.url, 'cs-users');
  let eventLog: Awaited<ReturnType<typeof openKafkaEventLog>> | undefined;
  const audit = async (tenant: string, change: AccountChange) => {
    if (!eventLog) {
      await provisionTopics(config, logger);
      eventLog = await openKafkaEventLog({ kafka: createKafka(config.kafka, logger), topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs, maxRecordBytes: config.kafka.maxRecordBytes });
    }
    await eventLog.append([accountChangedEvent({ tenant, change, by: CLI_ACTOR, auth: { authtype: 'system', authid: 'cli' }, time: new Date() })]);
  };
  try {
    return await use({ config, accounts: new AccountStore(redis, config.instance), keys: new ApiKeyStore(redis, config.instance), audit });
  } finally {
    await eventLog?.close();
    redis.disconnect();
  }
}

/** The password: a prompt that echoes nothing on a terminal, else the first line of stdin. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += chunk.toString();
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(typed);
        }
        if (ch === '\u0003') {
          done();
          return reject(new Error('cancelled'));
        }
        typed = ch === '\u007f' ? [...typed].slice(0, -1).join('') : typed + ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

export function userCommands(program: Command): void {
  const users = program.command('users').description("a tenant's people: add the first admin, list them");
  users
    .command('add')
    .description('add a person; the password is read from a prompt (or stdin), never from the command line')
    .requiredOption('--tenant <tenant>', 'the tenant (workspace)')
    .requiredOption('--email <email>', 'their e-mail address, which they sign in with')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--name <name>', 'their name as the console shows it (default: the e-mail address)')
    .option('--agent <agent>', "the agent id of the tenant's routing settings they act as")
    .action(async (opts: { tenant: string; email: string; role: string; name?: string; agent?: string }) => {
      if (!isRole(opts.role)) throw new Error(`users add: --role must be one of ${ROLES.join(', ')}, got ${opts.role}`);
      const badEmail = emailProblem(opts.email);
      if (badEmail) throw new Error(`users add: --email: ${badEmail}`);
      await withStores(async ({ config, accounts, audit }) => {
        if (opts.agent !== undefined && !tenantRegistry(config.tenants)(opts.tenant).routing.agents.some((a) => a.id === opts.agent)) {
          throw new Error(`users add: agent ${opts.agent} is not in the routing settings of tenant ${opts.tenant}`);
        }
        const password = await readPassword(`password for ${opts.email}: `);
        const weak = passwordProblem(password);
        if (weak) throw new Error(`users add: ${weak}`);
        const account = await accounts
          .create({ tenant: opts.tenant, email: opts.email, name: opts.name ?? opts.email, role: opts.role as Role, agent: opts.agent ?? null, password })
          .catch((err: unknown) => {
            throw err instanceof AccountError ? new Error(`users add: ${err.message}`) : err;
          });
        try {
          await audit(opts.tenant, { subject: { kind: 'person', id: account.id }, change: 'created', role: account.role, agent: account.agent });
        } catch (err) {
          await accounts.remove(opts.tenant, account.id);
          throw new Error(`users add: the audit event could not be written, so the account was not kept (${(err as Error).message})`);
        }
        console.log(account.id);
        console.error(`cs users add: ${account.email} is ${account.role === 'admin' ? 'an' : 'a'} ${account.role} of ${opts.tenant}${account.agent ? `, acting as ${account.agent}` : ''}`);
      });
    });
  users
    .command('list')
    .description("a tenant's people (never their passwords)")
    .requiredOption('--tenant <tenant>', 'the tenant (workspace)')
    .action(async (opts: { tenant: string }) => {
      await withStores(async ({ accounts }) => {
        for (const a of await accounts.list(opts.tenant)) console.log([a.id, a.email, a.role, a.agent ?? '-', a.disabled ? 'disabled' : 'active'].join('\t'));
      });
    });

  const keys = program.command('keys').description("a tenant's API keys for adapters and integrations");
  keys
    .command('add')
    .description('create an API key; its token is printed once, on stdout')
    .requiredOption('--tenant <tenant>', 'the tenant (workspace)')
    .requiredOption('--name <name>', 'what it is for, as listed')
    .requiredOption('--scopes <scopes>', `comma-separated: ${SCOPES.join(', ')}`)
    .action(async (opts: { tenant: string; name: string; scopes: string }) => {
      const scopes = opts.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !isScope(s));
      if (scopes.length === 0 || unknown.length > 0) throw new Error(`keys add: --scopes takes ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
      await withStores(async ({ keys: store, audit }) => {
        const { key, token } = await store.create({ tenant: opts.tenant, name: opts.name, scopes: scopes as Scope[], createdBy: 'cli' });
        try {
          await audit(opts.tenant, { subject: { kind: 'api_key', id: key.id }, change: 'created', scopes: key.scopes });
        } catch (err) {
          await store.remove(opts.tenant, key.id);
          throw new Error(`keys add: the audit event could not be written, so the key was not kept (${(err as Error).message})`);
        }
        console.log(token);
        console.error(`cs keys add: key ${key.id} (${key.scopes.join(', ')}) for ${opts.tenant}; the token above is not shown again`);
      });
    });
  keys
    .command('list')
    .description("a tenant's API keys: id, name, scopes, last use, revoked (never the secret)")
    .requiredOption('--tenant <tenant>', 'the tenant (workspace)')
    .action(async (opts: { tenant: string }) => {
      await withStores(async ({ keys: store }) => {
        for (const k of await store.list(opts.tenant)) console.log([k.id, k.name, k.scopes.join(','), k.lastUsed ?? 'never used', k.revoked ? `revoked ${k.revoked}` : 'active'].join('\t'));
      });
    });
}
