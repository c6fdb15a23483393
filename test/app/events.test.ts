// The backend's state pushed, not polled: the worker's events reach the shell (client.ts), browser
// mode streams them as server-sent events on GET /events behind the same token as the API, within
// a limit of open streams, and a slow reader holds only the latest state. Real backend worker, real
// server, a real lab capture.
import { copyFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, type AppState } from '../../common/contract';
import { startBackend } from '../../main/backend/client';
import { createBackend } from '../../main/backend/backend';
import { shellApi } from '../../main/backend/shell';
import { uploadsFolder, type Backend } from '../../main/backend/api';
import { StateFeed } from '../../main/backend/events';
import { cookieName, startServer, TOKEN_HEADER, type RunningServer } from '../../main/server/server';
import { FileAccess } from '../../main/server/access';
import { captureCopies, fileNeed, itNeeding, type CaptureCopies } from '../tools';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CAPTURE = join(ROOT, 'fixtures', 'captures', 'a-node1-eth0.pcap');
const captureNeed = fileNeed('a lab capture', CAPTURE);

let dir: string;
/** The lab capture the server may open, copied (the app saves a session beside what it opens). */
let lab: CaptureCopies;
let backend: Backend;
let server: RunningServer;
/** Every request the server received, in order ("GET /events", "POST /api/openCaptures"...). */
const requests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tv-events-test-'));
  lab = captureCopies(captureNeed.present ? [CAPTURE] : []);
  const ui = join(dir, 'ui');
  mkdirSync(ui);
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>ui</title>');
  backend = startBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
  const api = shellApi(backend, { chooseFiles: async () => null, deliverExport: async () => ({ kind: 'cancelled' }) }, dir);
  server = await startServer({
    api,
    events: backend,
    rendererDir: ui,
    uploadDir: uploadsFolder(dir),
    access: new FileAccess({ files: lab.files }),
    limits: { maxEventStreams: 2 },
  });
  server.server.on('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url?.split('?')[0]}`));
});
afterAll(async () => {
  await server?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
  lab?.dispose();
});

/** An open event stream: its status, and the events parsed as they come. */
interface Stream {
  status: number;
  /** Everything received, comments included. */
  raw(): string;
  ended(): boolean;
  type: string | undefined;
  events: { event: string; data: unknown }[];
  /** Resolves with the first event (from `from` on) that satisfies `f`. */
  next(f: (e: { event: string; data: unknown }) => boolean, from?: number, ms?: number): Promise<{ event: string; data: unknown }>;
  close(): void;
}

function openStream(headers: Record<string, string>, path = '/events', origin = server.origin): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { headers }, (res) => {
      const events: Stream['events'] = [];
      const waiters = new Set<() => void>();
      let buf = '';
      let all = '';
      let ended = false;
      res.setEncoding('utf8');
      res.on('close', () => (ended = true));
      res.on('data', (chunk: string) => {
        all += chunk;
        buf += chunk;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data: decodeWire(data) });
        }
        for (const w of waiters) w();
      });
      resolve({
        raw: () => all,
        ended: () => ended,
        status: res.statusCode ?? 0,
        type: res.headers['content-type'],
        events,
        next(f, from = 0, ms = 60_000) {
          return new Promise((ok, fail) => {
            const check = () => {
              const hit = events.slice(from).find(f);
              if (!hit) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok(hit);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error('no such event in time'));
            }, ms);
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const state = (e: { data: unknown }) => e.data as AppState;

describe('state pushed to the UI', () => {
  it('the event stream is refused without the token, with the token only in the query, and from another origin', async () => {
    const refused: Record<string, string>[] = [{}, { [TOKEN_HEADER]: 'wrong' }, { cookie: `${cookieName(1)}=${server.token}` }];
    for (const headers of refused) {
      const s = await openStream(headers);
      s.close();
      expect(s.status, JSON.stringify(headers)).toBe(403);
    }
    const query = await openStream({}, `/events?token=${server.token}`);
    query.close();
    expect(query.status).toBe(403);
    const foreign = await openStream({ [TOKEN_HEADER]: server.token, origin: 'http://evil.example' });
    foreign.close();
    expect(foreign.status).toBe(403);
    const port = Number(new URL(server.origin).port);
    const cookie = await openStream({ cookie: `${cookieName(port)}=${server.token}` });
    cookie.close();
    expect(cookie.status).toBe(200);
  });

  itNeeding(
    [captureNeed],
    'a stream starts with the current state, then follows a load to the end with no request of its own',
    async () => {
      const s = await openStream({ [TOKEN_HEADER]: server.token });
      try {
        expect(s.status).toBe(200);
        expect(s.type).toMatch(/^text\/event-stream/);
        const first = await s.next((e) => e.event === 'state');
        expect(state(first).shell).toBe('browser');
        const seen = s.events.length;
        const before = requests.length;
        const res = await fetch(`${server.origin}/api/openCaptures`, {
          method: 'POST',
          headers: { [TOKEN_HEADER]: server.token },
          body: encodeWire([{ paths: lab.files, append: false }]),
        });
        expect(res.status).toBe(200);
        const done = await s.next((e) => state(e).phase === 'ready' && state(e).totalPackets > 0, seen);
        expect(state(done).captures.map((c) => c.name)).toEqual(['a-node1-eth0.pcap']);
        // Only the one call was made: everything after it came down the stream unasked.
        expect(requests.slice(before)).toEqual(['POST /api/openCaptures']);
        // Each state sent differs from the one before (nothing is repeated).
        const json = s.events.map((e) => JSON.stringify(e.data));
        expect(new Set(json).size).toBe(json.length);
      } finally {
        s.close();
      }
    },
    120_000,
  );

  it("a stream outlives the server's request timeout, kept alive by comments", async () => {
    const tight = await startServer({
      api: shellApi(backend, { chooseFiles: async () => null, deliverExport: async () => ({ kind: 'cancelled' }) }, dir),
      events: backend,
      rendererDir: join(dir, 'ui'),
      limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000, eventKeepAliveMs: 300 },
    });
    try {
      const s = await openStream({ [TOKEN_HEADER]: tight.token }, '/events', tight.origin);
      await new Promise((r) => setTimeout(r, 2500));
      expect(s.ended()).toBe(false);
      expect(s.raw().split(': keep-alive').length - 1).toBeGreaterThanOrEqual(5);
      expect(s.events[0]?.event).toBe('state');
      s.close();
    } finally {
      await tight.close();
    }
  });

  it('holds at most maxEventStreams streams at once; a closed one frees its place', async () => {
    const headers = { [TOKEN_HEADER]: server.token };
    const a = await openStream(headers);
    const b = await openStream(headers);
    const c = await openStream(headers);
    c.close();
    expect([a.status, b.status, c.status]).toEqual([200, 200, 503]);
    a.close();
    await new Promise((r) => setTimeout(r, 200));
    const d = await openStream(headers);
    d.close();
    b.close();
    expect(d.status).toBe(200);
  });
});

describe('the backend worker', () => {
  it('a worker that stops tells the window at once: the last state, failed, with why', async () => {
    // A stand-in worker that sends one state, then stops the way a crash does.
    const file = join(dir, 'dying-worker.mjs');
    writeFileSync(
      file,
      `import { parentPort } from 'node:worker_threads';
      parentPort.postMessage({ event: 'state', payload: { phase: 'ready', progress: null, message: null, totalPackets: 7 } });
      setTimeout(() => process.exit(3), 100);`,
    );
    const b = startBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') }, file);
    const got: AppState[] = [];
    b.subscribe('state', (s) => got.push(s));
    const pending = b.getState();
    await expect(pending).rejects.toThrow(/exit code 3/);
    expect(got.map((s) => s.phase)).toEqual(['ready', 'failed']);
    expect(got[1].message).toMatch(/the backend worker stopped \(exit code 3\)\. Open the captures again\./);
    expect(got[1].totalPackets).toBe(7);
    await b.close();
  });
});

describe('the backend feed', () => {
  it('sends a state only when it changed, and coalesces bursts of changes', async () => {
    let n = 0;
    const feed = new StateFeed(async () => ({ phase: n }) as unknown as AppState, 50);
    const got: unknown[] = [];
    feed.hub.subscribe('state', (s) => got.push(s));
    for (let i = 0; i < 100; i++) feed.changed();
    await new Promise((r) => setTimeout(r, 120));
    expect(got).toEqual([{ phase: 0 }]);
    feed.changed(); // nothing changed: nothing sent
    await new Promise((r) => setTimeout(r, 120));
    expect(got).toHaveLength(1);
    n = 1;
    feed.changed();
    await new Promise((r) => setTimeout(r, 120));
    expect(got).toEqual([{ phase: 0 }, { phase: 1 }]);
    // A late subscriber starts from the latest state.
    const late: unknown[] = [];
    feed.hub.subscribe('state', (s) => late.push(s));
    expect(late).toEqual([{ phase: 1 }]);
  });

  itNeeding(
    [captureNeed],
    'a backend pushes a state after a call changes it (a load, a note) without being asked',
    async () => {
      // A copy: the session file goes beside the capture.
      const copy = join(dir, 'copy', 'a-node1-eth0.pcap');
      mkdirSync(dirname(copy), { recursive: true });
      copyFileSync(CAPTURE, copy);
      const b = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'b'), sessionDir: join(dir, 'b-sessions') });
      const got: AppState[] = [];
      const stop = b.subscribe('state', (s) => got.push(s));
      try {
        await b.openCaptures({ paths: [copy], append: false });
        await expect.poll(() => got.at(-1)?.phase, { timeout: 60_000 }).toBe('ready');
        // The phases in the order they happened, each state once.
        const phases = got.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]);
        expect(phases).toEqual(['loading', 'analysing', 'ready']);
        const n = got.length;
        await b.addNote({ target: { kind: 'set' }, text: 'pushed', tag: '', severity: 'info' });
        await expect.poll(() => got.at(-1)?.session?.notes, { timeout: 10_000 }).toBe(1);
        expect(got.length).toBe(n + 1);
      } finally {
        stop();
        await b.close();
      }
    },
    120_000,
  );
});
