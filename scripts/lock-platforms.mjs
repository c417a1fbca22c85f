#!/usr/bin/env node
// Restores the lock file entries of platform binaries the registry mirror of our build machines
// does not carry (msgpackr-extract's macOS, Windows and 32-bit ARM builds, optional deps of BullMQ's
// msgpackr). `npm install` there drops them, and `npm ci` then refuses the lock as out of sync;
// these entries are what the public registry would have written. They are optional and for other
// platforms, so nothing is fetched for them here. Run after `npm install`: npm run lock:platforms
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const platform = { darwin: 'darwin', linux: 'linux', win32: 'win32' };
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  if (!path.endsWith('node_modules/msgpackr-extract')) continue;
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `${path.slice(0, -'msgpackr-extract'.length)}${name}`;
    if (lock.packages[key]) continue;
    const [, os, cpu] = /msgpackr-extract-(darwin|linux|win32)-(\w+)$/.exec(name) ?? [];
    if (!os) continue;
    lock.packages[key] = { version, cpu: [cpu], license: 'MIT', optional: true, os: [platform[os]] };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock:platforms: added ${added} entries`);
