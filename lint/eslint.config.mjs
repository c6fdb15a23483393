// ESLint for the whole repository (the root eslint.config.mjs is this file). Type-aware rules of
// typescript-eslint read the project's own tsconfigs (main/, renderer/) through its project service;
// React's hook rules cover the renderer. Formatting is Prettier's business (.prettierrc.json), not
// ESLint's. This file lives in the lint/ workspace so that its imports resolve to that workspace's
// typescript-eslint and TypeScript 6 (see lint/package.json).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('..', import.meta.url));

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'test-results/**', '.bench/**', '**/node_modules/**', 'lint/eslint.config.mjs', 'eslint.config.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises are awaited, returned, or handed to `void` on purpose (never dropped by accident).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Not for this codebase:
      // - Methods that return a promise are `async` so that a throw becomes a rejection and the
      //   signature says Promise (contract methods, ByteSource readers, shell hooks), with or without
      //   an `await` inside.
      '@typescript-eslint/require-await': 'off',
      // - Callbacks in props and option objects are declared in method syntax (`onSelect(id): void`)
      //   and never use `this`; the rule cannot tell them from class methods, and the classes here
      //   pass no method around unbound.
      '@typescript-eslint/unbound-method': 'off',
      // - Control characters are matched on purpose: capture text is untrusted, and the terminal
      //   output, the reports and the UI replace them before showing it.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      // Rules written for the React Compiler, which this app does not use: its effects set state from
      // what they fetched for a new query or analysis, and the list and graph keep imperative handles
      // (scroll position, the Cytoscape instance) in refs read while rendering.
      'react-hooks/set-state-in-effect': 'off',
      'react-hooks/refs': 'off',
    },
  },
  {
    // Tests compare JSON that external programs print (tshark, the CLI's reports) with expect(),
    // which takes any value: typing each program's output would restate its schema in every test.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
);
