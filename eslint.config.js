// Lint, with the house's layer rule: the folder says where code runs (see ARCHITECTURE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layerMessage = {
  mainToElectron: 'main/ runs in plain Node: it never imports electron (only app/ does).',
  mainToRenderer: 'main/ never imports renderer/ code.',
  rendererToMain: 'renderer/ may import only main/contract/ (types and the route table) from main/.',
  contractToOthers: 'main/contract/ is shared with the renderer: it imports only zod and other contract files.',
  appToRenderer: 'app/ never imports renderer/ code; it loads the built UI.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'tools/.work/**', 'bench/.work/**', '**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: layerMessage.mainToElectron },
            { regex: '(^|/)renderer(/|$)', message: layerMessage.mainToRenderer },
          ],
        },
      ],
    },
  },
  {
    files: ['main/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: layerMessage.contractToOthers },
            { regex: '^\\.\\./', message: layerMessage.contractToOthers },
            { group: ['electron', 'electron/*'], message: layerMessage.mainToElectron },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)main/(?!contract(/|$))', message: layerMessage.rendererToMain },
            { regex: '^(\\.\\./)+(app|tools|bench|e2e|test)(/|$)', message: layerMessage.rendererToMain },
            { group: ['electron', 'electron/*'], message: 'renderer/ talks to main only through the transport (preload bridge).' },
            { regex: '^node:', message: 'renderer/ runs in a sandboxed page: no Node built-ins.' },
          ],
        },
      ],
    },
  },
  {
    files: ['app/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)renderer(/|$)', message: layerMessage.appToRenderer }] }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
