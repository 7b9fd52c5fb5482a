// One type-aware linter for the whole tree; import boundaries keep each file where it runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'worker_threads', 'electron'];
const restrict = (extraPatterns) => ['error', { paths: nodeBuiltins, patterns: ['node:*', ...extraPatterns] }];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      'desktop-app/build/**',
      'desktop-app/release/**',
      'eslint.config.js',
      '**/*.min.js',
      // Files that break the boundary rules on purpose; scripts/test/lint-boundaries.test.ts lints them.
      'desktop-app/test/lint-fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // protocol/ is pure and isomorphic: no Node built-ins, no Electron, nothing from the app or the relay.
    files: ['protocol/src/**/*.ts', 'desktop-app/test/lint-fixtures/protocol-*.ts'],
    rules: {
      'no-restricted-imports': restrict(['@circle/relay-server*', '@circle/desktop-app*', '**/relay-server/**', '**/desktop-app/**']),
    },
  },
  {
    // The renderer and client core run in a browser context: no Node, no Electron, nothing from main/ or preload/.
    files: ['desktop-app/src/renderer/**/*.ts', 'desktop-app/src/core/**/*.ts', 'desktop-app/test/lint-fixtures/renderer-*.ts'],
    rules: {
      'no-restricted-imports': restrict(['@circle/relay-server*', '**/main/**', '**/preload/**', '**/web/**']),
    },
  },
  {
    files: ['relay-server/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['electron', '@circle/desktop-app*'] }] },
  },
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
