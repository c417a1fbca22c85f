// Build step after tsc: copies every Redis Lua script under src/ to the same place under dist/src/,
// where the compiled modules read them (`new URL('./x.lua', import.meta.url)`). Plain Node, no
// dependency: `node scripts/copy-lua.mjs`.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'src');
const to = join(root, 'dist', 'src');

const scripts = readdirSync(from, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.lua'));
for (const file of scripts) {
  mkdirSync(dirname(join(to, file)), { recursive: true });
  copyFileSync(join(from, file), join(to, file));
}
console.log(`copied ${scripts.length} Lua script(s) to dist/src: ${scripts.join(', ')}`);
