import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import noProgramStrings from './eslint-rules/no-program-strings.js';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.wrangler/',
      'test-artifacts/',
      'bench-results/',
      'worker-configuration.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // Scripts and stylesheets live in files of their own (src/client/, *.css), not in strings.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    plugins: { local: { rules: { 'no-program-strings': noProgramStrings } } },
    rules: { 'local/no-program-strings': ['error', { max: 2000 }] },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        fetch: 'readonly',
      },
    },
  },
);
