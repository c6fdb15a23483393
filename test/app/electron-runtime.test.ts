// The postinstall step that fetches Electron's runtime (scripts/electron-runtime.mjs), run against
// a copy of the electron package in a scratch project, with Electron's real installer: from a mirror
// on 127.0.0.1 serving a stand-in zip (the runtime gets installed), from a mirror that refuses the
// connection and from one that never answers (one line, exit 0, no runtime).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../e2e/scenario';
import { describeNeeding } from '../tools';

const SCRIPT = join(ROOT, 'scripts', 'electron-runtime.mjs');
const ELECTRON = join(ROOT, 'node_modules', 'electron');
const version = (JSON.parse(readFileSync(join(ELECTRON, 'package.json'), 'utf8')) as { version: string }).version;
const platform = process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'win32' : 'linux';
const zipName = `electron-v${version}-${platform}-${process.arch}.zip`;

/** A scratch project whose node_modules/electron is a fresh copy (no runtime) of the real package. */
function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tv-electron-runtime-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"scratch","version":"0.0.0","private":true}\n');
  const pkg = join(dir, 'node_modules', 'electron');
  mkdirSync(pkg, { recursive: true });
  for (const f of ['package.json', 'install.js', 'index.js', 'checksums.json']) copyFileSync(join(ELECTRON, f), join(pkg, f));
  // The installer's own dependencies resolve from the project's node_modules.
  mkdirSync(join(dir, 'node_modules', '@electron'));
  symlinkSync(join(ROOT, 'node_modules', '@electron', 'get'), join(dir, 'node_modules', '@electron', 'get'));
  symlinkSync(join(ROOT, 'node_modules', 'extract-zip'), join(dir, 'node_modules', 'extract-zip'));
  return dir;
}

/** Runs the postinstall script (asynchronously: the mirror answers from this same process). */
function postinstall(cwd: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { PATH: process.env.PATH ?? '', HOME: cwd, electron_config_cache: join(cwd, 'cache'), ...env },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, ms: Date.now() - t0 });
    });
  });
}

describeNeeding(['zip'], 'postinstall: Electron runtime', () => {
  let server: Server;
  let base = '';
  let hung: Server;
  let hungBase = '';
  let zip: Buffer;
  const scratch: string[] = [];
  const project = () => {
    const d = scratchProject();
    scratch.push(d);
    return d;
  };

  beforeAll(async () => {
    // A stand-in runtime: an executable named as Electron's, plus the version file the installer checks.
    const src = mkdtempSync(join(tmpdir(), 'tv-electron-zip-'));
    scratch.push(src);
    writeFileSync(join(src, 'electron'), '#!/bin/sh\necho stand-in electron\n');
    chmodSync(join(src, 'electron'), 0o755);
    writeFileSync(join(src, 'version'), `v${version}`);
    execFileSync('zip', ['-q', join(src, zipName), 'electron', 'version'], { cwd: src });
    zip = readFileSync(join(src, zipName));
    const sums = `${createHash('sha256').update(zip).digest('hex')} *${zipName}\n`;
    server = createServer((req, res) => {
      if (req.url === `/v${version}/${zipName}`) res.end(zip);
      else if (req.url === `/v${version}/SHASUMS256.txt`) res.end(sums);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // Accepts connections and never answers.
    hung = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    hungBase = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    hung?.closeAllConnections();
    await new Promise((r) => hung?.close(r));
    await new Promise((r) => server?.close(r));
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('installs the runtime when the download works, and says the desktop window is available', async () => {
    const dir = project();
    // The stand-in is not Electron's real zip, so its checksum comes from the mirror, not checksums.json.
    const r = await postinstall(dir, { ELECTRON_MIRROR: base, electron_use_remote_checksums: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['tunnelvision: Electron runtime installed: `npm start` opens the desktop window.']);
    const bin = join(dir, 'node_modules', 'electron', 'dist', 'electron');
    expect(readFileSync(join(dir, 'node_modules', 'electron', 'path.txt'), 'utf8')).toBe('electron');
    expect(execFileSync(bin, { encoding: 'utf8' })).toBe('stand-in electron\n');
    // Run again with the runtime present: nothing to do, nothing printed.
    const again = await postinstall(dir, { ELECTRON_MIRROR: 'http://127.0.0.1:1/' });
    expect(again).toMatchObject({ status: 0, stdout: '' });
  });

  it('prints one line and exits 0 when the download fails', async () => {
    const dir = project();
    // Port 1 on loopback: the connection is refused at once.
    const r = await postinstall(dir, { ELECTRON_MIRROR: 'http://127.0.0.1:1/' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^tunnelvision: Electron's runtime could not be installed \(.*ECONNREFUSED.*\): the desktop shell is unavailable, `npm start` will use browser mode\.$/,
    );
    expect(existsSync(join(dir, 'node_modules', 'electron', 'path.txt'))).toBe(false);
  });

  it('gives up after its time bound when the mirror never answers', async () => {
    const dir = project();
    const r = await postinstall(dir, { ELECTRON_MIRROR: hungBase, TUNNELVISION_ELECTRON_TIMEOUT: '2' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^tunnelvision: Electron's runtime could not be installed \(no answer within 2 s; .*browser mode\.\n$/);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('says so when the download is switched off', async () => {
    const r = await postinstall(project(), { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\(ELECTRON_SKIP_BINARY_DOWNLOAD is set\): the desktop shell is unavailable/);
  });
});
