// Browser mode over real HTTP: the token guards everything, the headers carry the CSP, and the
// contract works end to end through the real backend worker. Then what holds under abuse: uploads
// streamed to disk up to their limit, bounded bodies in flight, timeouts, only allowed paths opened,
// no file contents in errors, FIFOs and devices refused, malformed URLs, bad or busy ports.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, type AppState, type PacketPage } from '../../common/contract';
import { startBackend } from '../../main/backend/client';
import { shellApi } from '../../main/backend/shell';
import { cookieName, startServer, TOKEN_HEADER, type RunningServer, type ServerLimits } from '../../main/server/server';
import { FileAccess } from '../../main/server/access';
import { uploadsFolder, type Backend } from '../../main/backend/api';
import { CSP } from '../../main/server/csp';
import { ready } from './helpers';
import { captureCopies } from '../tools';
import { demoCaptures, startBrowserMode } from '../../main/server/browser-mode';
import { limitsFromEnv } from '../../main/engine/readers/budget';

const PUBLIC = fileURLToPath(new URL('../../../shared/captures/public', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VXLAN = join(PUBLIC, 'vxlan_port_8472.pcap');
const havePublic = existsSync(PUBLIC);
if (!havePublic) console.warn(`SKIPPED: public captures not found at ${PUBLIC}`);

let dir: string;
let backend: Backend;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tv-server-test-'));
  const ui = join(dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>ui</title>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  mkdirSync(join(dir, 'allowed'));
  backend = startBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
  const api = shellApi(
    backend,
    {
      chooseFiles: async () => null,
      deliverExport: async (file, name, packets) => ({ kind: 'download', name, url: server.offerDownload(file, name), packets }),
      uploaded: (id) => server.uploaded(id),
    },
    dir,
  );
  const access = new FileAccess({ files: [VXLAN, join(PUBLIC, 'pcap-invalid-version-1.pcap')], dirs: [join(dir, 'allowed')] });
  server = await startServer({ api, rendererDir: ui, uploadDir: uploadsFolder(dir), access });
});
afterAll(async () => {
  await server?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.origin}${path}`, { headers, redirect: 'manual' });
const call = (method: string, args: unknown[], token: string | null = server.token, headers: Record<string, string> = {}) =>
  fetch(`${server.origin}/api/${method}`, {
    method: 'POST',
    headers: { ...(token ? { [TOKEN_HEADER]: token } : {}), ...headers },
    body: encodeWire(args),
  });
async function ok<T>(method: string, args: unknown[]): Promise<T> {
  const res = await call(method, args);
  const body = decodeWire(await res.text()) as { result: T; error?: string };
  expect(res.status, body.error).toBe(200);
  return body.result;
}

describe('browser-mode server', () => {
  it('listens on 127.0.0.1 only, with a long random token', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
    expect(server.url).toBe(`${server.origin}/?token=${server.token}`);
  });

  it('refuses the page, assets and API without the token', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/assets/app.js')).status).toBe(403);
    expect((await get('/?token=wrong')).status).toBe(403);
    expect((await call('getState', [], null)).status).toBe(403);
    expect((await call('getState', [], 'x'.repeat(server.token.length))).status).toBe(403);
    // the token in the query does not open the API (it needs the header)
    const q = await fetch(`${server.origin}/api/getState?token=${server.token}`, { method: 'POST', body: '[]' });
    expect(q.status).toBe(403);
  });

  it('serves the page with the token, sets a strict cookie, sends the CSP and security headers', async () => {
    const res = await get(`/?token=${server.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const cookie = res.headers.get('set-cookie') ?? '';
    // Named after the port: a browser sends 127.0.0.1's cookies to every port, two servers must not overwrite each other's.
    expect(cookie.startsWith(`${cookieName(Number(new URL(server.origin).port))}=${server.token};`)).toBe(true);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = await get('/assets/app.js', { cookie: cookie.split(';')[0] });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it('refuses other hosts (DNS rebinding) and other origins', async () => {
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>, method = 'GET', path = `/?token=${server.token}`) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${server.origin}${path}`, { method, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(method === 'POST' ? '[]' : undefined);
      });
    expect(await status({ host: 'evil.example' })).toBe(403);
    expect(await status({ [TOKEN_HEADER]: server.token, origin: 'https://evil.example' }, 'POST', '/api/getState')).toBe(403);
    expect(await status({ [TOKEN_HEADER]: server.token, origin: server.origin }, 'POST', '/api/getState')).toBe(200);
  });

  it('does not serve files outside the UI folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt']) {
      const res = await get(`${p}?token=${server.token}`);
      expect(res.status, p).toBe(404);
    }
  });

  it('validates arguments and names of methods', async () => {
    expect((await call('noSuchMethod', [])).status).toBe(404);
    const bad = await call('getPacket', [{ no: 'one' }]);
    expect(bad.status).toBe(400);
    expect((decodeWire(await bad.text()) as { error: string }).error).toMatch(/expected an integer/);
    expect(
      (await fetch(`${server.origin}/api/getState`, { method: 'POST', headers: { [TOKEN_HEADER]: server.token }, body: '{not json' }))
        .status,
    ).toBe(400);
    expect((await fetch(`${server.origin}/api/getState`, { method: 'GET', headers: { [TOKEN_HEADER]: server.token } })).status).toBe(405);
  });

  it('answers the contract through the real backend', async () => {
    const s = await ok<AppState>('getState', []);
    expect(s.shell).toBe('browser');
    expect(s.captures).toEqual([]);
  });

  it.skipIf(!havePublic)('opens captures, pages VXLAN packets, filters, exports a download', async () => {
    await ok('openCaptures', [
      { paths: [join(PUBLIC, 'vxlan_port_8472.pcap'), join(PUBLIC, 'pcap-invalid-version-1.pcap')], append: false },
    ]);
    let s = await ok<AppState>('getState', []);
    for (let i = 0; i < 200 && (s.phase === 'loading' || s.phase === 'analysing'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      s = await ok<AppState>('getState', []);
    }
    expect(s.captures.map((c) => [c.name, c.status, c.packets])).toEqual([
      ['vxlan_port_8472.pcap', 'ok', 10],
      ['pcap-invalid-version-1.pcap', 'failed', 0],
    ]);
    expect(s.captures[1].errors[0].message).toMatch(/version/);
    const q = {
      filter: 'outer.udp.dstport == 8472 && icmp',
      element: null,
      sort: 'no',
      descending: false,
      offset: 0,
      limit: 100,
      locate: 0,
    };
    const page = await ok<PacketPage>('queryPackets', [q]);
    expect(page.total).toBe(8);
    expect(page.rows[0]).toMatchObject({ no: 1, src: '192.168.203.3', dst: '192.168.203.5', encap: 'VXLAN 100', protocol: 'ICMP' });
    const bad = await ok<PacketPage>('queryPackets', [{ ...q, filter: 'ip.src ==' }]);
    expect(bad.filterError?.message).toMatch(/value is expected/);
    const ex = await ok<{ kind: string; url: string; packets: number }>('exportPcapng', [
      { selection: { kind: 'filter', filter: 'icmp', element: null } },
    ]);
    expect(ex).toMatchObject({ kind: 'download', packets: 8 });
    expect((await get(ex.url)).status).toBe(403);
    const dl = await get(`${ex.url}?token=${server.token}`);
    expect(dl.status).toBe(200);
    const bytes = new Uint8Array(await dl.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual([0x0a, 0x0d, 0x0d, 0x0a]);
  });
});

/** One request over node:http with full control of headers and body; resolves with the answer, or 'closed' when the server hung up. */
function raw(
  srv: RunningServer,
  path: string,
  opts: { method?: string; headers?: Record<string, string | number>; body?: Buffer | string; hold?: boolean } = {},
): { done: Promise<{ status: number; headers: Record<string, unknown>; text: string } | 'closed'>; abort(): void } {
  let req!: ReturnType<typeof request>;
  const done = new Promise<{ status: number; headers: Record<string, unknown>; text: string } | 'closed'>((resolve) => {
    req = request(`${srv.origin}${path}`, { method: opts.method ?? 'POST', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', () => resolve('closed'));
    });
    req.on('error', () => resolve('closed'));
    if (opts.body !== undefined) req.write(opts.body);
    else req.flushHeaders();
    if (!opts.hold) req.end();
  });
  return { done, abort: () => req.destroy() };
}
const auth = (srv: RunningServer) => ({ [TOKEN_HEADER]: srv.token });
const errorOf = (r: { text: string } | 'closed') => (r === 'closed' ? 'closed' : (JSON.parse(r.text) as { error: string }).error);

/** A server over a stand-in contract (it answers every call with its name), for the limits. */
async function limitedServer(limits: Partial<ServerLimits>, uploadDir: string): Promise<RunningServer> {
  const api = new Proxy({}, { get: (_t, m: string) => async () => `${m} done` }) as never;
  return startServer({ api, rendererDir: uploadDir, uploadDir, limits });
}

describe('uploads', () => {
  it.skipIf(!havePublic)('streams the raw bytes to disk and opens them by upload id', async () => {
    const bytes = readFileSync(VXLAN);
    const r = await raw(server, `/upload?name=${encodeURIComponent('../../evil\u0001.pcap')}`, {
      headers: { ...auth(server), 'content-type': 'application/octet-stream' },
      body: bytes,
    }).done;
    expect(r !== 'closed' && r.status).toBe(200);
    const receipt = (decodeWire((r as { text: string }).text) as { result: { upload: string; name: string; bytes: number } }).result;
    expect(receipt).toMatchObject({ name: 'evil_.pcap', bytes: bytes.length });
    const stored = server.uploaded(receipt.upload)!;
    expect(stored.path.startsWith(uploadsFolder(dir))).toBe(true);
    expect(readFileSync(stored.path).equals(bytes)).toBe(true);
    await ok('openCaptureFiles', [{ uploads: [receipt.upload], append: false }]);
    const s = await ready({ getState: () => ok<AppState>('getState', []) });
    expect(s.captures.map((c) => [c.name, c.status, c.packets])).toEqual([['evil_.pcap', 'ok', 10]]);
    // Only ids the server handed out open anything.
    const bad = await call('openCaptureFiles', [{ uploads: ['0'.repeat(32)], append: false }]);
    expect(bad.status).toBe(400);
    expect((await call('openCaptureFiles', [{ files: [{ name: 'a.pcap', data: new Uint8Array(4) }], append: false }])).status).toBe(400);
  });

  it('takes a file of exactly the limit and refuses one byte more, leaving nothing on disk', async () => {
    const up = join(dir, 'limit');
    mkdirSync(up);
    const limit = 256 * 1024;
    const srv = await limitedServer({ maxUploadBytes: limit }, up);
    try {
      const at = await raw(srv, '/upload?name=at.pcap', { headers: auth(srv), body: Buffer.alloc(limit, 7) }).done;
      expect(at !== 'closed' && at.status).toBe(200);
      // Declared too large: refused before a byte of the body is read.
      const declared = await raw(srv, '/upload?name=over.pcap', { headers: { ...auth(srv), 'content-length': limit + 1 }, hold: true })
        .done;
      expect(declared !== 'closed' && declared.status).toBe(413);
      expect(errorOf(declared)).toMatch(/limit of 256 KiB|262144 bytes/);
      // Chunked (no length given): stopped when it passes the limit.
      const chunked = raw(srv, '/upload?name=over2.pcap', {
        headers: { ...auth(srv), 'transfer-encoding': 'chunked' },
        body: Buffer.alloc(limit + 1, 7),
      });
      const r = await chunked.done;
      expect(r === 'closed' || r.status === 413).toBe(true);
      await new Promise((res) => setTimeout(res, 100));
      const left = readdirSync(up, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.pcap'));
      expect(left).toEqual([expect.stringMatching(/at\.pcap$/)]);
    } finally {
      await srv.close();
    }
  });

  it("the default limit is the contract's 2 GiB, refused by the declared length at once", async () => {
    expect(server.limits.maxUploadBytes).toBe(2 * 1024 ** 3);
    const r = await raw(server, '/upload?name=huge.pcap', { headers: { ...auth(server), 'content-length': 2 * 1024 ** 3 + 1 }, hold: true })
      .done;
    expect(r !== 'closed' && r.status).toBe(413);
    expect(errorOf(r)).toMatch(/2 GiB/);
  });
});

describe('limits on bodies and time', () => {
  it('receives at most N uploads and N API bodies at once; the next is told to come back (503)', async () => {
    const up = join(dir, 'inflight');
    mkdirSync(up);
    const srv = await limitedServer({ maxUploads: 2, maxApiBodies: 2 }, up);
    try {
      const held = [0, 1].map((i) =>
        raw(srv, `/upload?name=u${i}.pcap`, { headers: { ...auth(srv), 'content-length': 1000 }, body: Buffer.alloc(10), hold: true }),
      );
      await new Promise((res) => setTimeout(res, 150));
      const third = await raw(srv, '/upload?name=u2.pcap', { headers: auth(srv), body: Buffer.alloc(10) }).done;
      expect(third !== 'closed' && third.status).toBe(503);
      expect(third !== 'closed' && third.headers['retry-after']).toBe('1');
      held.forEach((h) => h.abort());
      await Promise.all(held.map((h) => h.done));
      await new Promise((res) => setTimeout(res, 100));
      const after = await raw(srv, '/upload?name=u3.pcap', { headers: auth(srv), body: Buffer.alloc(10) }).done;
      expect(after !== 'closed' && after.status).toBe(200);

      const apiHeld = [0, 1].map(() =>
        raw(srv, '/api/getState', { headers: { ...auth(srv), 'content-length': 100 }, body: '[', hold: true }),
      );
      await new Promise((res) => setTimeout(res, 150));
      const apiThird = await raw(srv, '/api/getState', { headers: auth(srv), body: '[]' }).done;
      expect(apiThird !== 'closed' && apiThird.status).toBe(503);
      apiHeld.forEach((h) => h.abort());
    } finally {
      await srv.close();
    }
  });

  it('refuses an API body over its limit', async () => {
    const r = await raw(server, '/api/getState', { headers: auth(server), body: `[${' '.repeat(server.limits.maxApiBytes)}]` }).done;
    expect(r === 'closed' || r.status === 413).toBe(true);
    expect(server.limits.maxApiBytes).toBe(2 * 1024 * 1024);
  });

  it('hangs up on requests whose headers or body stall', async () => {
    const up = join(dir, 'stall');
    mkdirSync(up);
    const srv = await limitedServer({ headersTimeoutMs: 300, bodyIdleMs: 300 }, up);
    try {
      const port = Number(new URL(srv.origin).port);
      const headersCut = await new Promise<string>((resolve) => {
        const sock = connect(port, '127.0.0.1', () => sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
        let got = '';
        sock.on('data', (d) => (got += d.toString()));
        sock.on('close', () => resolve(got));
      });
      expect(headersCut === '' || /^HTTP\/1\.1 408/.test(headersCut)).toBe(true);
      const t0 = Date.now();
      const stalled = await raw(srv, '/upload?name=slow.pcap', {
        headers: { ...auth(srv), 'content-length': 1000 },
        body: Buffer.alloc(10),
        hold: true,
      }).done;
      expect(stalled === 'closed' || stalled.status === 408).toBe(true);
      expect(Date.now() - t0).toBeLessThan(5000);
      await new Promise((res) => setTimeout(res, 100));
      expect(readdirSync(up, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.pcap'))).toEqual([]);
    } finally {
      await srv.close();
    }
  });
});

describe('what the token opens', () => {
  it('opens no path outside the files and folders allowed at start, and echoes no file content', async () => {
    for (const p of ['/etc/shadow', '/etc/passwd', '/nonexistent/file.pcap', join(dir, 'allowed', '..', 'secret.txt')]) {
      const res = await call('openCaptures', [{ paths: [p], append: false }]);
      expect(res.status, p).toBe(403);
      const error = (decodeWire(await res.text()) as { error: string }).error;
      expect(error).toMatch(/not allowed/);
      expect(error).not.toMatch(/root:|726f6f74|0x/);
    }
    // A link inside an allowed folder does not lead out of it.
    symlinkSync('/etc/passwd', join(dir, 'allowed', 'link.pcap'));
    expect((await call('openCaptures', [{ paths: [join(dir, 'allowed', 'link.pcap')], append: false }])).status).toBe(403);
  });

  it('an allowed file that is no capture gets an error without its bytes', async () => {
    writeFileSync(join(dir, 'allowed', 'notes.txt'), 'root:$y$j9T$secret:19000:0:99999:7:::\n');
    await ok('openCaptures', [{ paths: [join(dir, 'allowed', 'notes.txt')], append: false }]);
    const s = await ready({ getState: () => ok<AppState>('getState', []) });
    const text = JSON.stringify(s.captures);
    expect(s.captures[0].status).toBe('failed');
    expect(s.captures[0].errors[0].message).toMatch(/not a pcap or pcapng file/);
    expect(text).not.toMatch(/root|726f6f74|0x/);
  });

  it('refuses named pipes and devices with a message; a pipe no longer blocks the next open', async () => {
    const fifo = join(dir, 'allowed', 'pipe.pcap');
    execFileSync('mkfifo', [fifo]);
    const files = [fifo, '/dev/zero', VXLAN];
    // /dev/zero and the capture come from the backend directly (the browser-mode policy is tested above).
    await backend.openCaptures({ paths: files, append: false });
    const s = await ready(backend, 400);
    expect(s.captures.map((c) => [c.name, c.status])).toEqual([
      ['pipe.pcap', 'failed'],
      ['zero', 'failed'],
      ...(havePublic ? [['vxlan_port_8472.pcap', 'ok']] : [['vxlan_port_8472.pcap', 'failed']]),
    ]);
    expect(s.captures[0].errors[0].message).toMatch(/named pipe \(FIFO\), not a regular file|not a regular file: it is a named pipe/);
    expect(s.captures[1].errors[0].message).toMatch(/it is a device/);
    await backend.openCaptures({ paths: [fifo], append: false });
    expect((await ready(backend, 400)).captures[0].status).toBe('failed');
  });
});

describe('malformed requests', () => {
  it('answers 400 to a URL that does not decode', async () => {
    for (const p of ['/%E0%A4%A', '/assets/%ff%fe', '/api/%E0%A4%A']) {
      const r = await raw(server, p, {
        method: 'GET',
        headers: { cookie: `${cookieName(Number(new URL(server.origin).port))}=${server.token}` },
      }).done;
      expect(r !== 'closed' && r.status, p).toBe(400);
    }
  });

  it('the page authenticates API calls with its port-named cookie and its own Origin only', async () => {
    const port = Number(new URL(server.origin).port);
    const mine = { cookie: `${cookieName(port)}=${server.token}` };
    expect((await call('getState', [], null, { ...mine, origin: server.origin })).status).toBe(200);
    // The cookie alone (no Origin: not a page of this server), another port's cookie name, or another origin: refused.
    expect((await call('getState', [], null, mine)).status).toBe(403);
    expect((await call('getState', [], null, { cookie: `tunnelvision_token=${server.token}`, origin: server.origin })).status).toBe(403);
    expect((await call('getState', [], null, { cookie: `${cookieName(port + 1)}=${server.token}`, origin: server.origin })).status).toBe(
      403,
    );
  });
});

describe('tunnelvision start', () => {
  const start = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'main/cli/bin.mjs'), 'start', '--browser', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('a port that is no number is a usage error: exit 2, one line, no stack trace', () => {
    for (const port of ['abc', '70000', '-1']) {
      const r = start('--port', port);
      expect(r.status, port).toBe(2);
      expect(r.stderr.trim().split('\n'), port).toHaveLength(1);
      expect(r.stderr).toMatch(/--port expects a port number/);
    }
  });

  it('a port in use is a usage error: exit 2, one line, no stack trace', async () => {
    const port = Number(new URL(server.origin).port);
    const r = start('--port', String(port));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `tunnelvision start: port ${port} is in use: choose another with --port, or leave --port out for a free one`,
    ]);
  });

  it('a wrong read limit is a usage error: exit 2, one line', () => {
    const r = start('--max-packets', 'lots');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['tunnelvision start: --max-packets needs a number of packets (e.g. 5000000 or 5M)']);
    const h = start('--help');
    expect(h.stdout).toMatch(/--max-bytes SIZE .*default 32G/);
  });

  it('browser mode reads with the limits given to start, and says where reading stopped', async () => {
    const lab = captureCopies(demoCaptures().slice(0, 3));
    const mode = await startBrowserMode({ files: lab.files, limits: { maxPackets: 100 } });
    try {
      const s = await ready(mode.backend, 2400);
      expect(s.message).toMatch(/^Reading stopped: the set's packet limit of 100 packets is reached/);
      expect(s.captures.reduce((n, c) => n + c.packets, 0)).toBe(100);
    } finally {
      await mode.close();
      lab.dispose();
    }
  });

  it("the desktop app's limits travel in one environment variable; anything else in it is ignored", () => {
    expect(limitsFromEnv(JSON.stringify({ maxPackets: 5_000_000, maxBytes: 2 ** 30 }))).toEqual({
      maxPackets: 5_000_000,
      maxBytes: 2 ** 30,
    });
    expect(limitsFromEnv(JSON.stringify({ maxPackets: -1, maxMemoryBytes: 'x', other: 5 }))).toEqual({});
    expect(limitsFromEnv('{not json')).toEqual({});
    expect(limitsFromEnv(undefined)).toEqual({});
  });

  it('--allow-dir must name an existing folder', () => {
    const r = start('--allow-dir', join(dir, 'no-such-folder'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--allow-dir expects an existing folder/);
  });
});
