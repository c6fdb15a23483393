// Matching one packet across captures when the captures hold it in different forms, on clusters made
// by the kernel in network namespaces (fixtures/captures/review4, see fixtures/README.md).
//
// bulk-tso: a TCP transfer pod → pod over VXLAN, every capture `tcpdump -s 128`. Each data segment is the same packet at all four points, but no
// capture holds it whole and each holds another part of it: the veths 62 payload bytes, the NICs
// (50 bytes of tunnel headers more) 12, or cut to 96 bytes (editcap -s 96) the veths 30 and the
// NICs not even the TCP header's flags. router-frag-ping-s96: 1400-byte pings through the same router (below), every
// capture cut to 96 bytes.
//
// router-frag: a routed VXLAN underlay whose router fragments the tunnel packets. The sending pod's
// veth, bridge, vxlan0 and NIC carry four GSO super-packets (the NIC cuts them after its capture
// point), the router fragments each 1514-byte VXLAN packet into two, the receiving NIC's capture
// holds fifteen MSS-sized segments (each a first fragment with the inner headers and a later one
// without), and the receiver's GRO makes the four segments again. tshark finds 20 000 payload bytes
// at every point, no retransmission and no lost segment.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review4');
const set = (name: string): string[] =>
  readdirSync(join(DIR, name))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(DIR, name, f));

const tmp = mkdtempSync(join(tmpdir(), 'tv-review4-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Set `name`'s files cut to `snap` bytes (`editcap -s`), as `-s <snap>` on every interface takes them. */
function cutSet(name: string, snap: number): string[] {
  const dir = join(tmp, `${name}-${snap}`);
  mkdirSync(dir, { recursive: true });
  return set(name).map((f) => {
    const out = join(dir, basename(f));
    if (spawnSync('editcap', ['-s', String(snap), f, out], { stdio: 'ignore' }).status !== 0) throw new Error(`editcap could not cut ${f}`);
    return out;
  });
}

describe('router-frag: a TCP transfer whose VXLAN packets a router fragments, cut by the NIC and merged by GRO on the way', () => {
  const FLOW = 'tcp 10.50.1.2:48300 > 10.50.2.2:8080';
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('router-frag'));
  });

  it('counts no retransmission: each capture sent every byte once, in the order it captured them', () => {
    const f = a.flow(FLOW)!;
    expect(f.tcp?.retransmissions).toBe(0);
    expect(a.findings.filter((x) => x.code === 'retransmission')).toEqual([]);
  });

  it('counts each byte once in the totals: the segments the receiving NIC saw in pieces are not packets of their own besides', () => {
    const f = a.flow(FLOW)!;
    expect(f.tcp?.dataAToB).toBe(20_000);
    // The totals are the packets as the wire carried them: the receiving NIC's capture, which saw
    // the pieces (its bytes are the most any capture saw: the pieces' headers), not all of it twice.
    const most = Math.max(...f.perCapture.map((c) => c.aToB.bytes));
    const az2 = f.perCapture.find((c) => c.point === 'k8s-prod-az2-w07-ens5.pcap')!;
    expect(az2.aToB.bytes).toBe(most);
    expect(f.aToB).toEqual(az2.aToB);
    expect(f.bToA.packets).toBe(7);
    // Of the receiving NIC's capture, 20 first fragments or whole packets in the data direction; its
    // 12 later fragments (UDP between the nodes, no inner headers) are no packets of the flow.
    expect(az2.aToB.packets).toBe(20);
    expect(a.flows.map((x) => x.id)).toEqual([FLOW]);
  });
});

function all(a: Analysis): Journey[] {
  const out: Journey[] = [];
  for (let k = 0; k < a.journeys.count; k++) out.push(a.journeys.get(k));
  return out;
}

const N1 = 'ip-10-0-3-17.eu-west-1.compute.internal';
const N2 = 'ip-10-0-3-18.eu-west-1.compute.internal';
const PATH = [`${N2}-lxc7e8d6c5b4a39`, `${N2}-ens5`, `${N1}-ens5`, `${N1}-lxc9f3a1b2c0d4e`];
const file = (point: string) => point.replace(/\.pcap$/, '');

for (const [name, files] of [
  ['bulk-tso', () => set('bulk-tso')],
  ['bulk-tso cut to 96 bytes', () => cutSet('bulk-tso', 96)],
] as const) {
  describe(`${name}: TCP segments every capture cut, each after its own number of bytes`, () => {
    const FLOW = 'tcp 10.42.2.4:46100 > 10.42.1.5:9001';
    let a: Analysis;
    beforeAll(async () => {
      a = await loadCaptureSet(files());
    });

    it('follows every data segment through all four captures in order: veth, NIC, NIC, veth', () => {
      const data = all(a).filter((j) => j.hops[0].headers.src === '10.42.2.4' && j.hops[0].headers.length > 1000);
      // The window holds the sender's first 19 segments (8192 bytes most of them).
      expect(data.length).toBe(20);
      for (const j of data) expect(j.hops.map((h) => file(h.point))).toEqual(PATH);
      expect(a.findings.filter((f) => f.code === 'path-gap' || f.code === 'dropped')).toEqual([]);
    });

    it('counts each segment once: the flow is what the sending pod’s veth saw', () => {
      const f = a.flow(FLOW)!;
      const veth = f.perCapture.find((c) => file(c.point) === PATH[0])!;
      expect(f.aToB).toEqual(veth.aToB);
      expect(f.bToA).toEqual(veth.bToA);
      expect(f.journeyCount).toBe(veth.aToB.packets + veth.bToA.packets);
    });
  });
}

describe('router-frag-ping-s96: large pings every capture cut to 96 bytes, fragmented by the router', () => {
  it('follows each echo request and reply through all eight captures, none dropped', async () => {
    const a = await loadCaptureSet(set('router-frag-ping-s96'));
    const echoes = all(a).filter((j) => j.hops[0].headers.protocol === 'icmp');
    expect(echoes.length).toBe(6);
    for (const j of echoes) {
      expect(j.hops.length).toBe(8);
      expect(j.status).toBe('delivered');
    }
    expect(a.findings.filter((f) => f.code === 'path-gap' || f.code === 'dropped')).toEqual([]);
  });
});
