import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

// Root-level main/, preload/ and renderer/ folders instead of electron-vite's src/ defaults.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/app/index.ts'),
          // The backend's worker thread (captures are read and analysed there, off the main thread).
          'backend-worker': resolve(__dirname, 'main/backend/worker-main.ts'),
          // The backend's analysis worker (the cluster analysis, so the backend keeps answering); found beside backend-worker.js.
          'analysis-worker': resolve(__dirname, 'main/backend/analysis-worker-main.ts'),
          // The reading threads of a big capture set (main/topology/set-read-pool.ts); found beside backend-worker.js.
          'set-read-worker': resolve(__dirname, 'main/topology/set-read-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be one CommonJS file.
      rollupOptions: { input: { index: resolve(__dirname, 'preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
