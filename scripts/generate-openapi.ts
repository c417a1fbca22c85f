// Writes docs/openapi.json from the routes as the API registers them (npm run openapi). The unit
// suite fails when the checked-in file differs from what this would write.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderOpenApi } from '../src/api/docs/document.ts';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
await writeFile(target, await renderOpenApi());
console.log('wrote docs/openapi.json');
