// Browser mode over real HTTP: the token guards everything, the headers carry the CSP, and the
// contract works end to end through the real backend worker.
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, type AppState, type PacketPage } from '../../common/contract';
import { startBackend } from '../../main/backend/client';
import { shellApi } from '../../main/backend/shell';
import { startServer, TOKEN_HEADER, type RunningServer } from '../../main/server/server';
import type { Backend } from '../../main/backend/api';
import { CSP } from '../../main/server/csp';

const PUBLIC = fileURLToPath(new URL('../../../shared/captures/public', import.meta.url));
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
  backend = startBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
  const api = shellApi(backend, { chooseFiles: async () => null, deliverExport: async (file, name, packets) => ({ kind: 'download', name, url: server.offerDownload(file, name), packets }) }, dir);
  server = await startServer({ api, rendererDir: ui });
});
afterAll(async () => {
  await server?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.origin}${path}`, { headers, redirect: 'manual' });
const call = (method: string, args: unknown[], token: string | null = server.token, headers: Record<string, string> = {}) =>
  fetch(`${server.origin}/api/${method}`, { method: 'POST', headers: { ...(token ? { [TOKEN_HEADER]: token } : {}), ...headers }, body: encodeWire(args) });
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
    expect((await fetch(`${server.origin}/api/getState`, { method: 'POST', headers: { [TOKEN_HEADER]: server.token }, body: '{not json' })).status).toBe(400);
    expect((await fetch(`${server.origin}/api/getState`, { method: 'GET', headers: { [TOKEN_HEADER]: server.token } })).status).toBe(405);
  });

  it('answers the contract through the real backend', async () => {
    const s = await ok<AppState>('getState', []);
    expect(s.shell).toBe('browser');
    expect(s.captures).toEqual([]);
  });

  it.skipIf(!havePublic)('opens captures, pages VXLAN packets, filters, exports a download', async () => {
    await ok('openCaptures', [{ paths: [join(PUBLIC, 'vxlan_port_8472.pcap'), join(PUBLIC, 'pcap-invalid-version-1.pcap')], append: false }]);
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
    const q = { filter: 'outer.udp.dstport == 8472 && icmp', element: null, sort: 'no', descending: false, offset: 0, limit: 100, locate: 0 };
    const page = await ok<PacketPage>('queryPackets', [q]);
    expect(page.total).toBe(8);
    expect(page.rows[0]).toMatchObject({ no: 1, src: '192.168.203.3', dst: '192.168.203.5', encap: 'VXLAN 100', protocol: 'ICMP' });
    const bad = await ok<PacketPage>('queryPackets', [{ ...q, filter: 'ip.src ==' }]);
    expect(bad.filterError?.message).toMatch(/value is expected/);
    const ex = await ok<{ kind: string; url: string; packets: number }>('exportPcapng', [{ selection: { kind: 'filter', filter: 'icmp', element: null } }]);
    expect(ex).toMatchObject({ kind: 'download', packets: 8 });
    expect((await get(ex.url)).status).toBe(403);
    const dl = await get(`${ex.url}?token=${server.token}`);
    expect(dl.status).toBe(200);
    const bytes = new Uint8Array(await dl.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual([0x0a, 0x0d, 0x0d, 0x0a]);
  });
});
