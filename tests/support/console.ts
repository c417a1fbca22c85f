import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { consoleDir } from '../../src/api/console.ts';

/** What the browser specs of the web console (console/) share: its build, axe-core, screenshots. */
const root = resolve(import.meta.dirname, '../..');

/** `npm test` builds the console first (pretest); a spec run on its own builds it when the sources are newer. */
export function buildConsoleIfStale(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  const sources = Math.max(newest(join(root, 'console/src')), newest(join(root, 'console/public')), ...['index.html', 'vite.config.ts'].map((f) => statSync(join(root, 'console', f)).mtimeMs));
  let built = 0;
  try {
    built = statSync(join(consoleDir(), 'index.html')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built < sources) execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', 'console', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const { axe: inPage } = globalThis as unknown as { axe: typeof axe };
    const result = await inPage.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`);
}

/**
 * A picture of the page for the README (docs/) with UPDATE_SCREENSHOTS=1; otherwise into .stack/
 * screenshots (ignored), so a test run leaves the work tree as it found it. A modal dialog is shot
 * as the window shows it (`fullPage: false`): a full-page shot stretches the page past the window,
 * and the dialog's backdrop then covers only part of it.
 */
export async function screenshot(page: Page, name: string, { fullPage = true }: { fullPage?: boolean } = {}): Promise<void> {
  const dir = join(root, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : '.stack/screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name), fullPage });
}
