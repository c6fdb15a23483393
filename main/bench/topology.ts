// Correlation benchmark (issue 4): a capture set of 8 files (two flannel-VXLAN nodes, each captured
// on a pod veth, cni0, flannel.1 and eth0), every packet seen at all 8 points, 1M sightings by
// default. Measures reading + decoding the set into the packet table, then the analysis (journey
// matching by hash, clock offsets, cluster model, flows, path checks) separately; prints journeys
// found and checks that every journey has its 8 hops.

import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcapHeader, encodePcapRecord } from '../engine/writers/pcap';
import { analyze } from '../topology/analyze';
import { readCaptureSet } from '../topology/load';
import { fmt, row } from './measure';
import type { BenchContext, BenchSection, StepReport } from './types';

const VERSION = 1;
/** The set's capture points, in file order (one pcap each, named `<point>.pcap`). */
export const POINTS = [
  'n1-vethaaaa0001',
  'n1-cni0',
  'n1-flannel.1',
  'n1-eth0',
  'n2-eth0',
  'n2-flannel.1',
  'n2-cni0',
  'n2-vethbbbb0002',
] as const;

function setDir(sightings: number): string {
  return join(tmpdir(), 'tunnelvision-bench', `topology-${sightings}-v${VERSION}`);
}
const files = (dir: string) => POINTS.map((p) => join(dir, `${p}.pcap`));

function csum16(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | b[off + i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Ethernet + IPv4 + TCP (payload of `plen` bytes) into `b` at `o`; returns the length. */
function tcpFrame(
  b: Uint8Array,
  o: number,
  smac: number,
  dmac: number,
  src: number,
  dst: number,
  ttl: number,
  id: number,
  sp: number,
  dp: number,
  seq: number,
  ack: number,
  flags: number,
  plen: number,
): number {
  const v = new DataView(b.buffer, b.byteOffset);
  v.setUint16(o, 0x0a58);
  v.setUint32(o + 2, dmac);
  v.setUint16(o + 6, 0x0a58);
  v.setUint32(o + 8, smac);
  v.setUint16(o + 12, 0x0800);
  const ip = o + 14;
  v.setUint8(ip, 0x45);
  v.setUint8(ip + 1, 0);
  v.setUint16(ip + 2, 40 + plen);
  v.setUint16(ip + 4, id & 0xffff);
  v.setUint16(ip + 6, 0x4000);
  v.setUint8(ip + 8, ttl);
  v.setUint8(ip + 9, 6);
  v.setUint16(ip + 10, 0);
  v.setUint32(ip + 12, src);
  v.setUint32(ip + 16, dst);
  v.setUint16(ip + 10, csum16(b, ip, 20));
  const t = ip + 20;
  v.setUint16(t, sp);
  v.setUint16(t + 2, dp);
  v.setUint32(t + 4, seq);
  v.setUint32(t + 8, ack);
  v.setUint8(t + 12, 0x50);
  v.setUint8(t + 13, flags);
  v.setUint16(t + 14, 64240);
  v.setUint32(t + 16, 0);
  for (let i = 0; i < plen; i++) b[t + 20 + i] = (seq + i * 31) & 0xff;
  return 54 + plen;
}

/** Wraps the inner frame at `inner` (length n) into Ethernet/IPv4/UDP 8472/VXLAN VNI 1 at `o`. */
function vxlanFrame(b: Uint8Array, o: number, inner: Uint8Array, n: number, srcIp: number, dstIp: number, sport: number): number {
  const v = new DataView(b.buffer, b.byteOffset);
  v.setUint16(o, 0x5254);
  v.setUint32(o + 2, dstIp);
  v.setUint16(o + 6, 0x5254);
  v.setUint32(o + 8, srcIp);
  v.setUint16(o + 12, 0x0800);
  const ip = o + 14;
  v.setUint8(ip, 0x45);
  v.setUint8(ip + 1, 0);
  v.setUint16(ip + 2, 20 + 8 + 8 + n);
  v.setUint16(ip + 4, 0);
  v.setUint16(ip + 6, 0);
  v.setUint8(ip + 8, 64);
  v.setUint8(ip + 9, 17);
  v.setUint16(ip + 10, 0);
  v.setUint32(ip + 12, srcIp);
  v.setUint32(ip + 16, dstIp);
  v.setUint16(ip + 10, csum16(b, ip, 20));
  const u = ip + 20;
  v.setUint16(u, sport);
  v.setUint16(u + 2, 8472);
  v.setUint16(u + 4, 16 + n);
  v.setUint16(u + 6, 0);
  v.setUint32(u + 8, 0x08000000);
  v.setUint32(u + 12, 1 << 8);
  b.set(inner.subarray(0, n), u + 16);
  return 14 + 20 + 8 + 8 + n;
}

/** Writes the 8 captures (cached). Pod A (10.244.0.2 on node1) and pod B (10.244.1.2 on node2) exchange TCP flows. */
export function ensureTopologySet(sightings: number, log: (s: string) => void = () => {}): string[] {
  const dir = setDir(sightings);
  const paths = files(dir);
  if (paths.every((p) => existsSync(p))) return paths;
  mkdirSync(dir, { recursive: true });
  log(`generating ${sightings} sightings over ${POINTS.length} captures into ${dir} (once) ...`);
  const tmp = paths.map((p) => `${p}.${process.pid}.tmp`);
  const fds = tmp.map((p) => openSync(p, 'w'));
  const header = encodePcapHeader({ linktype: 1, nanosecond: true });
  fds.forEach((fd) => writeSync(fd, header));
  const N1 = 0xc0a8380b;
  const N2 = 0xc0a8380c; // 192.168.56.11 / .12
  const podA = 0x0af40002;
  const podB = 0x0af40102; // 10.244.0.2 / 10.244.1.2
  const buf = new Uint8Array(4096);
  const inner = new Uint8Array(2048);
  const packets = Math.floor(sightings / POINTS.length);
  const batches: Uint8Array[][] = fds.map(() => []);
  let t = 1_700_000_000 * 1e9;
  const flows = 2000;
  const seqs = new Uint32Array(flows * 2);
  for (let i = 0; i < packets; i++) {
    const f = i % flows;
    const fromA = (i >> 1) % 2 === 0;
    const src = fromA ? podA : podB;
    const dst = fromA ? podB : podA;
    const sp = fromA ? 30000 + f : 8080;
    const dp = fromA ? 8080 : 30000 + f;
    const plen = fromA ? 100 + (i % 7) * 50 : 0;
    const seq = (seqs[f * 2 + (fromA ? 0 : 1)] += plen || 1);
    const ack = seqs[f * 2 + (fromA ? 1 : 0)];
    const id = i & 0xffff;
    // The hops in order: source side, then destination side (reversed for B -> A).
    const order = fromA ? [0, 1, 2, 3, 4, 5, 6, 7] : [7, 6, 5, 4, 3, 2, 1, 0];
    let ts = (t += 20_000);
    // The pods' packet between the two VTEPs: on the tunnel device as it is, on the NIC inside VXLAN.
    const overlay = (into: Uint8Array) =>
      tcpFrame(into, 0, fromA ? 0x2e000011 : 0x2e000012, fromA ? 0x2e000012 : 0x2e000011, src, dst, 63, id, sp, dp, seq, ack, 0x18, plen);
    for (let h = 0; h < 8; h++) {
      const p = order[h];
      const node1 = p < 4;
      const srcSide = node1 === fromA;
      const kind = p % 4 === 0 || p % 4 === 3 ? (p === 0 || p === 7 ? 'veth' : 'eth0') : p === 1 || p === 6 ? 'cni0' : 'vtep';
      let n: number;
      if (kind === 'eth0') {
        n = vxlanFrame(buf, 0, inner, overlay(inner), fromA ? N1 : N2, fromA ? N2 : N1, 40000 + f);
      } else if (kind === 'vtep') {
        n = overlay(buf);
      } else {
        const ttl = srcSide ? 64 : 62;
        const podMac = fromA ? 0xf4000002 : 0xf4010002;
        const gw = srcSide ? (fromA ? 0xf4000001 : 0xf4010001) : fromA ? 0xf4010001 : 0xf4000001;
        const dstPodMac = fromA ? 0xf4010002 : 0xf4000002;
        n = srcSide
          ? tcpFrame(buf, 0, podMac, gw, src, dst, ttl, id, sp, dp, seq, ack, 0x18, plen)
          : tcpFrame(buf, 0, gw, dstPodMac, src, dst, ttl, id, sp, dp, seq, ack, 0x18, plen);
      }
      ts += 3000 + h * 500;
      const sec = Math.floor(ts / 1e9);
      batches[p].push(encodePcapRecord({ tsSec: sec, tsNsec: ts - sec * 1e9, data: buf.slice(0, n) }, true));
    }
    if (i % 4096 === 4095 || i === packets - 1) {
      batches.forEach((b, k) => {
        if (b.length) writeSync(fds[k], Buffer.concat(b));
        b.length = 0;
      });
    }
  }
  fds.forEach((fd) => closeSync(fd));
  tmp.forEach((p, k) => renameSync(p, paths[k]));
  return paths;
}

async function correlate(_capture: string, args: string[]): Promise<StepReport> {
  const sightings = Number(args[0]);
  const paths = ensureTopologySet(sightings);
  const t0 = performance.now();
  const set = await readCaptureSet(paths);
  const t1 = performance.now();
  const a = analyze(set.table, set.files, set.points, { overrides: set.overrides, bgp: set.bgp });
  const t2 = performance.now();
  let full = 0;
  const step = Math.max(1, Math.floor(a.journeys.count / 1000));
  let sampled = 0;
  for (let k = 0; k < a.journeys.count; k += step) {
    sampled++;
    if (a.journeys.get(k).hops.length === POINTS.length) full++;
  }
  return {
    packets: set.table.count,
    bytes: paths.reduce((n, p) => n + statSync(p).size, 0),
    ms: t2 - t0,
    extra: {
      'read+decode ms': Math.round(t1 - t0),
      'analysis ms': Math.round(t2 - t1),
      journeys: a.journeys.count,
      'sampled journeys with all 8 hops': `${full}/${sampled}`,
      flows: a.flows.length,
      nodes: a.model.nodes.length,
    },
  };
}

export const topologySection: BenchSection = {
  id: 'topology',
  title: 'Correlation: journeys across 8 captures (issue 4)',
  steps: { correlate },
  async run(ctx: BenchContext): Promise<void> {
    const sightings = ctx.capture.packets;
    ensureTopologySet(sightings, ctx.out);
    ctx.out(
      `set: ${POINTS.length} captures (veth, cni0, flannel.1, eth0 on two nodes), ${sightings} packets in all, each packet seen in every capture`,
    );
    const m = await ctx.step('topology.correlate', [String(sightings)]);
    if (m.exitCode !== 0 || !m.report) {
      ctx.out(`correlate FAILED (exit ${m.exitCode}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return;
    }
    const r = m.report;
    ctx.out(row('loadCaptureSet (read, decode, analyse)', r.packets, r.bytes, r.ms, m.peakRss, ''));
    for (const [k, v] of Object.entries(r.extra ?? {})) ctx.out(`${''.padEnd(44)} ${k}: ${v}`);
    const analysisMs = Number(r.extra?.['analysis ms'] ?? 0);
    ctx.out(`${''.padEnd(44)} analysis alone: ${fmt.rate(r.packets / (analysisMs / 1000))} packets/s`);
    ctx.figures.set('topology.analysisMs', analysisMs);
  },
};
