/**
 * The deployment files as Docker reads them: docker-compose.yml (YAML merge keys, `${VAR}`
 * interpolation) and the Dockerfile (stages, ENV, COPY, RUN, USER, ENTRYPOINT). Read by the compose
 * spec (statically) and by the image spec, which lays out and runs the image without Docker.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const root = resolve(import.meta.dirname, '../..');

/** A service of the compose file, as far as the specs look at it. */
export interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: Array<string | { type?: string; source?: string; target: string; read_only?: boolean }>;
  ports?: unknown[];
  healthcheck?: { test?: string[] | string; disable?: boolean; interval?: string; timeout?: string; retries?: number; start_period?: string };
  restart?: string;
  stop_grace_period?: string;
  depends_on?: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}

/** The compose file's text. */
export const composeText = (): string => readFileSync(join(root, 'docker-compose.yml'), 'utf8');

/**
 * The compose file as compose sees it before interpolation: YAML 1.1 merge keys (`<<: *engine`)
 * applied, which the `yaml` package leaves as plain keys unless told.
 */
export function readCompose(text = composeText()): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

/** `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`. */
const INTERPOLATION = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** The variables a text interpolates (in the order they first appear). */
export function interpolatedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(INTERPOLATION)) {
    const name = m[2] ?? m[5];
    if (name) names.add(name);
  }
  return [...names];
}

/** One string as compose interpolates it from `vars` (its `.env` and the shell); `:?` and `?` throw compose's error. */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(INTERPOLATION, (_all, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (dollar) return '$';
    const name = (braced ?? bare)!;
    const value = vars[name];
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (op) {
      case undefined:
        return value ?? '';
      case ':-':
        return empty ? (arg ?? '') : value!;
      case '-':
        return unset ? (arg ?? '') : value!;
      case ':?':
      case '?':
        if (op === ':?' ? empty : unset) throw new Error(`required variable ${name} is missing a value: ${arg ?? ''}`);
        return value!;
      case ':+':
        return empty ? '' : (arg ?? '');
      case '+':
        return unset ? '' : (arg ?? '');
      default:
        throw new Error(`interpolation ${op} is not compose's`);
    }
  });
}

/** Every string of a parsed compose file interpolated (compose interpolates values, never keys). */
export function interpolateAll<T>(value: T, vars: Record<string, string | undefined>): T {
  if (typeof value === 'string') return interpolate(value, vars) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => interpolateAll(v, vars)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars)])) as T;
  return value;
}

/** A service's environment as the container gets it (list or map form; a bare name passes the shell's, which the specs never set). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const entries: Array<[string, string | null]> = Array.isArray(env)
    ? env.map((line) => {
        const at = line.indexOf('=');
        return at === -1 ? [line, null] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? null : String(v)]);
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== null));
}

export interface Mount {
  /** A named volume's name, or a bind mount's host path. */
  source: string;
  target: string;
  named: boolean;
  readOnly: boolean;
}

/** A service's mounts, short (`name:/path[:ro]`) or long syntax. */
export function mountsOf(service: ComposeService, compose: ComposeFile): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [source = '', target = '', mode] = v.split(':');
      return { source, target, named: Object.hasOwn(compose.volumes ?? {}, source), readOnly: mode === 'ro' };
    }
    const source = v.source ?? '';
    return { source, target: v.target, named: (v.type ?? 'volume') === 'volume' && Object.hasOwn(compose.volumes ?? {}, source), readOnly: v.read_only === true };
  });
}

/** The names of `.env.example`'s variables (commented-out examples are not variables). */
export function envExampleVariables(): string[] {
  return readFileSync(join(root, '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

export type DockerStep = { kind: 'copy'; workdir: string; from?: string; sources: string[]; dest: string; chown?: string } | { kind: 'run'; workdir: string; command: string };

export interface DockerStage {
  name?: string;
  base: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  steps: DockerStep[];
  entrypoint?: string[];
  cmd?: string[];
}

/** Instructions that change nothing a role sees at run time. */
const INERT = new Set(['EXPOSE', 'LABEL']);

/**
 * The Dockerfile's stages. It reads what this Dockerfile uses and refuses anything else by name
 * (ARG, VOLUME, ADD, …), so that a new instruction makes the image spec learn it rather than skip it.
 */
export function readDockerfile(text = readFileSync(join(root, 'Dockerfile'), 'utf8')): DockerStage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [, instruction = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const keyword = instruction.toUpperCase();
    if (keyword === 'FROM') {
      const [base = '', as, name] = rest.split(/\s+/);
      stages.push({ base, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), workdir: '/', env: {}, steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${keyword} before FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = rest.startsWith('/') ? rest : join(stage.workdir, rest);
        break;
      case 'ENV':
        // `ENV A=1 B=2` (quotes not needed by ours), or the old `ENV A 1`.
        if (/^\S+=/.test(rest)) for (const pair of rest.split(/\s+/)) stage.env[pair.slice(0, pair.indexOf('='))] = unquote(pair.slice(pair.indexOf('=') + 1));
        else stage.env[rest.split(/\s+/)[0]!] = rest.slice(rest.indexOf(' ') + 1).trim();
        break;
      case 'COPY': {
        if (rest.startsWith('[')) throw new Error('Dockerfile: COPY in JSON form is not read by tests/support/deployment-files.ts');
        const words = rest.split(/\s+/);
        const flags = words.filter((w) => w.startsWith('--'));
        const paths = words.filter((w) => !w.startsWith('--'));
        const flag = (name: string) => flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3);
        const unknown = flags.filter((f) => !/^--(from|chown)=/.test(f));
        if (unknown.length) throw new Error(`Dockerfile: COPY ${unknown.join(' ')} is not read by tests/support/deployment-files.ts`);
        const from = flag('from');
        const chown = flag('chown');
        stage.steps.push({ kind: 'copy', workdir: stage.workdir, ...(from ? { from } : {}), ...(chown ? { chown } : {}), sources: paths.slice(0, -1), dest: paths.at(-1)! });
        break;
      }
      case 'RUN':
        stage.steps.push({ kind: 'run', workdir: stage.workdir, command: rest });
        break;
      case 'USER':
        stage.user = rest;
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = JSON.parse(rest) as string[];
        break;
      case 'CMD':
        stage.cmd = JSON.parse(rest) as string[];
        break;
      default:
        if (!INERT.has(keyword)) throw new Error(`Dockerfile: ${keyword} is not read by tests/support/deployment-files.ts; teach it what ${keyword} does to a running role`);
    }
  }
  return stages;
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/**
 * `.dockerignore` as the build context applies it: whether a path (relative to the context, `/`
 * separators) is left out. The last pattern that matches the path or a folder above it decides.
 */
export function dockerIgnored(text = readFileSync(join(root, '.dockerignore'), 'utf8')): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const glob = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = glob
        .split('')
        .map((c, i, all) => (c === '*' ? (all[i + 1] === '*' ? '' : all[i - 1] === '*' ? '.*' : '[^/]*') : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const segments = path.split('/');
    const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const p of patterns) if (candidates.some((c) => p.regex.test(c))) ignored = !p.negated;
    return ignored;
  };
}
