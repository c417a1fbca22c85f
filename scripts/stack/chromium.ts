import { spawnSync } from 'node:child_process';
import { CannotInstallError, MissingToolError, installBlocker, installDebianPackage, isExecutableFile, onPath } from './tools.ts';

/**
 * Chromium for whatever drives a browser (the HTML report spec today; Playwright through
 * `executablePath` tomorrow): CHROMIUM_PATH when set, else `chromium` on PATH or /usr/bin/chromium,
 * else Debian's `chromium` package installed with apt-get (as root or through sudo).
 */

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const HOW_TO_GET = 'install it with `apt-get install chromium` or set CHROMIUM_PATH to a Chromium or Chrome executable';

export interface EnsureChromiumOptions {
  /** Who needs it, for the console and the error ("the browser specs"). */
  neededBy?: string;
  /** Install Debian's chromium when none is found; default true (STACK_NO_INSTALL=1 forbids it regardless). */
  install?: boolean;
  /** Where progress goes; default console.log with the stack's `[stack] ` prefix. */
  log?: (line: string) => void;
}

/** Chromium could not be found or installed; the message names it and how to get it. */
export class ChromiumUnavailableError extends MissingToolError {
  constructor(message: string) {
    super('chromium', message);
    this.name = 'ChromiumUnavailableError';
  }
}

/**
 * The Chromium to run, without installing anything: CHROMIUM_PATH (a path, or a command on PATH),
 * else `chromium` on PATH, else /usr/bin/chromium; undefined when there is none. A CHROMIUM_PATH
 * that names no executable is an error, never silently passed over.
 */
export function findChromium(): string | undefined {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    const path = override.includes('/') ? override : onPath(override);
    if (path && isExecutableFile(path)) return path;
    throw new ChromiumUnavailableError(
      `CHROMIUM_PATH is set to ${override}, which is ${override.includes('/') ? 'not an executable file' : 'not a command on PATH'}; set it to a Chromium or Chrome executable, or unset it to use (or install) Debian's chromium.`,
    );
  }
  return onPath('chromium') ?? (isExecutableFile(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined);
}

let pending: Promise<string> | undefined;

/**
 * The path of a Chromium executable, installing Debian's `chromium` when none is found and
 * installing is allowed. Throws a ChromiumUnavailableError saying what to do otherwise. Calls in
 * one process share the answer (and one install).
 */
export function ensureChromium(options: EnsureChromiumOptions = {}): Promise<string> {
  pending ??= locateOrInstall(options).catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function locateOrInstall({ neededBy = 'the browser specs', install = true, log = (line) => console.log(`[stack] ${line}`) }: EnsureChromiumOptions): Promise<string> {
  const found = findChromium();
  if (found) {
    if (install) await ensureCjkFont(log);
    return found;
  }
  const missing = `Chromium is needed by ${neededBy} and was not found`;
  const blocker = install ? installBlocker() : 'the caller asked not to install it';
  if (blocker) throw new ChromiumUnavailableError(`${missing}, and it cannot be installed here (${blocker}); ${HOW_TO_GET}.`);
  log(`installing chromium (Debian package) for ${neededBy}…`);
  try {
    await installDebianPackage('chromium');
  } catch (err) {
    const reason = err instanceof CannotInstallError ? err.reason : String(err);
    throw new ChromiumUnavailableError(`${missing}, and it could not be installed (${reason}); ${HOW_TO_GET}.`);
  }
  const installed = findChromium();
  if (!installed) throw new ChromiumUnavailableError(`${missing}, and after installing Debian's chromium there is still no ${DEBIAN_CHROMIUM}; ${HOW_TO_GET}.`);
  log(`installed chromium at ${installed}`);
  await ensureCjkFont(log);
  return installed;
}

/** Debian's Chinese font: the console's Chinese pages (and their screenshots) in glyphs, not boxes. */
const CJK_FONT_PACKAGE = 'fonts-wqy-zenhei';

/**
 * Installs a Chinese font when fontconfig knows none. Best effort: without one, the pages work and
 * the specs pass, but Chinese text renders as empty boxes, so a failure is logged, not thrown.
 */
async function ensureCjkFont(log: (line: string) => void): Promise<void> {
  if (!onPath('fc-list')) return;
  const known = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  if (known.status !== 0 || known.stdout.trim() !== '') return;
  if (installBlocker()) return log(`no Chinese font is installed, so Chinese pages render as boxes (install ${CJK_FONT_PACKAGE})`);
  log(`installing a Chinese font (${CJK_FONT_PACKAGE}) for the console's Chinese pages…`);
  await installDebianPackage(CJK_FONT_PACKAGE).catch((err: unknown) => log(`could not install ${CJK_FONT_PACKAGE}: ${err instanceof CannotInstallError ? err.reason : String(err)}`));
}
