import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { customAlphabet } from 'nanoid';
import type { Role } from '../domain/access/index.ts';
import { accountKeys } from '../projections/keys.ts';
import { hashPassword } from './passwords.ts';

/** Account ids: letters and digits only, so they read plainly in URLs, logs and partition keys. */
const accountId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 16);
const CREATE = readFileSync(new URL('./account-create.lua', import.meta.url), 'utf8');

/** A person who signs in, as the API shows them (never the password hash). */
export interface Account {
  id: string;
  tenant: string;
  email: string;
  name: string;
  role: Role;
  /** The agent id of the tenant's routing settings this person acts as; null for one who only administers. */
  agent: string | null;
  /** The language the person's console is shown in. */
  language: Language;
  /** The IANA time zone the person's console shows times in. */
  timeZone: string;
  disabled: boolean;
  created: string;
  updated: string;
}

/** The stored account: the password hash and the session epoch are for sign-in only. */
export interface StoredAccount extends Account {
  passwordHash: string;
  /** Raised on a password change or a disable: sessions signed in under an older epoch are void. */
  epoch: number;
}

export class AccountError extends Error {
  override name = 'AccountError';
  constructor(
    readonly code: 'email_taken' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

/** The languages the console is shown in (its locale files). */
export const LANGUAGES = ['en', 'ru', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];
/** What an account stored before people chose reads as, and what a new one gets unless told. */
export const DEFAULT_PREFERENCES = { language: 'en', timeZone: 'UTC' } as const satisfies { language: Language; timeZone: string };
const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

/**
 * The zone as the platform names it (`europe/moscow` is `Europe/Moscow`), or null when it knows no
 * such zone: what the browser's `Intl` will be given, so one it refuses is never stored.
 */
export function canonicalTimeZone(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const EMAIL = /^[^\s@\x00-\x1f\x7f]{1,64}@[^\s@\x00-\x1f\x7f]{1,189}$/;
export const emailProblem = (email: unknown): string | null => (typeof email === 'string' && email.length <= 254 && EMAIL.test(email) ? null : 'email must be an e-mail address');
const normalEmail = (email: string) => email.trim().toLowerCase();

/** People of each tenant, in Redis (src/projections/keys.ts, cs:acct). */
export class AccountStore {
  private readonly keys: ReturnType<typeof accountKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.keys = accountKeys(instance);
  }

  async create(input: { tenant: string; email: string; name: string; role: Role; agent: string | null; password: string; language?: Language; timeZone?: string }): Promise<Account> {
    const id = `acc_${accountId()}`;
    const at = this.now().toISOString();
    const email = normalEmail(input.email);
    const fields: Record<string, string> = {
      email,
      name: input.name,
      role: input.role,
      agent: input.agent ?? '',
      language: input.language ?? DEFAULT_PREFERENCES.language,
      timeZone: input.timeZone ?? DEFAULT_PREFERENCES.timeZone,
      password: await hashPassword(input.password),
      disabled: '0',
      epoch: '1',
      created: at,
      updated: at,
    };
    const k = this.keys;
    const made = Number(await this.redis.eval(CREATE, 3, k.byEmail(input.tenant), k.account(input.tenant, id), k.people(input.tenant), email, id, ...Object.entries(fields).flat()));
    if (made !== 1) throw new AccountError('email_taken', `an account with e-mail ${email} exists in this tenant`);
    return publicAccount(fromHash(input.tenant, id, fields));
  }

  async get(tenant: string, id: string): Promise<StoredAccount | null> {
    const hash = await this.redis.hgetall(this.keys.account(tenant, id));
    return hash.email ? fromHash(tenant, id, hash) : null;
  }

  async byEmail(tenant: string, email: string): Promise<StoredAccount | null> {
    const id = await this.redis.hget(this.keys.byEmail(tenant), normalEmail(email));
    return id ? this.get(tenant, id) : null;
  }

  async list(tenant: string): Promise<Account[]> {
    const ids = (await this.redis.smembers(this.keys.people(tenant))).sort();
    const accounts = await Promise.all(ids.map((id) => this.get(tenant, id)));
    return accounts.filter((a): a is StoredAccount => a !== null).map(publicAccount).sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  /**
   * Changes what is given and returns the account before and after. Disabling raises the epoch, so
   * the person's sessions end; `restore` puts the fields of `before` back (an audit that failed).
   */
  async update(
    tenant: string,
    id: string,
    change: { name?: string; role?: Role; agent?: string | null; disabled?: boolean; language?: Language; timeZone?: string },
  ): Promise<{ before: StoredAccount; after: StoredAccount }> {
    const before = await this.get(tenant, id);
    if (!before) throw new AccountError('not_found', 'account not found');
    const fields: Record<string, string> = { updated: this.now().toISOString() };
    if (change.name !== undefined) fields.name = change.name;
    if (change.role !== undefined) fields.role = change.role;
    if (change.agent !== undefined) fields.agent = change.agent ?? '';
    if (change.disabled !== undefined) fields.disabled = change.disabled ? '1' : '0';
    if (change.language !== undefined) fields.language = change.language;
    if (change.timeZone !== undefined) fields.timeZone = change.timeZone;
    if (change.disabled === true && !before.disabled) fields.epoch = String(before.epoch + 1);
    await this.redis.hset(this.keys.account(tenant, id), fields);
    return { before, after: (await this.get(tenant, id))! };
  }

  /** A new password; every session of the person ends (the epoch rises). */
  async setPassword(tenant: string, id: string, password: string): Promise<{ before: StoredAccount }> {
    const before = await this.get(tenant, id);
    if (!before) throw new AccountError('not_found', 'account not found');
    await this.redis.hset(this.keys.account(tenant, id), { password: await hashPassword(password), epoch: String(before.epoch + 1), updated: this.now().toISOString() });
    return { before };
  }

  /** Puts an account back as it was (its audit event could not be written). */
  async restore(account: StoredAccount): Promise<void> {
    await this.redis.hset(this.keys.account(account.tenant, account.id), toHash(account));
  }

  /** Removes an account just created (its audit event could not be written). */
  async remove(tenant: string, id: string): Promise<void> {
    const account = await this.get(tenant, id);
    const multi = this.redis.multi().del(this.keys.account(tenant, id)).srem(this.keys.people(tenant), id);
    if (account) multi.hdel(this.keys.byEmail(tenant), account.email);
    await multi.exec();
  }
}

export function publicAccount(a: Account): Account {
  return {
    id: a.id,
    tenant: a.tenant,
    email: a.email,
    name: a.name,
    role: a.role,
    agent: a.agent,
    language: a.language,
    timeZone: a.timeZone,
    disabled: a.disabled,
    created: a.created,
    updated: a.updated,
  };
}

function fromHash(tenant: string, id: string, h: Record<string, string>): StoredAccount {
  return {
    id,
    tenant,
    email: h.email ?? '',
    name: h.name ?? '',
    role: (h.role ?? 'agent') as Role,
    agent: h.agent ? h.agent : null,
    // Accounts stored before people chose read as the defaults.
    language: isLanguage(h.language) ? h.language : DEFAULT_PREFERENCES.language,
    timeZone: h.timeZone || DEFAULT_PREFERENCES.timeZone,
    disabled: h.disabled === '1',
    created: h.created ?? '',
    updated: h.updated ?? '',
    passwordHash: h.password ?? '',
    epoch: Number(h.epoch ?? 1),
  };
}

function toHash(a: StoredAccount): Record<string, string> {
  return { email: a.email, name: a.name, role: a.role, agent: a.agent ?? '', language: a.language, timeZone: a.timeZone, password: a.passwordHash, disabled: a.disabled ? '1' : '0', epoch: String(a.epoch), created: a.created, updated: a.updated };
}
