// Vitest global setup: the end-to-end tests run the built app (browser mode serves out/renderer, the
// Electron test launches out/main as `npm start` does, after the same buildAll). It is built here, once,
// before any test file starts, because test files run side by side: two of them building into out/
// at once, or one emptying out/renderer while another serves it, would fail either. Skipped when
// out/ is newer than every source it is built from.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { APP_OUT, buildAll } from '../main/app/build';
import { ROOT } from '../main/server/browser-mode';

/** What the app is built from: the sources electron-vite reads (and the config naming the dependencies). */
const SOURCES = ['main', 'preload', 'renderer', 'common', 'electron.vite.config.ts', 'package.json'];
/** One file of each part of the build. */
const OUTPUTS = ['main/index.js', 'preload/index.cjs', 'renderer/index.html'];

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let n = st.mtimeMs;
  for (const e of readdirSync(path)) n = Math.max(n, newest(join(path, e)));
  return n;
}

export function appIsStale(): boolean {
  const outs = OUTPUTS.map((f) => join(APP_OUT, f));
  if (!outs.every((f) => existsSync(f))) return true;
  const built = Math.min(...outs.map((f) => statSync(f).mtimeMs));
  return SOURCES.some((s) => newest(join(ROOT, s)) > built);
}

export default async function setup(): Promise<void> {
  if (!appIsStale()) return;
  // A production build, as `npm start` makes it: vitest sets NODE_ENV to 'test', which would give
  // React's development JSX runtime (buildRenderer in main/server/browser-mode.ts does the same).
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await buildAll();
  } finally {
    if (env === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = env;
  }
}
