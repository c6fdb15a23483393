// `npm start [-- FILE...]`: the desktop app where Electron's runtime is installed; otherwise one line
// saying so, then browser mode (the same UI served on 127.0.0.1) with the URL printed.
// No files: the demo capture set from fixtures/.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, demoCaptures, startBrowserMode } from '../server/browser-mode';

/** Path of the Electron executable, or null when its runtime was never downloaded. */
export function electronBinary(): string | null {
  const pkg = join(ROOT, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const bin = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

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
  if (!forceBrowser) process.stdout.write("Electron's runtime is not installed here (its binary could not be downloaded), so Tunnelvision runs in browser mode.\n");
  const mode = await startBrowserMode({ files: open, port, log: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`Open ${mode.url}\n`);
  await new Promise<void>((res) => {
    process.once('SIGINT', () => res());
    process.once('SIGTERM', () => res());
  });
  await mode.close();
  return 0;
}
