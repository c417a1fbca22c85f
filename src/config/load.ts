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
  { env: 'RATE_LIMIT_API_KEY', path: ['http', 'rateLimits', 'apiKey', 'max'], parse: numberOrText },
  { env: 'RATE_LIMIT_PERSON', path: ['http', 'rateLimits', 'person', 'max'], parse: numberOrText },
  { env: 'RATE_LIMIT_WEBHOOK_ADDRESS', path: ['http', 'rateLimits', 'webhookAddress', 'max'], parse: numberOrText },
  { env: 'RATE_LIMIT_CHAT_ADDRESS', path: ['http', 'rateLimits', 'chatAddress', 'max'], parse: numberOrText },
  { env: 'LOG_LEVEL', path: ['log', 'level'], parse: String },
  { env: 'METRICS_PORT', path: ['metrics', 'port'], parse: numberOrText },
  { env: 'METRICS_HOST', path: ['metrics', 'host'], parse: String },
  { env: 'METRICS_TOKEN', path: ['metrics', 'token'], parse: String },
  // Where things live in a container: the attachment store on the volume the doors and outbound
  // share, and the address providers call (Twilio signs it; links in replies and surveys start with it).
  { env: 'ATTACHMENTS_DIR', path: ['channels', 'attachments', 'dir'], parse: String },
  { env: 'PUBLIC_URL', path: ['channels', 'publicUrl'], parse: String },
  // Secrets, so that a deployment keeps them out of the config files baked into the image. Records
  // (keys, accounts, routes) come as one JSON value each and replace the key as a whole.
  { env: 'API_KEYS_JSON', path: ['http', 'apiKeys'], parse: json('API_KEYS_JSON', 'object', '{"<key of 16+ characters>": "<tenant>"}') },
  { env: 'SESSION_SECRET', path: ['http', 'sessions', 'secret'], parse: String },
  { env: 'LINK_SECRET', path: ['http', 'linkSecret'], parse: String },
  {
    env: 'TWILIO_ACCOUNTS_JSON',
    path: ['channels', 'twilio', 'accounts'],
    parse: json('TWILIO_ACCOUNTS_JSON', 'object', '{"AC…": {"tenant": "…", "authToken": "…", "from": "+1…"}}'),
  },
  { env: 'META_APP_SECRET', path: ['channels', 'meta', 'appSecret'], parse: String },
  { env: 'META_VERIFY_TOKEN', path: ['channels', 'meta', 'verifyToken'], parse: String },
  {
    env: 'META_ROUTES_JSON',
    path: ['channels', 'meta', 'routes'],
    parse: json('META_ROUTES_JSON', 'object', '{"<phone number, page or account id>": {"tenant": "…", "accessToken": "…"}}'),
  },
  { env: 'MASTER_KEYS_JSON', path: ['privacy', 'masterKeys'], parse: json('MASTER_KEYS_JSON', 'object', '{"<master key id>": "<32 bytes in base64>"}') },
  { env: 'MASTER_KEY_ACTIVE', path: ['privacy', 'activeMasterKey'], parse: String },
  { env: 'EMAIL_WEBHOOK_PASSWORD', path: ['channels', 'email', 'webhookPassword'], parse: String },
  {
    env: 'WEBHOOK_SUBSCRIPTIONS_JSON',
    path: ['webhooks', 'subscriptions'],
    parse: json('WEBHOOK_SUBSCRIPTIONS_JSON', 'array', '[{"id": "…", "tenant": "…", "url": "https://…", "secret": "…", "events": ["conversation.*"]}]'),
  },
];

/** Every variable the engine's config reads (the compose file's spec holds its services to these). */
export const CONFIG_ENV_VARS: readonly string[] = ['CS_CONFIG_DIR', ...envOverrides.map((o) => o.env)];

/**
 * Records whose keys are secrets themselves (an API key is its own record key): an error about one
 * names it by its position, never by its text, since start-up errors end up in logs.
 */
const SECRET_KEYED: readonly string[] = ['http.apiKeys'];

/**
 * A JSON value of the expected shape. The error names the variable and the shape, never the text:
 * the value is a secret, and V8's JSON errors quote the text they stopped at.
 */
function json(env: string, shape: 'object' | 'array', example: string): (raw: string) => unknown {
  return (raw) => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ConfigError(`config: ${env} is not valid JSON; it takes a JSON ${shape} such as ${example}`);
    }
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (actual !== shape) throw new ConfigError(`config: ${env} is a JSON ${actual}; it takes a JSON ${shape} such as ${example}`);
    return value;
  };
}

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

/** A key as an error names it: an entry of a secret-keyed record by its position among its siblings. */
function keyName(path: readonly PropertyKey[], tree: Tree): string {
  const names = path.map(String);
  for (const record of SECRET_KEYED) {
    const at = record.split('.');
    if (names.length <= at.length || names.slice(0, at.length).join('.') !== record) continue;
    const entries = at.reduce<unknown>((node, k) => (isTree(node) ? node[k] : undefined), tree);
    const position = Object.keys(isTree(entries) ? entries : {}).indexOf(names[at.length]!) + 1;
    return [record, `<key #${position}>`, ...names.slice(at.length + 1)].join('.');
  }
  return names.join('.') || '(root)';
}

function describe(issues: z.core.$ZodIssue[], fromEnv: Map<string, string>, tree: Tree): string {
  return issues
    .map((issue) => {
      if (issue.path[0] === 'tenants' && issue.path[1] === 'settings' && issue.path.length > 2) {
        return `  tenants/${String(issue.path[2])}.yaml: ${issue.path.slice(3).join('.') || '(root)'}: ${issue.message}`;
      }
      // A record's bad key: zod says only "Invalid key in record"; the key's own rule says what is wrong.
      const message = issue.code === 'invalid_key' && issue.issues.length > 0 ? issue.issues.map((i) => i.message).join('; ') : issue.message;
      // The variable the value came from, whether the issue is the key itself or inside it (a record's entry).
      const path = issue.path.map(String).join('.');
      const env = [...fromEnv].find(([key]) => path === key || path.startsWith(`${key}.`))?.[1];
      return `  ${keyName(issue.path, tree)}: ${message}${env ? ` (from ${env})` : ''}`;
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
    throw new ConfigError(`invalid configuration:\n${describe(result.error.issues, fromEnv, tree)}`);
  }
  return result.data;
}
