// Browser mode end to end: build the renderer if needed, start the backend worker, serve the UI and
// the contract on 127.0.0.1, open the given captures. Used by `npm start` (where Electron's runtime
// is missing) and by the end-to-end tests.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackend } from '../backend/client';
import type { ReadLimits } from '../engine/readers/budget';
import { shellApi } from '../backend/shell';
import { wiresharkPath } from '../backend/wireshark';
import { uploadsFolder, type Backend } from '../backend/api';
import { FileAccess } from './access';
import { startServer, type RunningServer } from './server';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_OUT = join(ROOT, 'out', 'renderer');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** True when out/renderer is missing or older than the renderer's (or the contract's) sources. */
export function rendererIsStale(): boolean {
  const index = join(RENDERER_OUT, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return newestMtime(join(ROOT, 'renderer')) > built || newestMtime(join(ROOT, 'common')) > built;
}

/** Builds the renderer with the project's own electron-vite config (its `renderer` section). */
export async function buildRenderer(log: (line: string) => void = () => {}): Promise<void> {
  const { build } = await import('vite');
  const { loadConfigFromFile } = await import('electron-vite');
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(ROOT, 'electron.vite.config.ts'), ROOT, 'warn');
  const renderer = (loaded.config as { renderer?: Record<string, unknown> }).renderer;
  if (!renderer) throw new Error('electron.vite.config.ts has no renderer section');
  log('building the user interface (first run only)...');
  const b = (renderer.build ?? {}) as Record<string, unknown>;
  // A production build whatever NODE_ENV the caller runs under (vitest sets 'test', which would
  // give React's development JSX runtime).
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      ...renderer,
      build: { ...b, emptyOutDir: true, chunkSizeWarningLimit: 4096 },
      configFile: false,
      logLevel: 'error',
      mode: 'production',
    });
  } finally {
    if (env === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = env;
  }
}

export interface BrowserMode {
  readonly url: string;
  readonly server: RunningServer;
  readonly backend: Backend;
  close(): Promise<void>;
}

export async function startBrowserMode(opts: {
  files: string[];
  allowDirs?: string[];
  port?: number;
  token?: string;
  limits?: Partial<ReadLimits>;
  log?: (line: string) => void;
}): Promise<BrowserMode> {
  const log = opts.log ?? (() => {});
  const tempDir = mkdtempSync(join(tmpdir(), 'tunnelvision-'));
  // The backend's worker starts on its first call: listening comes first, so a busy port fails at once.
  const backend = startBackend({
    shell: 'browser',
    recentFile: join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'tunnelvision', 'recent.json'),
    limitsFile: join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'tunnelvision', 'limits.json'),
    tempDir,
    sessionDir: join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'tunnelvision', 'sessions'),
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  let server: RunningServer | null = null;
  const api = shellApi(
    backend,
    {
      chooseFiles: async () => null,
      async deliverExport(file, name, packets, kind) {
        const ws = kind === 'pcapng' ? wiresharkPath() : null;
        if (ws && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY)) {
          spawn(ws, [file], { detached: true, stdio: 'ignore' }).unref();
          return { kind: 'wireshark', path: file, packets };
        }
        return { kind: 'download', name, url: server!.offerDownload(file, name), packets };
      },
      uploaded: (id) => server!.uploaded(id),
    },
    tempDir,
  );
  const files = opts.files.map((f) => resolve(f));
  const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
  // What the token opens: the files given now (a folder given as a set: everything in it), --allow-dir folders, uploads.
  const access = new FileAccess({
    files: files.filter((f) => !isDir(f)),
    dirs: [...files.filter(isDir), ...(opts.allowDirs ?? []).map((d) => resolve(d))],
  });
  try {
    server = await startServer({
      api,
      events: backend,
      rendererDir: RENDERER_OUT,
      port: opts.port,
      token: opts.token,
      uploadDir: uploadsFolder(tempDir),
      access,
    });
    if (rendererIsStale()) await buildRenderer(log);
  } catch (e) {
    await server?.close();
    await backend.close();
    rmSync(tempDir, { recursive: true, force: true });
    throw e;
  }
  if (files.length) await backend.openCaptures({ paths: files, append: false });
  return {
    url: server.url,
    server,
    backend,
    async close() {
      await server.close();
      await backend.close();
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * The demo capture set `npm start` opens with no arguments: the first cluster of the fixture lab's
 * manifest (one cluster: several clusters in one analysis would mix unrelated nodes), else every
 * capture in fixtures/captures/.
 */
export function demoCaptures(): string[] {
  const dir = join(ROOT, 'fixtures', 'captures');
  if (!existsSync(dir)) return [];
  try {
    const m = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'manifest.json'), 'utf8')) as {
      clusters?: { name: string }[];
      captures?: { file: string; cluster: string }[];
    };
    const first = m.clusters?.[0]?.name;
    const files = (m.captures ?? [])
      .filter((c) => c.cluster === first)
      .map((c) => join(dir, c.file))
      .filter((p) => existsSync(p));
    if (files.length) return files.sort();
  } catch {
    /* no manifest: take the folder as it is */
  }
  return readdirSync(dir)
    .filter((n) => /\.(pcap|pcapng|cap)\d*(\.gz)?$/i.test(n))
    .sort()
    .map((n) => join(dir, n));
}

export const describeFiles = (files: string[]): string => files.map((f) => basename(f)).join(', ');
