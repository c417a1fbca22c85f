import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The domain's lint guard (eslint.config.js) on small sources linted as if they sat under
 * src/domain or events/: each violation is an error, a clean domain file has none.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: root, overrideConfigFile: 'eslint.config.js' });

async function errors(source: string, filePath: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(source, { filePath: `${root}${filePath}` });
  expect(result, filePath).toBeDefined();
  return result!.messages.filter((m) => m.severity === 2).map((m) => ({ rule: m.ruleId, message: m.message }));
}

/** Depth 0 and 1 below src/domain: how far a relative import may climb depends on it. */
const TOP = 'src/domain/__lint__.ts';
const NESTED = 'src/domain/fold/__lint__.ts';

const violations: { name: string; file: string; source: string; rule: string; says: RegExp }[] = [
  { name: 'a relative import out of src/domain (the log)', file: NESTED, source: "import { connect } from '../../log/kafka.ts';\nexport const c = connect;\n", rule: 'no-restricted-imports', says: /nothing above src\/domain/ },
  { name: 'a relative import out of src/domain, from its top folder', file: TOP, source: "import { connect } from '../log/kafka.ts';\nexport const c = connect;\n", rule: 'no-restricted-imports', says: /nothing above src\/domain/ },
  { name: 'a type-only import out of src/domain', file: NESTED, source: "import type { Config } from '../../config/schema.ts';\nexport type C = Config;\n", rule: 'no-restricted-imports', says: /nothing above src\/domain/ },
  { name: 'a re-export from outside src/domain', file: NESTED, source: "export { connect } from '../../log/kafka.ts';\n", rule: 'no-restricted-imports', says: /nothing above src\/domain/ },
  { name: 'a path past events/ to elsewhere', file: NESTED, source: "import { x } from '../../../events/../src/log/kafka.ts';\nexport const y = x;\n", rule: 'no-restricted-imports', says: /without inner/ },
  { name: 'a path that climbs further than the repository', file: NESTED, source: "import { x } from '../../../../events/index.ts';\nexport const y = x;\n", rule: 'no-restricted-imports', says: /nothing above src\/domain/ },
  { name: 'a package other than zod (ioredis)', file: NESTED, source: "import { Redis } from 'ioredis';\nexport const r = Redis;\n", rule: 'no-restricted-imports', says: /only package it may import is zod/ },
  { name: 'a side-effect import of a package', file: NESTED, source: "import 'ioredis';\n", rule: 'no-restricted-imports', says: /only package it may import is zod/ },
  { name: 'node:fs', file: NESTED, source: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", rule: 'no-restricted-imports', says: /no I\/O/ },
  { name: 'a dynamic import()', file: NESTED, source: "export const load = () => import('./conversation.ts');\n", rule: 'no-restricted-syntax', says: /dynamic import/ },
  { name: 'Date.now()', file: NESTED, source: 'export const now = () => Date.now();\n', rule: 'no-restricted-properties', says: /Time/ },
  { name: 'Date.now passed on uncalled', file: NESTED, source: 'export const clock = Date.now;\n', rule: 'no-restricted-properties', says: /Time/ },
  { name: 'new Date()', file: NESTED, source: 'export const now = () => new Date().toISOString();\n', rule: 'no-restricted-syntax', says: /Time/ },
  { name: 'Date() called as a function', file: NESTED, source: 'export const now = () => Date();\n', rule: 'no-restricted-syntax', says: /Time/ },
  { name: 'Math.random()', file: NESTED, source: 'export const pick = () => Math.random();\n', rule: 'no-restricted-properties', says: /Time/ },
  { name: 'process.env.X', file: NESTED, source: 'export const x = () => process.env.X;\n', rule: 'no-restricted-properties', says: /Time/ },
  { name: 'events/ importing src/domain', file: 'events/__lint__.ts', source: "import { ms } from '../src/domain/time.ts';\nexport const m = ms;\n", rule: 'no-restricted-imports', says: /events\/ imports only events\/ and zod/ },
  { name: 'events/types importing src/', file: 'events/types/__lint__.ts', source: "import { ms } from '../../src/domain/time.ts';\nexport const m = ms;\n", rule: 'no-restricted-imports', says: /events\/ imports only events\/ and zod/ },
  { name: 'events/ importing a package other than zod', file: 'events/__lint__.ts', source: "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n", rule: 'no-restricted-imports', says: /only package it may import is zod/ },
  { name: 'events/ reading the clock', file: 'events/__lint__.ts', source: 'export const now = () => new Date();\n', rule: 'no-restricted-syntax', says: /Time/ },
];

describe('the domain lint guard', () => {
  // The first lint loads the config and its plugins: seconds on a busy machine.
  beforeAll(() => eslint.lintText('export {};\n', { filePath: `${root}${NESTED}` }), 60_000);

  it.each(violations)('refuses $name', async ({ file, source, rule, says }) => {
    const found = await errors(source, file);
    expect(found, JSON.stringify(found)).toContainEqual({ rule, message: expect.stringMatching(says) });
  });

  it('accepts a clean domain file: its own folders, events/, zod, a time converted from an event', async () => {
    const source = [
      "import { z } from 'zod';",
      "import type { AnyEvent } from '../../../events/index.ts';",
      "import { channelSchema } from '../../../events/types/message.ts';",
      "import type { Conversation } from '../state.ts';",
      "import { ms } from '../time.ts';",
      "import { newConversation } from './conversation.ts';",
      "export { iso } from '../time.ts';",
      '',
      'export const schema = z.object({ channel: channelSchema });',
      'export const dayOf = (event: AnyEvent) => new Date(ms(event.time)).toISOString().slice(0, 10);',
      "export const startOf = (c: Conversation) => new Date(c.openedAt);",
      'export const fresh = newConversation;',
      '',
    ].join('\n');
    expect(await errors(source, NESTED)).toEqual([]);
  });

  it('accepts a clean file at the top of src/domain and in events/', async () => {
    expect(await errors("import { z } from 'zod';\nimport type { AnyEvent } from '../../events/index.ts';\nimport { iso } from './time.ts';\nexport const s = z.string();\nexport type E = AnyEvent;\nexport const i = iso;\n", TOP)).toEqual([]);
    expect(await errors("import { z } from 'zod';\nimport { idSchema } from './common.ts';\nimport { catalogue } from '../catalogue.ts';\nexport const s = z.object({ id: idSchema });\nexport const c = catalogue;\n", 'events/types/__lint__.ts')).toEqual([]);
  });

  it('binds no other folder: src/log may read the clock and import kafkajs', async () => {
    expect(await errors("import { Kafka } from 'kafkajs';\nexport const k = Kafka;\nexport const now = () => new Date();\n", 'src/log/__lint__.ts')).toEqual([]);
  });
});
