import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { STORED_KEY } from '../domain/attachment-key.ts';

export { isStoredKey, STORED_KEY } from '../domain/attachment-key.ts';

/**
 * Attachment bytes stored aside, content-addressed: the file name (and storage key) is the SHA-256
 * of the content. So the same attachment sent twice is stored once, and a provider's retry after a
 * Kafka outage finds its blobs already there; nothing ever needs cleaning up after a failed ingest.
 */
export class AttachmentStore {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {}

  async put(content: Buffer): Promise<string> {
    const key = createHash('sha256').update(content).digest('hex');
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const path = join(this.dir, key);
    if (await exists(path)) return key;
    // Write then rename: a reader never sees half a file, and two writers of one key both end well.
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, content);
    await rename(temp, path);
    return key;
  }

  /** The size of a stored blob, or null when the store has no such key (or it is not a key of ours). */
  async size(key: string): Promise<number | null> {
    if (!STORED_KEY.test(key)) return null;
    try {
      return (await stat(join(this.dir, key))).size;
    } catch {
      return null;
    }
  }

  /** The file a stored blob is in (for senders that attach by path); only for keys of ours. */
  pathOf(key: string): string {
    if (!STORED_KEY.test(key)) throw new Error(`not an attachment store key: ${key}`);
    return join(this.dir, key);
  }

  /** Deletes a stored blob (an erasure); true when it was there. Deleting one already gone is no error. */
  async delete(key: string): Promise<boolean> {
    if (!STORED_KEY.test(key)) return false;
    const there = await exists(join(this.dir, key));
    await rm(join(this.dir, key), { force: true });
    return there;
  }

  /** A stream of a stored blob, or null when the store has none under that key. */
  async open(key: string): Promise<{ stream: ReadStream; size: number } | null> {
    const size = await this.size(key);
    if (size === null) return null;
    return { stream: createReadStream(join(this.dir, key)), size };
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
