#!/usr/bin/env node
// The `cs` command. Runs the compiled code when built (containers), else the TypeScript sources via
// tsx; CS_FROM_SOURCES=1 insists on the sources (the specs set it, so a stale dist/ cannot answer).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
let cli;
if (existsSync(compiled) && process.env.CS_FROM_SOURCES !== '1') {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
await cli.main(process.argv);
process.exit(process.exitCode ?? 0);
