/**
 * The image without Docker: the Dockerfile's stages carried out in a temp folder (its COPY and RUN
 * steps, the build with `npm run build` as the build stage runs it), and compose's services started
 * from the result as the container would start them: the entry point from WORKDIR, the image's ENV
 * and the service's environment, its named volumes, and the image's USER, here an unprivileged user
 * of this machine. The code's folder is not writable by that user (in the image it is root's), so a
 * role writing where it should not fails here as it would in a container.
 *
 * What it does not do: `npm ci` is a link to this checkout's node_modules (the same lock), so the
 * dependencies are not pruned: `npm prune --omit=dev` is instead a check that the build imports no
 * dev dependency. The console is copied from console/dist when `npm test` built it already.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dockerIgnored, environmentOf, mountsOf, readDockerfile, root, type ComposeFile, type DockerStage } from '../../support/deployment-files.ts';

/** Who the roles run as, and how a command is started as them. */
export interface RunUser {
  uid: number;
  gid: number;
  /** True when this process is root and starts the roles as another user (else it is that user). */
  switches: boolean;
  wrap(argv: string[]): string[];
}

/**
 * `npm ci` as a link to this checkout's node_modules, or a copy of them when the roles' user cannot
 * read the checkout (a clone in a private folder: mkdtemp makes them 0700). The copy is the same
 * lock's packages either way; it costs seconds where the link costs none.
 */
function installDependencies(cwd: string, user: RunUser, say: (line: string) => void): void {
  const source = join(root, 'node_modules');
  const probe = join(source, 'yaml', 'package.json');
  let readable = true;
  if (user.switches) {
    try {
      const [command, ...args] = user.wrap(['test', '-r', probe]);
      execFileSync(command!, args, { stdio: 'ignore' });
    } catch {
      readable = false;
    }
  }
  if (readable) {
    symlinkSync(source, join(cwd, 'node_modules'));
    return;
  }
  const started = performance.now();
  cpSync(source, join(cwd, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  say(`image: the checkout is private to its owner; node_modules copied for the roles' user in ${Math.round((performance.now() - started) / 1000)} s`);
}

/** The image's USER on this machine: `nobody` when we are root (through setpriv), else ourselves. */
export function unprivilegedUser(): RunUser {
  if (process.getuid?.() !== 0) {
    return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, switches: false, wrap: (argv) => argv };
  }
  const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
  return { uid, gid, switches: true, wrap: (argv) => ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', ...argv] };
}

export interface Image {
  /** The temp folder holding the stages and the volumes. */
  dir: string;
  /** The runtime image's filesystem: the container path P is `${rootfs}${P}`. */
  rootfs: string;
  stage: DockerStage;
  user: RunUser;
  /** How long `npm run build` took. */
  buildMs: number;
}

/**
 * Lays out every stage of the Dockerfile (`dockerfile`: its text, the checkout's by default); the
 * last one is the image. `files` (container path -> text) are added to the image as an operator
 * mounts them (a local.yaml in the config folder).
 */
export function buildImage(user: RunUser, options: { dockerfile?: string; files?: Record<string, string>; say?: (line: string) => void } = {}): Image {
  const say = options.say ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cs-image-'));
  // mkdtemp makes it private to us; the roles' user must reach the image inside.
  chmodSync(dir, 0o755);
  try {
    return layOut(dir, user, readDockerfile(options.dockerfile), options.files ?? {}, say);
  } catch (err) {
    // A build that failed leaves nothing behind (a finished one is removeImage's).
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function layOut(dir: string, user: RunUser, stages: DockerStage[], files: Record<string, string>, say: (line: string) => void): Image {
  const ignored = dockerIgnored();
  const rootfsOf = new Map<string, string>();
  let buildMs = 0;
  const writable: string[] = [];
  const runtime = stages.at(-1)!;
  stages.forEach((stage, index) => {
    const rootfs = join(dir, index === stages.length - 1 ? 'image' : `stage-${stage.name ?? index}`);
    mkdirSync(join(rootfs, stage.workdir), { recursive: true });
    rootfsOf.set(stage.name ?? String(index), rootfs);
    const host = (path: string, workdir: string) => join(rootfs, path.startsWith('/') ? path : join(workdir, path));
    for (const step of stage.steps) {
      if (step.kind === 'copy') {
        if (step.chown) throw new Error(`COPY --chown is not carried out by ${basename(import.meta.filename)}`);
        const from = step.from === undefined ? root : rootfsOf.get(step.from);
        if (from === undefined) throw new Error(`COPY --from=${step.from}: no such stage before it`);
        const dest = host(step.dest, step.workdir);
        const intoFolder = step.dest.endsWith('/') || step.sources.length > 1;
        for (const source of step.sources) {
          const path = join(from, source);
          if (!existsSync(path) && !lstatSync(path, { throwIfNoEntry: false })) {
            // What an earlier stage skipped building here (the console, when none was built) is not there.
            if (step.from !== undefined && source.endsWith('console/dist')) {
              say(`image: ${source} was not built; the api serves no console pages`);
              continue;
            }
            throw new Error(`COPY ${source}: no such file in ${step.from === undefined ? 'the build context' : `stage ${step.from}`}`);
          }
          if (step.from === undefined && ignored(source)) throw new Error(`COPY ${source}: .dockerignore leaves it out of the build context`);
          const target = intoFolder && !lstatSync(path).isDirectory() ? join(dest, basename(source)) : dest;
          mkdirSync(join(target, '..'), { recursive: true });
          const filter = step.from === undefined ? (src: string) => !ignored(relative(root, src)) : () => true;
          cpSync(path, target, { recursive: true, verbatimSymlinks: true, filter });
        }
        continue;
      }
      for (const part of step.command.split('&&').map((p) => p.trim())) {
        const cwd = host('.', step.workdir);
        if (/^npm ci(\s|$)/.test(part)) {
          installDependencies(cwd, user, say);
        } else if (part === 'npm run build') {
          const started = performance.now();
          try {
            execFileSync('npm', ['run', 'build'], { cwd, stdio: 'pipe', encoding: 'utf8' });
          } catch (err) {
            const e = err as { stdout?: string; stderr?: string };
            throw new Error(`npm run build failed in the image's build stage:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
          }
          buildMs += performance.now() - started;
          say(`image: npm run build took ${Math.round((performance.now() - started) / 1000)} s`);
        } else if (part === 'npm run build:console') {
          // The console is static files the roles only serve: the one `npm test` built is as good.
          const built = join(root, 'console', 'dist');
          if (existsSync(built)) cpSync(built, join(cwd, 'console', 'dist'), { recursive: true });
        } else if (part === 'npm prune --omit=dev') {
          importsOnlyDependencies(cwd);
        } else if (/^mkdir -p\s/.test(part)) {
          for (const path of part.split(/\s+/).slice(2)) mkdirSync(host(path, step.workdir), { recursive: true });
        } else if (/^chown\s/.test(part)) {
          const [, recursive, owner, path] = /^chown (-R )?(\S+) (\S+)$/.exec(part) ?? [];
          if (!owner || !path) throw new Error(`RUN ${part}: only "chown [-R] user[:group] path" is carried out`);
          const [name, group] = owner.split(':');
          if (name !== runtime.user || (group !== undefined && group !== runtime.user)) throw new Error(`RUN ${part}: only the image's USER (${runtime.user}) stands for a user here`);
          writable.push(host(path, step.workdir));
          if (user.switches) chownTree(host(path, step.workdir), user, recursive !== undefined);
        } else {
          throw new Error(`RUN ${part}: not carried out by ${basename(import.meta.filename)}; teach it what the command does to the image`);
        }
      }
    }
  });
  const rootfs = rootfsOf.get(runtime.name ?? String(stages.length - 1))!;
  for (const [path, text] of Object.entries(files)) writeFileSync(join(rootfs, path), text, { mode: 0o644 });
  // In the image, what the Dockerfile did not give to the USER is root's: the user cannot write it.
  // Root can take the write bits from the others; an unprivileged run takes them from itself too.
  revokeWrites(rootfs, writable, user.switches ? 0o022 : 0o222);
  return { dir, rootfs, stage: runtime, user, buildMs };
}

/** Removes the image's folder (given back its write bits first, which an unprivileged run took). */
export function removeImage(image: Image): void {
  if (!image.user.switches) restoreWrites(image.dir);
  rmSync(image.dir, { recursive: true, force: true });
}

function restoreWrites(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  chmodSync(path, (stat.mode & 0o7777) | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) restoreWrites(join(path, entry));
}

/** What `npm prune --omit=dev` would break: a compiled module importing a dev dependency. */
function importsOnlyDependencies(app: string): void {
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const kept = new Set(Object.keys(pkg.dependencies ?? {}));
  const builtins = new Set(builtinModules);
  const missing = new Set<string>();
  for (const file of readdirSync(join(app, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(app, 'dist', file), 'utf8');
    // Static imports and re-exports, as tsc writes them (a statement per line start, `;` at the end).
    // Dynamic import() is left out: the engine's are conditional (tsx, only when run from sources).
    for (const m of text.matchAll(/^\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s*)?['"]([^'"./][^'"]*)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!kept.has(name)) missing.add(`${name} (dist/${file})`);
    }
  }
  if (missing.size) throw new Error(`the build imports packages that npm prune --omit=dev removes: ${[...missing].join(', ')}`);
}

function chownTree(path: string, user: RunUser, recursive: boolean): void {
  chownSync(path, user.uid, user.gid);
  if (recursive && statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), user, true);
}

function revokeWrites(path: string, keep: readonly string[], bits: number): void {
  if (keep.some((k) => path === k || path.startsWith(`${k}/`))) return;
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) for (const entry of readdirSync(path)) revokeWrites(join(path, entry), keep, bits);
  chmodSync(path, stat.mode & 0o7777 & ~bits);
}

export interface ContainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Container {
  service: string;
  child: ChildProcess;
  env: Record<string, string>;
  exit: Promise<ContainerExit>;
  running(): boolean;
  /** The role's output so far (stdout and stderr, interleaved). */
  output(): string;
  /** The service's healthcheck, run once as compose runs it: true when it exits 0. */
  healthcheck(): Promise<boolean>;
  /** SIGTERM, then SIGKILL after the service's stop_grace_period (compose's `docker stop`). */
  stop(): Promise<ContainerExit & { ms: number; killed: boolean }>;
}

/**
 * Starts one service of the compose file from the image. `compose` is interpolated already;
 * `rewrite` changes a variable's value (addresses of the compose network to this machine's),
 * `env` adds what an operator would set besides the file (ports, for roles sharing one host).
 */
export function startContainer(
  image: Image,
  compose: ComposeFile,
  name: string,
  options: { rewrite?: (variable: string, value: string) => string; env?: Record<string, string> } = {},
): Container {
  const service = compose.services[name];
  if (!service) throw new Error(`no service ${name} in docker-compose.yml`);
  const { stage, user } = image;
  const mounts = mountsOf(service, compose);
  const hostPath = (path: string): string => {
    const mount = mounts.filter((m) => path === m.target || path.startsWith(`${m.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
    if (mount) {
      if (!mount.named) throw new Error(`${name}: bind mounts are not carried out by ${basename(import.meta.filename)}`);
      return join(volume(image, mount.source, mount.target), relative(mount.target, path));
    }
    // Anywhere else in the image. A folder a role writes outside a volume would be its container's
    // own in Docker (and lost with it): here it is shared, so a role missing the store's volume
    // would still see the others' files; the compose spec holds the mounts to the store's folder.
    return join(image.rootfs, path);
  };
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
  for (const [variable, value] of Object.entries({ ...stage.env, ...environmentOf(service) })) {
    const rewritten = options.rewrite?.(variable, value) ?? value;
    env[variable] = /^\/[^\s:]*$/.test(rewritten) ? hostPath(rewritten) : rewritten;
  }
  Object.assign(env, options.env);
  const argv = [...(stage.entrypoint ?? []), ...(service.command ?? stage.cmd ?? [])];
  const cwd = hostPath(stage.workdir);
  const command = user.wrap(argv.map((a, i) => (i === 0 && a === 'node' ? process.execPath : a)));
  const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exit = new Promise<ContainerExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  const check = service.healthcheck;
  return {
    service: name,
    child,
    env,
    exit,
    running,
    output: () => lines.join('\n'),
    async healthcheck() {
      const test = check?.test;
      if (!test || check?.disable) throw new Error(`${name} has no healthcheck`);
      const args = typeof test === 'string' ? ['sh', '-c', test] : test[0] === 'CMD-SHELL' ? ['sh', '-c', test.slice(1).join(' ')] : test[0] === 'CMD' ? test.slice(1) : null;
      if (!args) throw new Error(`${name}: healthcheck ${JSON.stringify(test)} is not run by ${basename(import.meta.filename)}`);
      const probe = user.wrap(args.map((a, i) => (i === 0 && a === 'node' ? process.execPath : a)));
      const timeoutMs = durationMs(check.timeout ?? '30s');
      return new Promise<boolean>((resolve) => {
        const p = spawn(probe[0]!, probe.slice(1), { cwd, env, stdio: 'ignore', timeout: timeoutMs });
        p.once('error', () => resolve(false));
        p.once('exit', (code) => resolve(code === 0));
      });
    },
    async stop() {
      const started = performance.now();
      if (running()) child.kill('SIGTERM');
      const within = await Promise.race([exit, sleep(durationMs(service.stop_grace_period ?? '10s')).then(() => null)]);
      if (within) return { ...within, ms: Math.round(performance.now() - started), killed: false };
      child.kill('SIGKILL');
      return { ...(await exit), ms: Math.round(performance.now() - started), killed: true };
    },
  };
}

/**
 * Waits until the role is healthy by its own healthcheck; fails with the role's output if it exits
 * or time runs out. `ready` is a cheap look first (each healthcheck is a node process, and seven
 * roles starting on two cores slowed down by polling them), after which the healthcheck must pass.
 */
export async function healthy(container: Container, withinMs: number, ready: () => Promise<boolean> = async () => true): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (!container.running()) throw new Error(`${container.service} exited before it was healthy (${JSON.stringify(await container.exit)}):\n${container.output()}`);
    if ((await ready().catch(() => false)) && (await container.healthcheck())) return Math.round(performance.now() - started);
    await sleep(200);
  }
  throw new Error(`${container.service} was not healthy within ${withinMs} ms:\n${container.output()}`);
}

/**
 * A named volume, made on first use as Docker makes it: a fresh volume mounted on a folder of the
 * image starts with that folder's owner and mode (an empty root-owned folder otherwise).
 */
function volume(image: Image, name: string, target: string): string {
  const path = join(image.dir, 'volumes', name);
  if (existsSync(path)) return path;
  mkdirSync(path, { recursive: true });
  const from: Stats | undefined = statSync(join(image.rootfs, target), { throwIfNoEntry: false });
  chmodSync(path, from ? from.mode & 0o7777 : image.user.switches ? 0o755 : 0o555);
  if (from && image.user.switches) chownSync(path, from.uid, from.gid);
  return path;
}

/** A compose duration (`30s`, `1m30s`, `500ms`) in ms. */
export function durationMs(text: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}
