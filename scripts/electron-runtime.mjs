#!/usr/bin/env node
// postinstall: fetches Electron's runtime (its binary) where it can be, so that `npm start` opens
// the desktop window. Electron's own installer (node_modules/electron/install.js) does the download;
// npm is told not to run it itself (package.json `allowScripts`), because its failure would fail the
// whole install. Here it runs under a time bound, and when it fails (no network, a proxy, a mirror
// that does not answer) this prints one line, that the desktop shell is unavailable and `npm start`
// uses browser mode, and exits 0: an install never fails for want of the runtime.
//
// Runs from the project's root (npm runs lifecycle scripts there). Environment:
//   ELECTRON_SKIP_BINARY_DOWNLOAD   Electron's own switch: no download is attempted
//   ELECTRON_MIRROR, ELECTRON_CUSTOM_DIR, electron_config_cache, ...  passed on to Electron's installer
//   TUNNELVISION_ELECTRON_TIMEOUT   seconds the download may take (default 600; the zip is ~100 MB)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const DEFAULT_TIMEOUT_S = 600;
const root = process.cwd();
const require = createRequire(join(root, 'package.json'));

/** The runtime's executable when it is installed, else null (require('electron') is its path). */
function runtime() {
  try {
    const bin = require('electron');
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const say = (line) => process.stdout.write(`tunnelvision: ${line}\n`);
const unavailable = (why) =>
  say(`Electron's runtime could not be installed (${why}): the desktop shell is unavailable, \`npm start\` will use browser mode.`);

function installer() {
  try {
    return require.resolve('electron/install.js');
  } catch {
    return null; // installed without dev dependencies: nothing to fetch
  }
}

/** Runs Electron's installer; resolves with null on success or a one-line reason. */
function runInstaller(script, timeoutS) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      if (err.length < 64 * 1024) err += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`no answer within ${timeoutS} s; TUNNELVISION_ELECTRON_TIMEOUT sets the bound`);
    }, timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(null);
      // The error's first line (e.g. "RequestError: getaddrinfo ENOTFOUND github.com"), not its stack.
      const first = err.split('\n').find((l) => l.trim()) ?? '';
      resolve(first.trim().slice(0, 200) || `installer ${signal ? `killed by ${signal}` : `exit code ${code}`}`);
    });
  });
}

async function main() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    if (!runtime()) unavailable('ELECTRON_SKIP_BINARY_DOWNLOAD is set');
    return;
  }
  const script = installer();
  if (!script) return;
  if (runtime()) return;
  const timeoutS =
    Number(process.env.TUNNELVISION_ELECTRON_TIMEOUT) > 0 ? Number(process.env.TUNNELVISION_ELECTRON_TIMEOUT) : DEFAULT_TIMEOUT_S;
  const failure = await runInstaller(script, timeoutS);
  if (failure) return unavailable(failure);
  if (!runtime()) return unavailable('the installer finished but left no executable');
  say('Electron runtime installed: `npm start` opens the desktop window.');
}

main().then(
  () => process.exit(0),
  (e) => {
    unavailable(e instanceof Error ? e.message : String(e));
    process.exit(0);
  },
);
