// `npm start [-- FILE...]`: the desktop app where Electron's runtime is installed; otherwise one line
// saying so, then browser mode (the same UI served on 127.0.0.1) with the URL printed.
// No files: the demo capture set from fixtures/. One directory holding packets/*.parquet opens as a
// dataset (`tunnelvision export --parquet`), as File > Open dataset does.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ROOT, demoCaptures, startBrowserMode, type BrowserMode } from '../server/browser-mode';
import { LIMITS_ENV, type ReadLimits } from '../engine/readers/budget';
import { limitsUsage, takeLimit } from './limit-args';

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

const USAGE = `usage: tunnelvision start [--browser] [--port N] [--allow-dir DIR]... [--max-bytes SIZE] [--max-packets N] [--max-memory SIZE] [FILE... | DATASET-DIR]
${limitsUsage()}`;

/** A usage error: one line on stderr, exit code 2. */
function usage(message: string): number {
  process.stderr.write(`tunnelvision start: ${message}\n`);
  return 2;
}

const RUNTIME_MISSING =
  "Electron's runtime is not installed here (its download failed at npm install; `node scripts/electron-runtime.mjs` tries again), so Tunnelvision runs in browser mode.\n";

export async function run(args: string[]): Promise<number> {
  let port: number | undefined;
  let forceBrowser = false;
  const files: string[] = [];
  const allowDirs: string[] = [];
  const limits: Partial<ReadLimits> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const limit = takeLimit(a, () => args[++i], limits);
    if (typeof limit === 'string') return usage(limit);
    if (limit) continue;
    if (a === '--port') {
      const v = args[++i];
      if (v === undefined || !/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535)
        return usage(`--port expects a port number from 1 to 65535, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
      port = Number(v);
    } else if (a === '--allow-dir') {
      const v = args[++i];
      if (v === undefined || !existsSync(v) || !statSync(v).isDirectory())
        return usage(`--allow-dir expects an existing folder, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
      allowDirs.push(resolve(v));
    } else if (a === '--browser') forceBrowser = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else if (a.startsWith('-')) return usage(`unknown option ${a}`);
    else files.push(resolve(a));
  }
  const missing = files.filter((f) => !existsSync(f));
  for (const f of missing) process.stderr.write(`tunnelvision: ${f}: no such file (the others still open)\n`);
  const open = files.length ? files : demoCaptures();
  if (!files.length && !open.length) process.stdout.write('No demo captures found in fixtures/captures/: use File > Open captures.\n');

  const electron = forceBrowser ? null : electronBinary();
  if (electron) {
    const { buildAll } = await import('../app/build');
    await buildAll();
    const child = spawn(electron, [ROOT, '--', ...open], {
      stdio: 'inherit',
      env: { ...process.env, [LIMITS_ENV]: JSON.stringify(limits) },
    });
    return await new Promise<number>((res) => child.on('exit', (code) => res(code ?? 0)));
  }
  if (!forceBrowser) process.stdout.write(RUNTIME_MISSING);
  let mode: BrowserMode;
  try {
    mode = await startBrowserMode({ files: open, allowDirs, port, limits, log: (l) => process.stdout.write(`${l}\n`) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return usage(`port ${port} is in use: choose another with --port, or leave --port out for a free one`);
    if (code === 'EACCES') return usage(`port ${port} may not be used by this user: choose another with --port`);
    throw e;
  }
  process.stdout.write(`Open ${mode.url}\n`);
  await new Promise<void>((res) => {
    process.once('SIGINT', () => res());
    process.once('SIGTERM', () => res());
  });
  await mode.close();
  return 0;
}
