// Lint: type-aware rules where they catch real bugs (floating promises), the Temporal rule that
// workflow code must not import Node built-ins or I/O modules, and no import cycles.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const INFRASTRUCTURE = ['./src/lake', './src/kafka', './src/temporal', './src/state-store'];
const APPLICATION = ['./src/activities', './src/workflows', './src/bridge', './src/dlq', './src/dashboard', './src/simulator', './src/report', './src/stack'];
const ENTRIES = ['./src/cli', './src/workers'];

export default tseslint.config(
  { ignores: ['node_modules/', '.stack/', '.stack-*/', 'dist/', 'test-artifacts/', 'src/dashboard/public/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A cycle of runtime imports makes one module see another half-initialised, depending on which
    // is loaded first. The rule leaves type-only imports out (they are erased at run time);
    // test/unit/import-cycles.test.ts checks cycles with them included.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Layers (docs/design.md §1): imports run only downward. contract/ is the ground floor;
    // domain/, schemas/, reference/ are pure logic; lake/, kafka/, temporal/, state-store/ are the
    // clients and formats; the application folders use them; cli/ and workers/ are the entries.
    // Type imports count too: a type from a higher layer ties the lower one to it all the same.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', {
        basePath: import.meta.dirname,
        zones: [
          {
            target: './src/contract',
            from: './src',
            except: ['./contract'],
            message: 'contract/ is the ground floor: it imports nothing from src/.',
          },
          {
            target: './src/workflows',
            from: './src',
            // domain/quality-episodes.ts is the one pure decision a workflow runs itself: the topic's
            // quality-alerts workflow decides episodes in its own (deterministic) code, so that one
            // sender per topic exists (docs/design.md §3).
            except: ['./contract', './workflows', './activities/index.ts', './domain/quality-episodes.ts'],
            message: 'Workflow code imports only contract/ (and the Activities type from activities/index.ts, and the pure quality-episode decision).',
          },
          {
            target: ['./src/domain', './src/schemas', './src/reference'],
            from: [...INFRASTRUCTURE, ...APPLICATION, ...ENTRIES, './src/logger.ts', './src/metrics.ts', './src/startup.ts'],
            message: 'domain/, schemas/ and reference/ are pure: no clients, no I/O, nothing from the layers above.',
          },
          {
            target: INFRASTRUCTURE,
            from: [...APPLICATION, ...ENTRIES],
            message: 'lake/, kafka/, temporal/ and state-store/ are below the application folders.',
          },
          {
            target: [...INFRASTRUCTURE, ...APPLICATION.filter((dir) => dir !== './src/report')],
            from: ENTRIES,
            message: 'cli/ and workers/ are entry points: nothing below imports them.',
          },
          {
            target: './src/report',
            from: './src/cli',
            except: ['./format.ts'],
            message: 'report/ takes only the table formatter from cli/.',
          },
          { target: './src/report', from: './src/workers', message: 'workers/ is an entry point: nothing below imports it.' },
        ],
      }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http'], message: 'Workflow code must be deterministic: no Node built-ins.' },
          { group: ['**/activities/*', '!**/activities/types*'], message: 'Import activities as types only (import type).', allowTypeImports: true },
        ],
      }],
    },
  },
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
