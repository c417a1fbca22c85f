import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendError } from '../http/errors.ts';
import { PUBLIC } from '../http/route-access.ts';

export interface ConsoleOptions {
  /** The console's build (`npm run build:console` writes console/dist). */
  dir: string;
}

/**
 * The console's own pages (its router, console/src/App.tsx): each answers with index.html, so a
 * reload or a shared link opens the console there. A page added to the console is added here.
 */
export const CONSOLE_PAGES = ['/', '/sign-in', '/conversations/:id', '/board', '/canned-responses', '/profile'] as const;
/** Vite's hashed bundles: a name changes with its content, so they are cached for good. */
const HASHED = '/assets/';
/** The build's other files (console/public). */
const FILES = ['/favicon.svg'] as const;

/**
 * The console's build folder: console/dist at the repository's root, found from this file whether
 * it runs from the sources (src/api) or from a build (dist/src/api).
 */
export function consoleDir(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'console', 'dist');
}

/**
 * The web console (a single-page app, console/) at `/`: its pages and its files as built. Public
 * routes: the page holds no data, and every request it makes is checked by the API as usual.
 *
 * Its pages are listed rather than caught by a `/*` fallback: a catch-all would answer every
 * unknown path (the API's JSON 404 would become a page) and would swallow the router's own
 * refusals under it (an over-long `/v1/...` parameter would be a 404, not a 414). A missing file is
 * the API's JSON 404. Before the console is built, its pages answer 503 `console_not_built`.
 */
export function consoleRoutes(app: FastifyInstance, options: ConsoleOptions): void {
  const root = resolve(options.dir);
  app.register(async (scope) => {
    // reply.sendFile only (no routes of its own): the routes are these.
    await scope.register(fastifyStatic, { serve: false });

    for (const path of CONSOLE_PAGES) scope.get(path, { config: PUBLIC }, (_request, reply) => page(root, reply));

    scope.get(`${HASHED}*`, { config: PUBLIC }, async (request, reply) => {
      const file = await builtFile(root, request.url.split('?')[0] ?? '');
      if (file === null) return reply.callNotFound();
      return reply.sendFile(file, root, { maxAge: '365d', immutable: true, dotfiles: 'deny' });
    });

    for (const path of FILES) {
      scope.get(path, { config: PUBLIC }, async (_request, reply) => {
        if ((await builtFile(root, path)) === null) return reply.callNotFound();
        return reply.sendFile(path, root, { maxAge: '1d', dotfiles: 'deny' });
      });
    }
  });
}

/** index.html, never cached (it names the current bundles), or 503 while there is no build. */
async function page(root: string, reply: FastifyReply): Promise<FastifyReply> {
  if (!(await isFile(join(root, 'index.html')))) return sendError(reply, 503, 'console_not_built', 'run npm run build:console');
  reply.header('cache-control', 'no-cache');
  return reply.sendFile('/index.html', root, { cacheControl: false });
}

/**
 * The URL path as a file of the build (`/assets/index-abc.js`), or null: not decodable, a dot
 * segment or dotfile, outside the build, or not a regular file.
 */
async function builtFile(root: string, urlPath: string): Promise<string | null> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\') || path.split('/').some((segment) => segment.startsWith('.'))) return null;
  const full = resolve(root, `.${path}`);
  if (!full.startsWith(root + sep) || !(await isFile(full))) return null;
  return full.slice(root.length).split(sep).join('/');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
