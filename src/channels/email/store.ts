import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
