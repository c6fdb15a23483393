// The `tunnelvision` bin runs from the prebuilt bundle after an install, loads only what the command
// uses, and falls back to the TypeScript sources with one line on stderr when the bundle is stale or
// missing. Runs in a copy of the project (its files as a clone has them, node_modules linked in),
// built by the project's own `prepare` script, the step `npm install` and `npm ci` run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = 'fixtures/captures/a-node1-eth0.pcap';
const NOTICE = /^tunnelvision: .*; running from the TypeScript sources \(slower start; `npm run build:cli` rebuilds it\)$/;

let dir = '';

interface Run {
  code: number | null;
  out: string;
  err: string;
  loaded: string[];
}

/** Runs argv in the copy with Node's ESM loader trace on; `loaded` lists the project files Node loaded. */
function run(argv: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: dir,
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 << 20,
    env: { ...process.env, TUNNELVISION_FROM_SOURCES: '', NODE_DEBUG: 'esm', ...env },
  });
  const trace = r.stderr.split('\n').filter((l) => /^ESM \d+: /.test(l));
  const loaded = [...new Set(trace.flatMap((l) => [...l.matchAll(/file:\/\/(\/[^\s',)]+)/g)].map((m) => m[1])))]
    .filter((p) => p.startsWith(`${dir}/`) && !/:\d+:\d+$/.test(p))
    .map((p) => p.slice(dir.length + 1));
  const err = r.stderr
    .split('\n')
    .filter((l) => !/^ESM \d+: /.test(l) && !/^\s/.test(l) && !/^[\]})]/.test(l))
    .join('\n')
    .trim();
  return { code: r.status, out: r.stdout, err, loaded };
}

const tv = (...args: string[]): Run => run([process.execPath, 'main/cli/bin.mjs', ...args]);
const fromBundle = (r: Run): boolean =>
  r.loaded.includes('out/cli/main.js') && !r.loaded.some((p) => p.endsWith('.ts') || p.includes('node_modules/tsx/'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tv-bundle-'));
  // The project's files as a clone has them (tracked, plus new files not yet committed), not out/.
  const files = execFileSync(
    'git',
    ['ls-files', '-co', '--exclude-standard', 'main', 'common', 'preload', 'package.json', 'package-lock.json', 'tsconfig.json', FIXTURE],
    { cwd: ROOT, encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  // What npm install / npm ci run after installing the packages: the root package's `prepare`.
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    bin: Record<string, string>;
  };
  expect(pkg.scripts.prepare).toBe('node main/cli/build.mjs');
  expect(pkg.bin.tunnelvision).toBe('main/cli/bin.mjs');
  execFileSync('npm', ['run', '--silent', 'prepare'], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the tunnelvision bin after install', () => {
  let reference = '';

  // The bin as npm links it (package.json "bin": the file itself, run through its shebang). npx is not
  // used here: it resolves a project's own bin through the shared npx cache, keyed by the package name
  // alone, so one copy's entry there answers for every other copy on the machine.
  it('runs decode from the installed bin, with nothing on stderr', () => {
    const r = run([join(dir, 'main/cli/bin.mjs'), 'decode', FIXTURE]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(fromBundle(r)).toBe(true);
    expect(r.out.split('\n')[2]).toBe(
      '3 1795736291.266290000 a-node1-eth0.pcap 192.168.56.11:49520 > 192.168.56.12:8472 | 10.244.0.2 > 10.244.1.2 ICMP 148 Echo (ping) request  id=0x2153, seq=1, ttl=63',
    );
    reference = r.out;
  });

  it('decode loads its own chunk and the engine, and no React, report renderer, Playwright or topology', () => {
    const r = tv('decode', FIXTURE);
    expect(r.code).toBe(0);
    expect(r.out).toBe(reference);
    expect(r.loaded.filter((p) => p.startsWith('out/cli/chunks/decode-'))).toHaveLength(1);
    expect(r.loaded.filter((p) => /node_modules\/(react|react-dom|playwright-core|cytoscape|tsx)\//.test(p))).toEqual([]);
    for (const chunk of ['report-', 'topology-', 'follow-', 'start-', 'bench-', 'browser-mode-'])
      expect(r.loaded.some((p) => p.startsWith(`out/cli/chunks/${chunk}`))).toBe(false);
  });

  it('--help loads the dispatcher and nothing else', () => {
    const r = tv('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: tunnelvision <command>/);
    expect(r.loaded.sort()).toEqual(['main/cli/bin.mjs', 'main/cli/bundle.mjs', 'out/cli/main.js']);
  });

  it('topology loads no React, Playwright or report renderer', () => {
    const r = tv('topology', FIXTURE);
    expect(r.code).toBe(0);
    expect(fromBundle(r)).toBe(true);
    expect(
      r.loaded.filter(
        (p) => /node_modules\/(react|react-dom|playwright-core|tsx)\//.test(p) || /chunks\/(report|decode|bench|start)-/.test(p),
      ),
    ).toEqual([]);
  });

  it('a touched but unchanged source keeps the bundle; an edited one falls back to the sources with one notice', () => {
    const tcp = join(dir, 'main/engine/decode/protocols/tcp.ts');
    utimesSync(tcp, new Date(), new Date(Date.now() + 5000));
    const touched = tv('decode', FIXTURE);
    expect(touched.err).toBe('');
    expect(fromBundle(touched)).toBe(true);

    appendFileSync(tcp, '\n// edited after the build\n');
    const stale = tv('decode', FIXTURE);
    expect(stale.code).toBe(0);
    expect(stale.err.split('\n')).toHaveLength(1);
    expect(stale.err).toMatch(NOTICE);
    expect(stale.err).toContain('stale (main/engine/decode/protocols/tcp.ts changed)');
    expect(fromBundle(stale)).toBe(false);
    expect(stale.loaded).toContain('main/cli/decode.ts');
    expect(stale.out).toBe(reference);

    execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
    const rebuilt = tv('decode', FIXTURE);
    expect(rebuilt.err).toBe('');
    expect(fromBundle(rebuilt)).toBe(true);
  });

  it('a missing bundle falls back with its own notice; TUNNELVISION_FROM_SOURCES=1 runs the sources silently', () => {
    rmSync(join(dir, 'out/cli'), { recursive: true, force: true });
    const missing = tv('decode', FIXTURE);
    expect(missing.code).toBe(0);
    expect(missing.err).toMatch(NOTICE);
    expect(missing.err).toContain('the CLI bundle is not built');
    expect(missing.out).toBe(reference);

    const dev = run([process.execPath, 'main/cli/bin.mjs', 'decode', FIXTURE], { TUNNELVISION_FROM_SOURCES: '1' });
    expect(dev.err).toBe('');
    expect(dev.out).toBe(reference);
    expect(fromBundle(dev)).toBe(false);
  });
});
