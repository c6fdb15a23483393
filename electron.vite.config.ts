import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * What the main process loads from node_modules at run time instead of bundling: this package's
 * `dependencies` (DuckDB's native binding, playwright-core, pcap-parser...) and their subpaths.
 * electron-vite reads them from the package.json of the current directory, so they are named here
 * from this file's own: `tunnelvision start` run from another folder builds the same app.
 */
const RUNTIME_DEPS = Object.keys(
  (JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {},
);

// Root-level main/, preload/ and renderer/ folders instead of electron-vite's src/ defaults.
export default defineConfig({
  main: {
    root: __dirname,
    build: {
      outDir: 'out/main',
      externalizeDeps: { include: RUNTIME_DEPS },
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'main/app/index.ts'),
          // The backend's worker thread (captures are read and analysed there, off the main thread).
          'backend-worker': resolve(__dirname, 'main/backend/worker-main.ts'),
          // The backend's analysis worker (the cluster analysis, so the backend keeps answering); found beside backend-worker.js.
          'analysis-worker': resolve(__dirname, 'main/backend/analysis-worker-main.ts'),
          // The reading threads of a big capture set (main/topology/set-read-pool.ts); found beside backend-worker.js.
          'set-read-worker': resolve(__dirname, 'main/topology/set-read-worker.ts'),
        },
        // ES modules, as package.json's "type" says (electron-vite also reads that from the current directory).
        output: { format: 'es' },
      },
    },
  },
  preload: {
    root: __dirname,
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be one CommonJS file, with nothing loaded from node_modules.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rolldownOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
