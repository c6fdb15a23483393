// The contract's wire format (browser mode) and argument validation.
import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, fromBase64, isMethodName, METHOD_NAMES, METHODS, toBase64, validateArgs } from '../../common/contract';

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
  it('has a validator for every method, and nothing else is a method', () => {
    expect(METHOD_NAMES.length).toBe(Object.keys(METHODS).length);
    expect(isMethodName('getState')).toBe(true);
    for (const bad of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'close', 'writePcapng']) expect(isMethodName(bad), bad).toBe(false);
  });

  it('checks tagged unions and enumerations', () => {
    validateArgs('exportPcapng', [{ selection: { kind: 'flow', flow: 'icmp 1 > 2' } }]);
    expect(() => validateArgs('exportPcapng', [{ selection: { kind: 'flow', flow: 'x', filter: 'y' } }])).toThrow(/unexpected field "filter"/);
    expect(() => validateArgs('exportPcapng', [{ selection: { kind: 'shell', cmd: 'rm -rf /' } }])).toThrow(/unknown kind/);
    expect(() => validateArgs('exportReport', [{ format: 'exe' }])).toThrow(/one of/);
    validateArgs('exportReport', [{ format: 'pdf' }]);
    expect(() => validateArgs('queryPackets', [{ filter: 'x'.repeat(5000), element: null, sort: 'no', descending: false, offset: 0, limit: 10, locate: 0 }])).toThrow(/longer than/);
    expect(() => validateArgs('queryPackets', [{ filter: '', element: null, sort: 'no', descending: false, offset: 0, limit: 100000, locate: 0 }])).toThrow(/out of range/);
    expect(() => validateArgs('openCaptureFiles', [{ files: [{ name: 'a.pcap', data: 'AAAA' }], append: false }])).toThrow(/expected bytes/);
    expect(() => validateArgs('getState', {} as unknown as unknown[])).toThrow(/list/);
    expect(() => validateArgs('getPacket', [null])).toThrow(/expected an object/);
    expect(() => validateArgs('getPacket', [{ no: 1.5 }])).toThrow(/integer/);
  });
});
