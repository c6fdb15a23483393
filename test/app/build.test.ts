// The desktop app's build, what `npm start` runs before it launches Electron (buildAll), checked
// where Electron's runtime is missing: it is built into a scratch folder (out/ stays browser mode's
// and the Electron test's) from another current directory, as `tunnelvision start` may be run. Every
// entry is there; the main process bundles none of its packages (each loads from node_modules at run
// time and is a dependency, so an install without devDependencies has it; playwright-core only when
// a PDF is printed); the preload is one self-contained file; and the built backend worker, started
// as main/app/index.ts starts it, opens captures in plain Node (its analysis worker beside it) and
// answers as the sources do, and the built reading thread reads a file. What needs Electron itself
// (the window, the menu, printToPDF) is left to test/e2e/electron.test.ts.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppState } from '../../common/contract';
import { APP_OUT, buildAll } from '../../main/app/build';
import type { Backend } from '../../main/backend/api';
import { startBackend } from '../../main/backend/client';
import { DEFAULT_LIMITS, ReadBudget } from '../../main/engine/readers/budget';
import { sharedBudgetMemory } from '../../main/engine/readers/shared-budget';
import { demoCaptures, ROOT } from '../../main/server/browser-mode';
import type { PoolReply, PoolSetup } from '../../main/topology/set-read-pool';
import { labNeed, manifest } from '../e2e/scenario';
import { captureCopies, describeNeeding, pageQuery, type CaptureCopies } from '../tools';
import { openBackend, ready } from './helpers';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { type: string; dependencies: Record<string, string> };
const DEPENDENCIES = Object.keys(pkg.dependencies);
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

/** The package a bare module specifier names (`@scope/name/sub` gives `@scope/name`), null for a relative or builtin one. */
function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || BUILTINS.has(spec)) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The module specifiers a built file loads: static imports and re-exports, dynamic import() and require(). */
function specifiersOf(code: string): { spec: string; dynamic: boolean }[] {
  const found: { spec: string; dynamic: boolean }[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\s+(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']/gm))
    found.push({ spec: m[1], dynamic: false });
  for (const m of code.matchAll(/\b(import|require)\s*\(\s*["']([^"']+)["']\s*\)/g)) found.push({ spec: m[2], dynamic: m[1] === 'import' });
  return found;
}

describe('the desktop app build (buildAll) without Electron', () => {
  let out: string;
  let main: string;
  let mainFiles: string[];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tv-app-build-'));
    main = join(out, 'main');
    const cwd = process.cwd();
    const env = process.env.NODE_ENV;
    // electron-vite and Vite read package.json from the current directory: build from one without any.
    process.chdir(out);
    try {
      await buildAll(out);
    } finally {
      process.chdir(cwd);
      if (env === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = env;
    }
    // out/ lies in the project, whose package.json says how Node loads its .js files: the same here.
    writeFileSync(join(out, 'package.json'), JSON.stringify({ type: pkg.type }));
    mainFiles = filesUnder(main);
  }, 300_000);
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('builds every entry the app loads: main, its three workers, the preload and the page', () => {
    expect(out).not.toBe(APP_OUT);
    for (const entry of [
      'main/index.js',
      'main/backend-worker.js',
      'main/analysis-worker.js',
      'main/set-read-worker.js',
      'preload/index.cjs',
      'renderer/index.html',
    ])
      expect(statSync(join(out, entry), { throwIfNoEntry: false })?.size ?? 0, entry).toBeGreaterThan(0);
    // ES modules in .js files, as package.json's "type" and its "main" (out/main/index.js) want.
    expect(readFileSync(join(main, 'index.js'), 'utf8')).toMatch(/^import .* from "electron";$/m);
    expect(mainFiles.filter((f) => !f.endsWith('.js')).map((f) => relative(out, f))).toEqual([]);
    // The page's script and style are there.
    const html = readFileSync(join(out, 'renderer', 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const a of assets) expect(existsSync(join(out, 'renderer', a)), a).toBe(true);
  });

  it('bundles no package into the main process: each is a dependency loaded from node_modules, playwright-core and DuckDB only when used', () => {
    const loads = mainFiles.map((f) => ({ file: relative(out, f), code: readFileSync(f, 'utf8') }));
    // Bundled package code carries its node_modules path in rolldown's module comments; a native module would be a .node file.
    expect(loads.filter((l) => l.code.includes('node_modules/')).map((l) => l.file)).toEqual([]);
    const packages = new Map<string, { file: string; dynamic: boolean }[]>();
    for (const l of loads)
      for (const s of specifiersOf(l.code)) {
        const p = packageOf(s.spec);
        if (p) packages.set(p, [...(packages.get(p) ?? []), { file: l.file, dynamic: s.dynamic }]);
      }
    // Electron is the runtime itself; anything else must be installed with the app.
    const undeclared = [...packages.keys()].filter((p) => p !== 'electron' && !DEPENDENCIES.includes(p));
    expect(undeclared, 'imported by the main process but not in package.json dependencies').toEqual([]);
    for (const lazy of ['playwright-core', '@duckdb/node-api']) {
      // Named by the code that loads it: an import() (playwright-core) or a require made by createRequire (DuckDB's CommonJS packages).
      const named = loads.filter((l) => l.code.includes(`"${lazy}"`) || l.code.includes(`'${lazy}'`));
      expect(named.length, `${lazy} is loaded from node_modules`).toBeGreaterThan(0);
      expect(
        (packages.get(lazy) ?? []).filter((u) => !u.dynamic),
        `${lazy} is loaded only when used`,
      ).toEqual([]);
    }
    // The app's own code, all of it: far below the 6 MB playwright-core alone weighs.
    const bytes = mainFiles.reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes).toBeLessThan(2 << 20);
  });

  it('builds the preload as one file that loads nothing but Electron (a sandboxed preload can load nothing else)', () => {
    const code = readFileSync(join(out, 'preload', 'index.cjs'), 'utf8');
    expect(specifiersOf(code).map((s) => s.spec)).toEqual(['electron']);
    expect(readdirSync(join(out, 'preload'))).toEqual(['index.cjs']);
  });

  it('DuckDB has one binding: the one @duckdb/node-api loads is the one the dataset code imports', async () => {
    const { createRequire } = await import('node:module');
    const fromRoot = createRequire(join(ROOT, 'package.json')).resolve('@duckdb/node-bindings');
    const fromApi = createRequire(createRequire(join(ROOT, 'package.json')).resolve('@duckdb/node-api')).resolve('@duckdb/node-bindings');
    expect(fromApi).toBe(fromRoot);
  });

  describeNeeding([labNeed], 'the built workers in plain Node, on the lab captures', () => {
    let dir: string;
    let lab: CaptureCopies;
    let lab2: CaptureCopies;
    let built: Backend;
    let sources: Backend;
    let state: AppState;
    // A node's underlay (VXLAN), its bridge and its VXLAN device: reading, decoding, attribution and the analysis all run.
    const files = demoCaptures().filter((f) => /a-node1-(eth0|cni0|flannel\.1)\.pcap$/.test(f));

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tv-app-build-run-'));
      lab = captureCopies(files);
      // As main/app/index.ts starts it: the Electron shell's options and the bundled entry.
      built = startBackend(
        {
          shell: 'electron',
          recentFile: join(dir, 'recent.json'),
          limitsFile: join(dir, 'limits.json'),
          tempDir: join(dir, 'temp'),
          sessionDir: join(dir, 'sessions'),
          limits: {},
        },
        join(main, 'backend-worker.js'),
      );
      await built.openCaptures({ paths: lab.files, append: false });
      state = await ready(built, 2400);
      // The same captures through the sources, for what the answers should be (copies of their own: each saves its session beside them).
      lab2 = captureCopies(files);
      sources = await openBackend(join(dir, 'sources'), lab2.files);
    });
    afterAll(async () => {
      await built?.close();
      await sources?.close();
      lab?.dispose();
      lab2?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('opens the captures, reads and analyses them (in the analysis worker beside it)', async () => {
      expect(files).toHaveLength(3);
      expect(state.phase).toBe('ready');
      expect(state.message).toBeNull();
      const want = await sources.getState();
      expect(state.captures.map((c) => [c.name, c.packets, c.status, c.node, c.iface])).toEqual(
        want.captures.map((c) => [c.name, c.packets, c.status, c.node, c.iface]),
      );
      expect(state.captures.every((c) => c.packets > 0)).toBe(true);
      const graph = await built.getGraph();
      expect(graph.message).toBeNull();
      expect(graph.elements.length).toBeGreaterThan(0);
      expect(graph.elements).toEqual((await sources.getGraph()).elements);
    });

    it('answers a page of rows, a filtered page and a packet’s detail as the sources do', async () => {
      const page = await built.queryPackets(pageQuery(''));
      expect(page.rows).toHaveLength(50);
      expect(page).toEqual(await sources.queryPackets(pageQuery('')));
      const vxlan = await built.queryPackets(pageQuery('vxlan'));
      expect(vxlan.filterError).toBeNull();
      expect(vxlan.total).toBeGreaterThan(0);
      expect(vxlan.rows.every((r) => r.encap?.startsWith('VXLAN'))).toBe(true);
      expect(vxlan).toEqual(await sources.queryPackets(pageQuery('vxlan')));
      const no = vxlan.rows[0].no;
      const detail = await built.getPacket({ no });
      expect(detail?.no).toBe(no);
      expect(detail).toEqual(await sources.getPacket({ no }));
    });

    it('the built reading thread of a big set reads a capture in plain Node', async () => {
      const file = demoCaptures().find((f) => f.endsWith('a-node1-eth0.pcap'))!;
      const budget = new ReadBudget(DEFAULT_LIMITS);
      const setup: PoolSetup = {
        ids: ['a-node1-eth0'],
        decodeAs: undefined,
        pcapReader: undefined,
        limits: budget.limits,
        budget: sharedBudgetMemory(budget),
        records: false,
      };
      const w = new Worker(join(main, 'set-read-worker.js'), { workerData: setup });
      try {
        const reply = await new Promise<PoolReply>((resolve, reject) => {
          w.on('message', (m: PoolReply) => {
            if (m.type !== 'progress') resolve(m);
          });
          w.on('error', reject);
          w.on('exit', (code) => reject(new Error(`the reading thread stopped (exit code ${code})`)));
          w.postMessage({ type: 'read', fi: 0, path: file });
        });
        if (reply.type !== 'done') throw new Error(`the reading thread failed: ${reply.type === 'failed' ? reply.message : reply.type}`);
        expect(reply.info.errors).toEqual([]);
        expect(reply.info.packetCount).toBe(manifest()!.captures.find((c) => c.file === 'a-node1-eth0.pcap')!.packets);
        expect(reply.part.count).toBe(reply.info.packetCount);
      } finally {
        await w.terminate();
      }
    });
  });
});
