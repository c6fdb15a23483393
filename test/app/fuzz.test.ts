// Fuzzing what browser mode takes from outside: random method names, argument shapes and sizes sent
// through the real HTTP server to the real backend worker (nothing open, nothing allowed), and random
// or damaged session files through the session parser. Whatever comes in: no crash, no hang, a 4xx
// for what the contract's validators refuse, and a server that still answers afterwards.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError, decodeWire, encodeWire, isMethodName, METHOD_NAMES, validateArgs, type MethodName } from '../../common/contract';
import { startBackend } from '../../main/backend/client';
import { shellApi } from '../../main/backend/shell';
import { uploadsFolder, type Backend } from '../../main/backend/api';
import { FileAccess } from '../../main/server/access';
import { startServer, TOKEN_HEADER, type RunningServer } from '../../main/server/server';
import { parseSession, SessionError } from '../../main/session/parse';
import { SESSION_FORMAT, SESSION_VERSION } from '../../main/session/types';

/** Cases per run: HTTP calls (about 10 ms each on a loaded machine) and session files (cheap): 5,000 together. */
const HTTP_RUNS = 1500;
const SESSION_RUNS = 3500;
/** One answer may take this long at most (a loaded machine included); more is a hang. */
const ANSWER_MS = 15_000;

/** A valid argument list of each method: the fuzzer damages one part of it, or sends it as it is. */
const VALID: Partial<Record<MethodName, unknown[]>> = {
  openCaptures: [{ paths: ['/tmp/x.pcap'], append: false }],
  openCaptureFiles: [{ uploads: ['0123456789abcdef0123456789abcdef'], append: true }],
  chooseCaptures: [{ append: false }],
  openDataset: [{ path: '/tmp/x' }],
  setAttribution: [{ capture: 0, node: 'node1', iface: null }],
  setDecodeAs: [{ entries: [{ layer: 'udp', port: 4789, proto: 'vxlan' }] }],
  setLimits: [{ maxBytes: 2 ** 30, maxPackets: 1000, maxMemoryBytes: 2 ** 32, reload: false }],
  queryPackets: [{ filter: 'icmp', element: null, sort: 'no', descending: false, offset: 0, limit: 10, locate: 0 }],
  getPacket: [{ no: 1 }],
  followPacket: [{ no: 1 }],
  followFlow: [{ flow: 'udp 1 2' }],
  flowsThrough: [{ element: 'node:a' }],
  exportPcapng: [{ selection: { kind: 'filter', filter: '', element: null } }],
  exportReport: [{ format: 'md' }],
  rememberFilter: [{ filter: 'tcp' }],
  addNote: [{ target: { kind: 'packet', no: 1 }, text: 'x', tag: '', severity: 'info' }],
  updateNote: [{ id: 'n1', text: 'x', tag: '', severity: 'warning' }],
  removeNote: [{ id: 'n1' }],
};
const validArgs = (m: string): unknown[] => (Object.hasOwn(VALID, m) ? VALID[m as MethodName]! : []);

/** A value of any shape, now and then a large one. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 4000, maxLength: 20_000 }) },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 40 }), { minLength: 200, maxLength: 400 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(null, -1, 2 ** 53, 1.5, NaN, '', '\u0000', '../../etc/passwd', { __proto__: { x: 1 } }, [[[[[]]]]]),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
);

/** Replaces the value at one random place inside `v` (or `v` itself). */
function damage(v: unknown, pick: number, replacement: unknown): unknown {
  const places: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) {
      x.forEach((c, i) => {
        places.push({ parent: x, key: i });
        walk(c);
      });
    } else if (x && typeof x === 'object') {
      for (const [k, c] of Object.entries(x)) {
        places.push({ parent: x as Record<string, unknown>, key: k });
        walk(c);
      }
    }
  };
  const copy = structuredClone(v);
  walk(copy);
  if (!places.length || pick % (places.length + 1) === places.length) return replacement;
  const at = places[pick % (places.length + 1)];
  (at.parent as Record<string | number, unknown>)[at.key] = replacement;
  return copy;
}

type Call = { name: string; body: string };
const methodName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...METHOD_NAMES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'close',
      'writeReport',
      'openUploaded',
      '',
      '..',
      '%00',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const call: fc.Arbitrary<Call> = fc.oneof(
  // A method's valid arguments with one part damaged (or none: a valid call).
  {
    weight: 6,
    arbitrary: fc
      .tuple(methodName, fc.nat(), anyValue, fc.boolean())
      .map(([name, pick, v, keep]) => ({ name, body: encodeWire(keep ? validArgs(name) : damage(validArgs(name), pick, v)) })),
  },
  // Any argument list at all.
  {
    weight: 3,
    arbitrary: fc.tuple(methodName, fc.array(anyValue, { maxLength: 3 })).map(([name, args]) => ({ name, body: encodeWire(args) })),
  },
  // Not even JSON, or JSON that is not a list.
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        methodName,
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue().map((j) => JSON.stringify(j) ?? ''),
        ),
      )
      .map(([name, body]) => ({ name, body })),
  },
);

/** What the server must answer, from the contract alone; null: a valid call (any answer but a hang or a crash). */
function expectedStatus(c: Call, maxBytes: number): number | null {
  if (!isMethodName(c.name)) return 404;
  if (Buffer.byteLength(c.body) > maxBytes) return 413;
  let args: unknown;
  try {
    args = decodeWire(c.body);
    validateArgs(c.name, args);
  } catch (e) {
    if (!(e instanceof ContractError) && !(e instanceof SyntaxError)) throw e;
    return 400;
  }
  // Nothing is allowed by path here, and no upload was made.
  if (c.name === 'openCaptures') return 403;
  if (c.name === 'openCaptureFiles') return 400;
  return null;
}

describe('fuzzing the browser-mode API through the real server', () => {
  let dir: string;
  let backend: Backend;
  let server: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tv-fuzz-'));
    mkdirSync(join(dir, 'ui'));
    backend = startBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
    const api = shellApi(
      backend,
      { chooseFiles: async () => null, deliverExport: async () => ({ kind: 'cancelled' }), uploaded: (id) => server.uploaded(id) },
      dir,
    );
    server = await startServer({ api, rendererDir: join(dir, 'ui'), uploadDir: uploadsFolder(dir), access: new FileAccess({}) });
  });
  afterAll(async () => {
    await server?.close();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${HTTP_RUNS} random calls: 4xx for what the validators refuse, never a hang or a crash`, async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const want = expectedStatus(c, server.limits.maxApiBytes);
        const res = await fetch(`${server.origin}/api/${encodeURIComponent(c.name)}`, {
          method: 'POST',
          headers: { [TOKEN_HEADER]: server.token, 'content-type': 'application/json' },
          body: c.body,
          signal: AbortSignal.timeout(ANSWER_MS),
        });
        const text = await res.text();
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        const what = `${c.name} ${c.body.slice(0, 200)}: ${text.slice(0, 200)}`;
        // ('.' and '..' as names make the client's URL leave /api/ altogether: some other 4xx then.)
        if (want === 404 && (c.name === '.' || c.name === '..')) return void expect(res.status, what).toBeGreaterThanOrEqual(400);
        if (want !== null) expect(res.status, what).toBe(want);
        else expect([200, 400, 403, 500], what).toContain(res.status);
        // Every answer of the API is well-formed: a result or an error message.
        const body = decodeWire(text) as { result?: unknown; error?: unknown };
        if (res.status === 200) expect(body.error).toBeUndefined();
        else expect(typeof body.error).toBe('string');
      }),
      { numRuns: HTTP_RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    // Both kinds were met: refused input and calls that went through.
    expect(seen.get(400) ?? 0).toBeGreaterThan(HTTP_RUNS / 10);
    expect(seen.get(200) ?? 0).toBeGreaterThan(HTTP_RUNS / 50);
    // Still alive and still right.
    const state = await fetch(`${server.origin}/api/getState`, { method: 'POST', headers: { [TOKEN_HEADER]: server.token }, body: '[]' });
    expect(state.status).toBe(200);
  }, 300_000);
});

describe('fuzzing the session file parser', () => {
  const capture = { id: 'a.pcap', path: 'a.pcap', size: 10, sha256: 'a'.repeat(64) };
  const valid = {
    format: SESSION_FORMAT,
    version: SESSION_VERSION,
    savedAt: '2026-01-01T00:00:00.000Z',
    captures: [capture, { ...capture, id: 'b.pcap', path: 'sub/b.pcap' }],
    assignments: [{ capture: 'a.pcap', node: 'n1', interface: 'eth0', iface: 1, kind: 'underlay' }],
    decodeAs: [{ layer: 'udp', port: 4789, proto: 'vxlan' }],
    filter: 'icmp',
    annotations: [
      {
        id: 'n1',
        target: { kind: 'packet', capture: 'a.pcap', packet: 3 },
        text: 'hello',
        tag: 't',
        severity: 'info',
        created: 'x',
        updated: 'y',
        source: 'user',
      },
      {
        id: 'n2',
        target: { kind: 'hop', journey: 4, hop: 1, capture: 'a.pcap', packet: 2 },
        text: '',
        severity: 'problem',
        created: 'x',
        updated: 'y',
      },
      { id: 'n3', target: { kind: 'set' }, text: 'x', severity: 'warning', created: 'x', updated: 'y', source: 'capture-comment' },
    ],
  };

  it('the seed is a valid session', () => {
    expect(parseSession(JSON.stringify(valid)).annotations).toHaveLength(2);
  });

  it(`reads ${SESSION_RUNS} random and damaged session files: a session or a SessionError, nothing else`, () => {
    const text = JSON.stringify(valid);
    const file = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.nat(), anyValue).map(([pick, v]) => JSON.stringify(damage(valid, pick, v))) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.nat(text.length), fc.nat(text.length), fc.string({ maxLength: 8 }))
          .map(([a, b, s]) => text.slice(0, Math.min(a, b)) + s + text.slice(Math.max(a, b))),
      },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((j) => JSON.stringify(j) ?? '') },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
    );
    let parsed = 0;
    fc.assert(
      fc.property(file, (t) => {
        const t0 = performance.now();
        try {
          const s = parseSession(t, 'session.json');
          parsed++;
          // What it read is a session it reads again the same.
          expect(parseSession(JSON.stringify(s))).toEqual(s);
        } catch (e) {
          if (!(e instanceof SessionError)) throw e;
          expect(e.message.length).toBeLessThan(2000);
        }
        expect(performance.now() - t0).toBeLessThan(2000);
      }),
      { numRuns: SESSION_RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    expect(parsed).toBeGreaterThan(SESSION_RUNS / 50);
  });
});
