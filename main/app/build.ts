// Builds the whole app (main, preload, renderer) with electron-vite before `npm start` launches
// Electron, so a fresh clone runs without a separate build step.
import { join } from 'node:path';
import { ROOT } from '../server/browser-mode';

export async function buildAll(): Promise<void> {
  const { build } = await import('electron-vite');
  await build({ root: ROOT, configFile: join(ROOT, 'electron.vite.config.ts'), logLevel: 'warn' });
}
