import { defineConfig } from 'vitest/config';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/cli-bundle.setup.mjs', 'test/app-build.setup.ts', 'test/sessions.setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is a worker less than there are cores: one file at a time on two cores. Many
    // files here wait on other processes (tshark, Chromium, the random lab's namespaces), so two at a
    // time keep both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default'],
  },
});
