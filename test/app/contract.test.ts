// The contract's wire format (browser mode), argument validation, and the wrappers every side builds
// from its one method list (preload, browser client, shell, backend worker).
import { describe, expect, it } from 'vitest';
import {
  decodeWire,
  encodeWire,
  forwardContract,
  fromBase64,
  isMethodName,
  METHOD_NAMES,
  METHODS,
  toBase64,
  validateArgs,
} from '../../common/contract';
import { PASSED_METHODS, SHELL_METHODS, WORKER_METHODS, type Backend } from '../../main/backend/api';
import { shellApi } from '../../main/backend/shell';

describe('wire format', () => {
  it('round-trips bytes of every length through base64, as Node encodes them', () => {
    let seed = 3;
    for (let len = 0; len < 300; len++) {
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 255;
      const text = toBase64(b);
      expect(text).toBe(Buffer.from(b).toString('base64'));
      expect([...fromBase64(text)]).toEqual([...b]);
    }
  });

  it('keeps byte arrays inside structures, leaves look-alikes that are not alone', () => {
    const v = { detail: { bytes: new Uint8Array([1, 2, 255]), name: 'x' }, fake: { $bytes: 'AQI=', extra: 1 } };
    const back = decodeWire(encodeWire(v)) as typeof v;
    expect(back.detail.bytes).toBeInstanceOf(Uint8Array);
    expect([...back.detail.bytes]).toEqual([1, 2, 255]);
    expect(back.fake).toEqual({ $bytes: 'AQI=', extra: 1 });
  });

  it('refuses malformed base64', () => {
    expect(() => fromBase64('ab$d')).toThrow(/base64/);
  });
});

describe('argument validation', () => {
  it('knows every method by name and nothing else: no prototype member, no backend-only operation', () => {
    for (const m of METHOD_NAMES) expect(isMethodName(m), m).toBe(true);
    for (const bad of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'close', 'writePcapng', 'writeReport'])
      expect(isMethodName(bad), bad).toBe(false);
  });

  it('takes exactly as many arguments as each method has validators', () => {
    for (const m of METHOD_NAMES) {
      const n = METHODS[m].length;
      expect(n, m).toBeLessThanOrEqual(1);
      expect(() => validateArgs(m, [...Array<unknown>(n + 1).fill({})]), m).toThrow(/expected \d argument/);
      if (n === 1) expect(() => validateArgs(m, []), m).toThrow(/expected 1 argument/);
      else validateArgs(m, []);
    }
  });
});

describe('wrappers generated from the method list', () => {
  it('the preload and the browser client forward every method with its arguments as they are', async () => {
    const calls: unknown[][] = [];
    const api = forwardContract(async (method, args) => (calls.push([method, ...args]), `${method} answered`));
    for (const m of METHOD_NAMES) {
      const fn = api[m] as (...a: unknown[]) => Promise<unknown>;
      await expect(fn({ probe: m })).resolves.toBe(`${m} answered`);
    }
    expect(calls).toEqual(METHOD_NAMES.map((m) => [m, { probe: m }]));
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('the shell passes every method but its own five to the backend, and the worker answers those plus its own operations', async () => {
    expect([...PASSED_METHODS, ...SHELL_METHODS].sort()).toEqual([...METHOD_NAMES].sort());
    expect(SHELL_METHODS).toEqual(['chooseCaptures', 'chooseDataset', 'openCaptureFiles', 'exportPcapng', 'exportReport']);
    expect(WORKER_METHODS).toEqual([...PASSED_METHODS, 'openUploaded', 'writePcapng', 'writeReport']);
    const calls: string[] = [];
    const backend = new Proxy({} as Backend, {
      get: (_t, m: string) => async () => (calls.push(m), m === 'getState' ? { shell: 'browser' } : `${m} done`),
    });
    const api = shellApi(backend, { chooseFiles: async () => null, deliverExport: async () => ({ kind: 'cancelled' }) }, '/nonexistent');
    for (const m of PASSED_METHODS)
      await expect((api[m] as (...a: unknown[]) => Promise<unknown>)({}), m).resolves.toEqual(
        m === 'getState' ? { shell: 'browser' } : `${m} done`,
      );
    expect(calls).toEqual(PASSED_METHODS);
    // Choosing with no file chosen only reads the state.
    calls.length = 0;
    await api.chooseCaptures({ append: false });
    expect(calls).toEqual(['getState']);
    calls.length = 0;
    await api.chooseDataset();
    expect(calls).toEqual(['getState']);
    // Uploads: a shell without an upload hook refuses them without calling the backend.
    calls.length = 0;
    await expect(api.openCaptureFiles({ uploads: ['0123456789abcdef0123456789abcdef'], append: false })).rejects.toThrow(
      /opens files by path/,
    );
    expect(calls).toEqual([]);
  });

  it('checks tagged unions and enumerations', () => {
    validateArgs('exportPcapng', [{ selection: { kind: 'flow', flow: 'icmp 1 > 2' } }]);
    expect(() => validateArgs('exportPcapng', [{ selection: { kind: 'flow', flow: 'x', filter: 'y' } }])).toThrow(
      /unexpected field "filter"/,
    );
    expect(() => validateArgs('exportPcapng', [{ selection: { kind: 'shell', cmd: 'rm -rf /' } }])).toThrow(/unknown kind/);
    expect(() => validateArgs('exportReport', [{ format: 'exe' }])).toThrow(/one of/);
    validateArgs('exportReport', [{ format: 'pdf' }]);
    expect(() =>
      validateArgs('queryPackets', [
        { filter: 'x'.repeat(5000), element: null, sort: 'no', descending: false, offset: 0, limit: 10, locate: 0 },
      ]),
    ).toThrow(/longer than/);
    expect(() =>
      validateArgs('queryPackets', [{ filter: '', element: null, sort: 'no', descending: false, offset: 0, limit: 100000, locate: 0 }]),
    ).toThrow(/out of range/);
    // Uploads are named by the ids the upload endpoint handed out, never by bytes or paths.
    expect(() => validateArgs('openCaptureFiles', [{ files: [{ name: 'a.pcap', data: 'AAAA' }], append: false }])).toThrow(
      /unexpected field "files"/,
    );
    expect(() => validateArgs('openCaptureFiles', [{ uploads: ['../../etc/passwd'], append: false }])).toThrow(/expected an upload id/);
    validateArgs('openCaptureFiles', [{ uploads: ['0123456789abcdef0123456789abcdef'], append: false }]);
    expect(() => validateArgs('getState', {})).toThrow(/list/);
    expect(() => validateArgs('getPacket', [null])).toThrow(/expected an object/);
    expect(() => validateArgs('getPacket', [{ no: 1.5 }])).toThrow(/integer/);
  });

  it('takes read limits as positive whole numbers only, all three with reload', () => {
    const ok = { maxBytes: 4 * 2 ** 30, maxPackets: 5_000_000, maxMemoryBytes: 2 ** 29, reload: false };
    validateArgs('setLimits', [ok]);
    validateArgs('setLimits', [{ ...ok, maxBytes: Number.MAX_SAFE_INTEGER, reload: true }]);
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 53, '4G', null]) {
      expect(() => validateArgs('setLimits', [{ ...ok, maxPackets: bad }]), String(bad)).toThrow(
        /maxPackets: (expected an integer|out of range)/,
      );
      expect(() => validateArgs('setLimits', [{ ...ok, maxMemoryBytes: bad }]), String(bad)).toThrow(/maxMemoryBytes/);
    }
    const { maxBytes: _, ...noBytes } = ok;
    expect(() => validateArgs('setLimits', [noBytes])).toThrow(/maxBytes: expected an integer/);
    const { reload: __, ...noReload } = ok;
    expect(() => validateArgs('setLimits', [noReload])).toThrow(/reload: expected true or false/);
    expect(() => validateArgs('setLimits', [{ ...ok, maxTime: 1 }])).toThrow(/unexpected field "maxTime"/);
    expect(() => validateArgs('getLimits', [{}])).toThrow(/expected 0 argument/);
  });
});
