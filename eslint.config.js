// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.stack/**', '.bench/**', 'events/schema/**'] },
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
  {
    files: ['src/domain/**', 'events/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/infra/**', 'kafkajs', 'ioredis', 'bullmq', 'fastify', 'pino', 'node:*'], message: 'The domain is pure: no I/O.' },
          ],
        },
      ],
    },
  },
);
