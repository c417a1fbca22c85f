import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { customAlphabet } from 'nanoid';
import { accountKeys } from '../projections/keys.ts';

/** A saved reply agents insert from the composer by its shortcut (`/refund`); admins keep them. */
export interface CannedResponse {
  id: string;
  /** What an agent types after `/`: 1–32 of a–z, 0–9, `-` and `_`, unique in the tenant. */
  shortcut: string;
  title: string;
  /** The reply, with placeholders (src/domain/canned/render.ts) the console fills in. */
  text: string;
  updatedAt: string;
  /** The account (or API key id) that last created or changed it. */
  updatedBy: string;
}

export type CannedFields = Pick<CannedResponse, 'shortcut' | 'title' | 'text'>;

/** The most canned responses a tenant keeps: the composer lists them all, and so does every agent's console. */
export const MAX_CANNED_PER_TENANT = 500;
export const SHORTCUT = /^[a-z0-9_-]{1,32}$/;

/** A refusal the routes answer with its own status: a taken shortcut, a full tenant, an unknown id. */
export type CannedRefusal = { code: 'shortcut_taken'; message: string } | { code: 'limit_reached'; message: string } | { code: 'not_found'; message: string };
export type CannedResult<T> = { ok: true; value: T } | { ok: false; refusal: CannedRefusal };

const cannedId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 16);
/** Ours only: any other id is unknown without a read. */
const ID = /^cr_[0-9A-Za-z]{16}$/;
const script = (name: string) => readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');
const CREATE = script('create');
const UPDATE = script('update');
const DELETE = script('delete');

const taken = (shortcut: string): CannedResult<never> => ({ ok: false, refusal: { code: 'shortcut_taken', message: `the shortcut "${shortcut}" is taken: another canned response of this workspace has it` } });
const notFound = (): CannedResult<never> => ({ ok: false, refusal: { code: 'not_found', message: 'canned response not found' } });

/** The tenants' canned responses, in Redis (src/projections/keys.ts, cs:acct): each a hash, the shortcuts an index. */
export class CannedStore {
  private readonly keys: ReturnType<typeof accountKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
    private readonly now: () => Date = () => new Date(),
    private readonly max = MAX_CANNED_PER_TENANT,
  ) {
    this.keys = accountKeys(instance);
  }

  /** Sorted by shortcut. */
  async list(tenant: string): Promise<CannedResponse[]> {
    const ids = await this.redis.hvals(this.keys.cannedShortcuts(tenant));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.cannedResponse(tenant, id));
    const hashes = (await pipeline.exec()) ?? [];
    const found: CannedResponse[] = [];
    hashes.forEach(([err, hash], i) => {
      if (err) throw err;
      const response = fromHash(ids[i]!, hash as Record<string, string>);
      if (response) found.push(response);
    });
    return found.sort((a, b) => (a.shortcut < b.shortcut ? -1 : a.shortcut > b.shortcut ? 1 : 0));
  }

  async get(tenant: string, id: string): Promise<CannedResponse | null> {
    if (!ID.test(id)) return null;
    return fromHash(id, await this.redis.hgetall(this.keys.cannedResponse(tenant, id)));
  }

  /** A new one; refused when its shortcut is taken or the tenant has the most it may have. `id` only to put one back. */
  async create(tenant: string, fields: CannedFields, by: string, id = `cr_${cannedId()}`): Promise<CannedResult<CannedResponse>> {
    const response: CannedResponse = { id, ...fields, updatedAt: this.now().toISOString(), updatedBy: by };
    return this.insert(tenant, response);
  }

  /** Changes what is given; returns the response before and after. */
  async update(tenant: string, id: string, change: Partial<CannedFields>, by: string): Promise<CannedResult<{ before: CannedResponse; after: CannedResponse }>> {
    const before = await this.get(tenant, id);
    if (!before) return notFound();
    const fields: Record<string, string> = { updatedAt: this.now().toISOString(), updatedBy: by };
    if (change.shortcut !== undefined) fields.shortcut = change.shortcut;
    if (change.title !== undefined) fields.title = change.title;
    if (change.text !== undefined) fields.text = change.text;
    const k = this.keys;
    const done = Number(await this.redis.eval(UPDATE, 2, k.cannedShortcuts(tenant), k.cannedResponse(tenant, id), id, change.shortcut ?? '', ...Object.entries(fields).flat()));
    if (done === 0) return notFound();
    if (done === -2) return taken(change.shortcut!);
    return { ok: true, value: { before, after: (await this.get(tenant, id))! } };
  }

  /** Deletes it; returns what it was. */
  async delete(tenant: string, id: string): Promise<CannedResult<CannedResponse>> {
    const before = await this.get(tenant, id);
    if (!before) return notFound();
    const done = Number(await this.redis.eval(DELETE, 2, this.keys.cannedShortcuts(tenant), this.keys.cannedResponse(tenant, id), id));
    return done === 1 ? { ok: true, value: before } : notFound();
  }

  /**
   * Puts a response back as it was (its audit event could not be written): a change undone, a
   * deleted one re-created under its id. A shortcut taken since stays the other's.
   */
  async restore(tenant: string, response: CannedResponse): Promise<void> {
    const { id, shortcut, title, text, updatedAt, updatedBy } = response;
    const k = this.keys;
    const changed = Number(await this.redis.eval(UPDATE, 2, k.cannedShortcuts(tenant), k.cannedResponse(tenant, id), id, shortcut, 'title', title, 'text', text, 'updatedAt', updatedAt, 'updatedBy', updatedBy));
    // max + 1: putting back one that was there never fails for room.
    if (changed === 0) await this.insert(tenant, response, this.max + 1);
  }

  /** Removes one just created (its audit event could not be written). */
  async remove(tenant: string, id: string): Promise<void> {
    await this.redis.eval(DELETE, 2, this.keys.cannedShortcuts(tenant), this.keys.cannedResponse(tenant, id), id);
  }

  private async insert(tenant: string, response: CannedResponse, max = this.max): Promise<CannedResult<CannedResponse>> {
    const { id, shortcut, title, text, updatedAt, updatedBy } = response;
    const k = this.keys;
    const made = Number(await this.redis.eval(CREATE, 2, k.cannedShortcuts(tenant), k.cannedResponse(tenant, id), shortcut, id, max, 'shortcut', shortcut, 'title', title, 'text', text, 'updatedAt', updatedAt, 'updatedBy', updatedBy));
    if (made === 0) return taken(shortcut);
    if (made === -1) return { ok: false, refusal: { code: 'limit_reached', message: `this workspace has ${max} canned responses, the most it may have: delete one first` } };
    return { ok: true, value: response };
  }
}

function fromHash(id: string, h: Record<string, string>): CannedResponse | null {
  if (h.shortcut === undefined) return null;
  return { id, shortcut: h.shortcut, title: h.title ?? '', text: h.text ?? '', updatedAt: h.updatedAt ?? '', updatedBy: h.updatedBy ?? '' };
}
