// @ts-check
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * What the pure layers may import: src/domain imports src/domain, events/ and zod; events/ imports
 * events/ and zod. Nothing else (no packages, no `node:*`, no relative path out to the rest of the
 * tree). `no-restricted-imports` matches the import text, not the resolved file, so how far a
 * relative import may climb depends on how deep the importing file sits: one block per depth.
 */
const NO_IO = 'This layer is pure (docs/DESIGN.md, The one rule and Time): no node:* modules, no I/O.';
/** Files nested deeper than this under src/domain or events/ get a rule that forbids every `../`. */
const MAX_DEPTH = 4;

/**
 * `no-restricted-imports` for a file `depth` folders below `root` (src/domain or events).
 * @param {{ root: string, rootUp: number, also: string | null, allowed: string }} layer
 *   rootUp: how many `../` lead from `root` to the repository; also: a folder at the repository
 *   root the layer may import besides itself (events), or null; allowed: the message's wording.
 * @param {number | null} depth null: deeper than MAX_DEPTH, every climb is refused.
 * @param {string[]} packages the packages it may import.
 */
function importRule(layer, depth, packages = ['zod']) {
  const only = `This layer is pure (docs/DESIGN.md, The one rule and Time): the only package${packages.length > 1 ? 's' : ''} it may import ${packages.length > 1 ? 'are' : 'is'} ${packages.join(', ')}.`;
  const outside = `imports only ${layer.allowed}: nothing above ${layer.root}/ (docs/DESIGN.md, The one rule).`;
  const climb =
    depth === null
      ? '^(?:\\./)*\\.\\./'
      : layer.also === null
        ? `^(?:\\./)*(?:\\.\\./){${depth + 1}}`
        : `^(?:\\./)*(?:\\.\\./){${depth + 1}}(?!(?:\\.\\./){${layer.rootUp - 1}}${layer.also}(?:/|$))`;
  return [
    'error',
    {
      patterns: [
        { regex: '^node:', message: NO_IO },
        // A package: neither relative nor absolute, not node:*, not an allowed one (or its subpath).
        { regex: `^(?![./]|node:|(?:${packages.join('|')})(?:/|$))`, message: only },
        { regex: '^/', message: `${layer.root}/ ${outside}` },
        {
          regex: climb,
          message:
            depth === null
              ? `${layer.root}/ ${outside} (This file is nested deeper than MAX_DEPTH in eslint.config.js: raise it.)`
              : `${layer.root}/ ${outside}`,
        },
        // `a/../..`: a `..` after a named folder would walk past the check above; write the path plainly.
        { regex: '(?:^|/)(?!\\.\\.?/)[^/]+/\\.\\.(?:/|$)', message: `${layer.root}/ ${outside} Write relative paths without inner '..'.` },
      ],
    },
  ];
}

const domain = { root: 'src/domain', rootUp: 2, also: 'events', allowed: 'src/domain/, events/ and zod' };
const events = { root: 'events', rootUp: 1, also: null, allowed: 'events/ and zod' };

/** One block per depth (plus one for anything deeper) for each pure layer. */
const pureImports = [
  ...[domain, events].flatMap((layer) => [
    { files: [`${layer.root}/**`], rules: { 'no-restricted-imports': importRule(layer, null) } },
    ...Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => ({
      files: [`${layer.root}/${'*/'.repeat(depth)}*`],
      rules: { 'no-restricted-imports': importRule(layer, depth) },
    })),
  ]),
  {
    // The one exception: `randomEventId()` (a nanoid) for facts without a provider id, used by
    // `createEvent` and the doors. Producers call it; the fold never does.
    files: ['events/ids.ts'],
    rules: { 'no-restricted-imports': importRule(events, 0, ['zod', 'nanoid']) },
  },
];

const TIME = 'docs/DESIGN.md, Time';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.stack/**', '.bench/**', 'events/schema/**', 'console/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'The domain takes time from events or an injected clock (see DESIGN.md, Time).',
        },
      ],
    },
  },
  {
    // Only the pure domain and the event contract are bound by the no-clock rule.
    files: ['src/**', 'workers/**', 'scripts/**', 'tests/**', 'bench/**'],
    ignores: ['src/domain/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  // The web console (React): the rules of hooks, and React's own checks of components.
  { files: ['console/src/**/*.{ts,tsx}'], ...reactHooks.configs.flat['recommended-latest'] },
  ...pureImports,
  {
    // Pure means replayable: the same events give the same result, live or years later. So no clock,
    // no randomness and no environment in the domain or the event contract (docs/DESIGN.md, Time).
    files: ['src/domain/**', 'events/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: `Reads the clock: take the time from the event, or have the caller pass it in (${TIME}).` },
        { object: 'Math', property: 'random', message: `Random, so a replay would differ from the live run: derive what you need from the events (${TIME}).` },
        { object: 'process', property: 'env', message: `The environment differs between live and replay: settings come in as arguments (tenant settings, policies) (${TIME}).` },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: `new Date() reads the clock: take the time from the event, or have the caller pass it in; new Date(ms) of an event's time is fine (${TIME}).`,
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: `Date() reads the clock: take the time from the event, or have the caller pass it in (${TIME}).`,
        },
        {
          selector: 'ImportExpression',
          message: 'A dynamic import() is I/O: this layer is pure and imports only what eslint.config.js lets it (docs/DESIGN.md, The one rule).',
        },
      ],
    },
  },
);
