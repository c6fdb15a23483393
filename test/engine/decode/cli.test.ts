// `tunnelvision decode` run as a user runs it (a child process through bin.mjs): formats, decode-as,
// exit codes and error messages.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePcap } from '../../../main/engine/writers/pcap';
import { eth, ipv4, icmpEcho, udp, vxlan } from './build';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'main/cli/bin.mjs');
function tv(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'decode', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir = '';
let good = '';
let cut = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tv-cli-'));
  const inner = eth(0x0800, ipv4({ src: '10.244.1.2', dst: '10.244.2.3', proto: 1 }, icmpEcho(8, 0x42, 7)));
  const pkts = [eth(0x0800, ipv4({ src: '192.168.1.1', dst: '192.168.1.2', proto: 17 }, udp(41000, 9999, vxlan(77, inner)))), inner];
  const pcap = encodePcap(
    { linktype: 1 },
    pkts.map((data, i) => ({ tsSec: 1700000000 + i, tsNsec: 5000, data })),
  );
  good = join(dir, 'good.pcap');
  writeFileSync(good, pcap);
  cut = join(dir, 'cut.pcap');
  writeFileSync(cut, pcap.subarray(0, pcap.length - 5));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tunnelvision decode', () => {
  it('text: one line per packet with outer and inner addresses; decode-as makes a port VXLAN', () => {
    const plain = tv(good);
    expect(plain.code).toBe(0);
    expect(plain.out.trim().split('\n')[0]).toBe(
      '1 1700000000.000005000 good.pcap 192.168.1.1:41000 > 192.168.1.2:9999 UDP 96 41000 → 9999 Len=54',
    );
    const r = tv('--decode-as', 'udp:9999=vxlan', good);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual([
      '1 1700000000.000005000 good.pcap 192.168.1.1:41000 > 192.168.1.2:9999 | 10.244.1.2 > 10.244.2.3 ICMP 96 Echo (ping) request  id=0x0042, seq=7, ttl=64',
      '2 1700000001.000005000 good.pcap 10.244.1.2 > 10.244.2.3 ICMP 46 Echo (ping) request  id=0x0042, seq=7, ttl=64',
    ]);
  });

  it('jsonl: one object per packet with every layer and field', () => {
    const r = tv('--format', 'jsonl', '--decode-as=udp:9999=vxlan', good);
    expect(r.code).toBe(0);
    const objs = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs.length).toBe(2);
    expect(objs[0].layers.map((l: { proto: string; level: number }) => `${l.proto}@${l.level}`)).toEqual([
      'eth@0',
      'ip@0',
      'udp@0',
      'vxlan@0',
      'eth@1',
      'ip@1',
      'icmp@1',
      'data@1',
    ]);
    expect(objs[0].levels).toBe(2);
    const vni = objs[0].layers[3].fields.find((f: { name: string }) => f.name === 'vxlan.vni');
    expect(vni).toMatchObject({ value: 77, offset: 14 + 20 + 8 + 4, length: 3 });
  });

  it('oracle: the tshark oracle document shape', () => {
    const r = tv('--format', 'oracle', '--decode-as', 'udp:9999=vxlan', good);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.frame_count).toBe(2);
    expect(doc.frames[0]).toMatchObject({
      number: 1,
      time_epoch: '1700000000.000005000',
      cap_len: 96,
      len: 96,
      linktype: 1,
      vxlan_vni: [77],
      malformed: false,
      truncated: false,
    });
    expect(doc.frames[0].ip.map((x: { src: string }) => x.src)).toEqual(['192.168.1.1', '10.244.1.2']);
    expect(doc.frames[0].icmp).toEqual([{ proto: 'icmp', type: 8, code: 0 }]);
    expect(doc.decode_as).toContain('udp.port==8472,vxlan');
  });

  it('exit 1 with file, byte offset and reason when a file fails; the packets before are still printed', () => {
    const r = tv(cut, good);
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n').length).toBe(1 + 2);
    expect(r.err).toMatch(/cut\.pcap: byte offset \d+: .+/);
    const missing = tv(join(dir, 'nope.pcap'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.pcap: byte offset 0: cannot open/);
  });

  it('stops quietly when the reader of its output goes away (| head)', async () => {
    const many = join(dir, 'many.pcap');
    const pkt = eth(0x0800, ipv4({ proto: 17 }, udp(41000, 4789, vxlan(1, eth(0x0800, ipv4({ proto: 1 }, icmpEcho(8, 1, 1)))))));
    writeFileSync(
      many,
      encodePcap(
        { linktype: 1 },
        Array.from({ length: 30000 }, (_, i) => ({ tsSec: i, tsNsec: 0, data: pkt })),
      ),
    );
    const child = spawn(process.execPath, [BIN, 'decode', many], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => {
      err += b;
    });
    await new Promise<void>((r) =>
      child.stdout.once('data', () => {
        child.stdout.destroy();
        r();
      }),
    );
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('exit 2 on usage errors', () => {
    expect(tv().code).toBe(2);
    expect(tv('--format', 'xml', good).code).toBe(2);
    const bad = tv('--decode-as', 'udp:9999=nonsense', good);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown protocol 'nonsense'/);
    expect(tv('--bogus', good).code).toBe(2);
  });
});
