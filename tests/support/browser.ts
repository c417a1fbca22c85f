import { inject } from 'vitest';

/** What the integration global setup hands the browser specs: Chromium's path, or why there is none. */
export type BrowserForSpecs = { path: string } | { error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    chromium: BrowserForSpecs;
  }
}

/** The Chromium executable the global setup found or installed; throws its sentence when there is none. */
export function chromiumPath(): string {
  const chromium = inject('chromium') as BrowserForSpecs | undefined;
  if (!chromium) throw new Error('Chromium is provided by the integration global setup (tests/support/global-setup.ts), which did not run for this spec; run it in the integration project.');
  if ('error' in chromium) throw new Error(chromium.error);
  return chromium.path;
}
