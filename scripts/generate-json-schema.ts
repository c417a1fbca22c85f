// Writes events/schema/ from the zod schemas (npm run events:schema). The unit suite fails when the
// checked-in files differ from what this would write.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSchemaFiles } from '../events/json-schema.ts';

const schemaDir = fileURLToPath(new URL('../events/schema/', import.meta.url));

async function main(): Promise<void> {
  const files = renderSchemaFiles();
  await mkdir(schemaDir, { recursive: true });
  const wanted = new Set(files.map((f) => f.name));
  // Generated files of types no longer in the catalogue would mislead adapter authors.
  for (const name of await readdir(schemaDir)) {
    if (name.endsWith('.json') && !wanted.has(name)) await rm(join(schemaDir, name));
  }
  for (const file of files) await writeFile(join(schemaDir, file.name), file.content);
  console.log(`wrote ${files.length} files to events/schema/`);
}

await main();
