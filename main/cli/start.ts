// `npm start [-- FILE...]`: the desktop app where Electron's runtime is installed; otherwise one line
// saying so, then browser mode (the same UI served on 127.0.0.1) with the URL printed.
// No files: the demo capture set from fixtures/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ROOT, demoCaptures, startBrowserMode } from '../server/browser-mode';

/**
 * Path of the Electron executable, or null when its runtime is not installed (the postinstall step,
 * scripts/electron-runtime.mjs, could not download it). `require('electron')` is that path, as the
 * electron package itself reports it (ELECTRON_OVERRIDE_DIST_PATH included); it throws when the
 * runtime was never installed.
 */
export function electronBinary(): string | null {
  try {
    const bin: unknown = createRequire(join(ROOT, 'package.json'))('electron');
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const RUNTIME_MISSING =
  "Electron's runtime is not installed here (its download failed at npm install; `node scripts/electron-runtime.mjs` tries again), so Tunnelvision runs in browser mode.\n";

export async function run(args: string[]): Promise<number> {
  let port: number | undefined;
  let forceBrowser = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--port') port = Number(args[++i]);
    else if (a === '--browser') forceBrowser = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: tunnelvision start [--browser] [--port N] [FILE...]\n');
      return 0;
    } else files.push(resolve(a));
  }
  const missing = files.filter((f) => !existsSync(f));
  for (const f of missing) process.stderr.write(`tunnelvision: ${f}: no such file (the others still open)\n`);
  const open = files.length ? files : demoCaptures();
  if (!files.length && !open.length) process.stdout.write('No demo captures found in fixtures/captures/: use File > Open captures.\n');

  const electron = forceBrowser ? null : electronBinary();
  if (electron) {
    const { buildAll } = await import('../app/build');
    await buildAll();
    const child = spawn(electron, [ROOT, '--', ...open], { stdio: 'inherit' });
    return await new Promise<number>((res) => child.on('exit', (code) => res(code ?? 0)));
  }
  if (!forceBrowser) process.stdout.write(RUNTIME_MISSING);
  const mode = await startBrowserMode({ files: open, port, log: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`Open ${mode.url}\n`);
  await new Promise<void>((res) => {
    process.once('SIGINT', () => res());
    process.once('SIGTERM', () => res());
  });
  await mode.close();
  return 0;
}
