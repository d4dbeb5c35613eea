// Lint for every workspace: eslint's recommended rules plus typescript-eslint's, without type-aware rules
// (those need a full program per file and double the run time; `tsc --noEmit` already type-checks).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.tap/**', 'image/build/**', 'build/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Build scripts run on Node outside TypeScript's view.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['phone/public/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', self: 'readonly', navigator: 'readonly', fetch: 'readonly', crypto: 'readonly', indexedDB: 'readonly', location: 'readonly', caches: 'readonly', console: 'readonly' } },
  },
);
