import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema } from './schema.ts';

/** A configuration that cannot start the engine; the message names every bad key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;
type Tree = Record<string, unknown>;

/** Environment variables that override a config key, and how their text becomes a value. */
const envOverrides: Array<{ env: string; path: string[]; parse: (raw: string) => unknown }> = [
  { env: 'KAFKA_BROKERS', path: ['kafka', 'brokers'], parse: (raw) => raw.split(',').map((b) => b.trim()).filter(Boolean) },
  { env: 'KAFKA_CLIENT_ID', path: ['kafka', 'clientId'], parse: String },
  { env: 'KAFKA_TOPIC_EVENTS', path: ['kafka', 'topics', 'events'], parse: String },
  { env: 'KAFKA_TOPIC_DEAD_LETTER', path: ['kafka', 'topics', 'deadLetter'], parse: String },
  { env: 'KAFKA_TOPIC_REJECTED_INPUT', path: ['kafka', 'topics', 'rejectedInput'], parse: String },
  { env: 'KAFKA_PARTITIONS', path: ['kafka', 'partitions'], parse: numberOrText },
  { env: 'KAFKA_REPLICATION_FACTOR', path: ['kafka', 'replicationFactor'], parse: numberOrText },
  { env: 'REDIS_URL', path: ['redis', 'url'], parse: String },
  { env: 'CS_INSTANCE', path: ['instance'], parse: String },
  { env: 'FOLD_NAMESPACE', path: ['fold', 'namespace'], parse: String },
  { env: 'FOLD_CONCURRENCY', path: ['fold', 'concurrency'], parse: numberOrText },
  { env: 'FOLD_LANES', path: ['fold', 'lanes'], parse: numberOrText },
  { env: 'FOLD_CACHE_CUSTOMERS', path: ['fold', 'cacheCustomers'], parse: numberOrText },
  { env: 'OUTBOUND_ATTEMPTS', path: ['outbound', 'attempts'], parse: numberOrText },
  { env: 'OUTBOUND_CONCURRENCY', path: ['outbound', 'concurrency'], parse: numberOrText },
  { env: 'HTTP_PORT', path: ['http', 'port'], parse: numberOrText },
  { env: 'LOG_LEVEL', path: ['log', 'level'], parse: String },
];

function numberOrText(raw: string): unknown {
  // Keep the text when it is not a number, so the error shows what was given.
  return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isTree(current) && isTree(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function setPath(tree: Tree, path: string[], value: unknown): Tree {
  const [head, ...rest] = path;
  if (head === undefined) return tree;
  const child = tree[head];
  return { ...tree, [head]: rest.length === 0 ? value : setPath(isTree(child) ? child : {}, rest, value) };
}

function readYamlFiles(dir: string): Tree {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    throw new ConfigError(`config: cannot read the config folder ${dir}`);
  }
  files.sort((a, b) => (a.startsWith('default.') ? -1 : b.startsWith('default.') ? 1 : a.localeCompare(b)));
  let merged: Tree = {};
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      throw new ConfigError(`config: ${file} is not valid YAML: ${(err as Error).message}`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isTree(doc)) throw new ConfigError(`config: ${file} must hold a mapping at the top level`);
    merged = deepMerge(merged, doc);
  }
  return merged;
}

/** One file per tenant, `<tenant>.yaml`; a missing folder means no tenant has its own settings. */
function readTenantFiles(dir: string): Tree {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    return {};
  }
  const tenants: Tree = {};
  for (const file of files.sort()) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      throw new ConfigError(`config: tenants/${file} is not valid YAML: ${(err as Error).message}`);
    }
    tenants[file.replace(/\.ya?ml$/, '')] = doc ?? {};
  }
  return tenants;
}

function describe(issues: z.core.$ZodIssue[], fromEnv: Map<string, string>): string {
  return issues
    .map((issue) => {
      const key = issue.path.join('.') || '(root)';
      if (issue.path[0] === 'tenants' && issue.path[1] === 'settings' && issue.path.length > 2) {
        return `  tenants/${String(issue.path[2])}.yaml: ${issue.path.slice(3).join('.') || '(root)'}: ${issue.message}`;
      }
      const env = fromEnv.get(key);
      return `  ${key}: ${issue.message}${env ? ` (from ${env})` : ''}`;
    })
    .join('\n');
}

/** Reads config/*.yaml and the environment, validates, and returns the config or throws ConfigError. */
export function loadConfig(options: { dir?: string; env?: Env } = {}): Config {
  const env = options.env ?? process.env;
  const dir = resolve(options.dir ?? env.CS_CONFIG_DIR ?? 'config');
  let tree = readYamlFiles(dir);
  const fromEnv = new Map<string, string>();
  for (const o of envOverrides) {
    const raw = env[o.env];
    if (raw === undefined || raw === '') continue;
    tree = setPath(tree, o.path, o.parse(raw));
    fromEnv.set(o.path.join('.'), o.env);
  }
  tree = setPath(tree, ['tenants', 'settings'], { ...readTenantFiles(join(dir, 'tenants')), ...((tree.tenants as Tree | undefined)?.settings as Tree | undefined) });
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n${describe(result.error.issues, fromEnv)}`);
  }
  return result.data;
}
