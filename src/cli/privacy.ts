/**
 * `cs privacy`: the keys behind sealed personal data. `rewrap` moves every data key to the active
 * master key (after a rotation); `keys` writes the data keys an NDJSON export needs to be opened,
 * for an admin who must hand the plaintext over (the export itself carries ciphertext).
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isSealed } from '../../events/index.ts';
import { loadConfig } from '../config/load.ts';
import { readEnvelopes } from '../ndjson/codec.ts';
import { openPrivacy, sealedKeyId, type Privacy } from '../privacy/index.ts';
import { dataKeyHashes } from '../privacy/keys.ts';
import { redisConnection } from '../queues/connection.ts';

export function privacyCommands(program: Command): void {
  const privacy = program.command('privacy').description('the data keys that seal personal data: rotation, and keys for an export');
  privacy
    .command('rewrap')
    .description('wrap every data key with the active master key (privacy.activeMasterKey); afterwards the older master keys may leave the configuration')
    .option('--tenant <tenant>', 'only this tenant (default: every tenant with keys)')
    .action(async (o: { tenant?: string }) =>
      withPrivacy(async (p, tenants) => {
        for (const tenant of o.tenant ? [o.tenant] : await tenants()) {
          const { rewrapped, current } = await p.keys.rewrap(tenant);
          console.error(`cs privacy rewrap: ${tenant}: ${rewrapped} key(s) rewrapped with ${p.keys.masters.activeId}, ${current} already were`);
        }
      }),
    );
  privacy
    .command('keys')
    .description('the data keys that open the sealed fields of an NDJSON export (cs export), as JSON {tenant: {keyId: base64}}; erased customers have none')
    .requiredOption('--export <file>', 'the NDJSON export (from cs export, not redacted)')
    .requiredOption('--out <file>', 'where to write the keys: as secret as the plaintext they open')
    .action(async (o: { export: string; out: string }) =>
      withPrivacy(async (p) => {
        const wanted = new Map<string, Set<string>>();
        for await (const { result } of readEnvelopes(o.export)) {
          if (!result.ok) continue;
          const ids = wanted.get(result.event.tenant) ?? new Set<string>();
          collect(result.event.data, ids);
          wanted.set(result.event.tenant, ids);
        }
        const out: Record<string, Record<string, string>> = {};
        let count = 0;
        for (const [tenant, ids] of wanted) {
          for (const [id, key] of await p.keys.keys(tenant, [...ids])) {
            if (!key) continue;
            (out[tenant] ??= {})[id] = key.toString('base64');
            count += 1;
          }
        }
        await writeFile(o.out, `${JSON.stringify({ format: 'cs-data-keys/1', keys: out }, null, 2)}\n`, { mode: 0o600 });
        console.error(`cs privacy keys: ${count} key(s) written to ${o.out}`);
      }),
    );
}

async function withPrivacy(work: (p: Privacy, tenants: () => Promise<string[]>) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const redis = redisConnection(config.redis.url, 'cs-privacy');
  try {
    const p = openPrivacy(config, redis);
    if (!p) throw new Error('privacy.activeMasterKey is not set: this deployment seals nothing');
    const tenants = async () => {
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', dataKeyHashes(config.instance), 'COUNT', 1000);
        cursor = next;
        for (const key of keys) found.add(key.slice(key.indexOf(':', key.indexOf('{')) + 1, key.indexOf('}')));
      } while (cursor !== '0');
      return [...found];
    };
    await work(p, tenants);
  } finally {
    redis.disconnect();
  }
}

function collect(value: unknown, into: Set<string>): void {
  if (isSealed(value)) {
    const id = sealedKeyId(value);
    if (id) into.add(id);
  } else if (Array.isArray(value)) for (const v of value) collect(v, into);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collect(v, into);
}
