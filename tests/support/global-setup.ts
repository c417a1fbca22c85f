import type { TestProject } from 'vitest/node';
import { ensureChromium } from '../../scripts/stack/chromium.ts';
import { stackDown, stackStatus, stackUp } from '../../scripts/stack/stack.ts';
import type { BrowserForSpecs } from './browser.ts';

/**
 * Integration specs need real Kafka and Redis. When they are not running, bring the local stack
 * up, and take down afterwards only what this run started (KEEP_STACK=1 leaves it up).
 * The browser specs need Chromium: found, or installed from Debian's packages, and handed to them
 * as `inject('chromium')` (see browser.ts); when there is none, only those specs fail, saying why.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('chromium', await browserForSpecs());
  const alreadyUp = await stackStatus();
  if (alreadyUp) return async () => undefined;
  await stackUp();
  return async () => {
    if (process.env.KEEP_STACK !== '1') await stackDown();
  };
}

async function browserForSpecs(): Promise<BrowserForSpecs> {
  try {
    return { path: await ensureChromium({ neededBy: 'the browser specs' }) };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    console.error(`[stack] ${error}`);
    return { error };
  }
}
