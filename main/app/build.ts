// Builds the whole app (main, preload, renderer) with electron-vite before `npm start` launches
// Electron, so a fresh clone runs without a separate build step.
import { join } from 'node:path';
import { ROOT } from '../server/browser-mode';

/** Where the app is built: out/main, out/preload and out/renderer, which Electron loads (package.json's `main`). */
export const APP_OUT = join(ROOT, 'out');

/**
 * Builds main, preload and renderer into `outDir`'s main/, preload/ and renderer/ folders. Only
 * the default `APP_OUT` is what Electron starts; another folder (a test's) leaves it untouched.
 */
export async function buildAll(outDir: string = APP_OUT): Promise<void> {
  const { build } = await import('electron-vite');
  await build({ root: ROOT, configFile: join(ROOT, 'electron.vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}
