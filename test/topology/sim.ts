// A small flannel-VXLAN cluster written as real bytes (Ethernet/IPv4/UDP/TCP/ICMP/VXLAN with valid
// checksums) into one pcap per node interface, the way tcpdump on each interface would see a packet
// crossing it: pod veth -> cni0 -> (routing: TTL-1, DNAT) -> flannel.1 -> eth0 (VXLAN) -> remote
// eth0 -> flannel.1 -> cni0 (TTL-1) -> veth. Used to test the topology code through the real reader
// and decoder before (and beside) the kernel-made lab captures.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap } from '../../main/engine/writers/pcap';

const u16 = (v: number) => [(v >> 8) & 255, v & 255];
const u32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const ip = (s: string) => s.split('.').map(Number);
const mac = (s: string) => s.split(':').map((x) => parseInt(x, 16));

function csum(b: number[]): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export interface Ip4 {
  src: string;
  dst: string;
  proto: number;
  ttl: number;
  id: number;
  df?: boolean;
}

export function ipv4(h: Ip4, payload: number[]): number[] {
  const hdr = [0x45, 0, ...u16(20 + payload.length), ...u16(h.id), h.df ? 0x40 : 0, 0, h.ttl, h.proto, 0, 0, ...ip(h.src), ...ip(h.dst)];
  const c = csum(hdr);
  hdr[10] = c >> 8;
  hdr[11] = c & 255;
  return [...hdr, ...payload];
}

function l4sum(src: string, dst: string, proto: number, seg: number[]): number {
  return csum([...ip(src), ...ip(dst), 0, proto, ...u16(seg.length), ...seg]);
}

export function udp(src: string, dst: string, sport: number, dport: number, payload: number[]): number[] {
  const seg = [...u16(sport), ...u16(dport), ...u16(8 + payload.length), 0, 0, ...payload];
  const c = l4sum(src, dst, 17, seg) || 0xffff;
  seg[6] = c >> 8;
  seg[7] = c & 255;
  return seg;
}

export function tcp(
  src: string,
  dst: string,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  win: number,
  payload: number[],
): number[] {
  const seg = [...u16(sport), ...u16(dport), ...u32(seq), ...u32(ack), 0x50, flags, ...u16(win), 0, 0, 0, 0, ...payload];
  const c = l4sum(src, dst, 6, seg);
  seg[16] = c >> 8;
  seg[17] = c & 255;
  return seg;
}

export function icmpEcho(type: number, id: number, seq: number, payload: number[]): number[] {
  const m = [type, 0, 0, 0, ...u16(id), ...u16(seq), ...payload];
  const c = csum(m);
  m[2] = c >> 8;
  m[3] = c & 255;
  return m;
}

export function eth(dst: string, src: string, type: number, payload: number[]): number[] {
  return [...mac(dst), ...mac(src), ...u16(type), ...payload];
}

export function vxlan(vni: number, frame: number[]): number[] {
  return [0x08, 0, 0, 0, ...u32(vni << 8), ...frame];
}

// ---- the cluster ----

export interface SimNode {
  name: string;
  ip: string;
  nicMac: string;
  cidr: string;
  gw: string;
  gwMac: string;
  vtepMac: string;
}
export interface SimPod {
  name: string;
  ip: string;
  mac: string;
  node: string;
  veth: string;
}

export const NODES: SimNode[] = [
  {
    name: 'node1',
    ip: '192.168.56.11',
    nicMac: '52:54:00:00:00:11',
    cidr: '10.244.0.0/24',
    gw: '10.244.0.1',
    gwMac: '0a:58:0a:f4:00:01',
    vtepMac: '2e:00:00:00:00:11',
  },
  {
    name: 'node2',
    ip: '192.168.56.12',
    nicMac: '52:54:00:00:00:12',
    cidr: '10.244.1.0/24',
    gw: '10.244.1.1',
    gwMac: '0a:58:0a:f4:01:01',
    vtepMac: '2e:00:00:00:00:12',
  },
  {
    name: 'node3',
    ip: '192.168.56.13',
    nicMac: '52:54:00:00:00:13',
    cidr: '10.244.2.0/24',
    gw: '10.244.2.1',
    gwMac: '0a:58:0a:f4:02:01',
    vtepMac: '2e:00:00:00:00:13',
  },
];
export const PODS: SimPod[] = [
  { name: 'client', ip: '10.244.0.2', mac: '0a:58:0a:f4:00:02', node: 'node1', veth: 'veth1a2b3c4d' },
  { name: 'tools', ip: '10.244.0.3', mac: '0a:58:0a:f4:00:03', node: 'node1', veth: 'veth5e6f7a8b' },
  { name: 'web', ip: '10.244.1.2', mac: '0a:58:0a:f4:01:02', node: 'node2', veth: 'veth9c0d1e2f' },
  { name: 'coredns', ip: '10.244.2.2', mac: '0a:58:0a:f4:02:02', node: 'node3', veth: 'veth3a4b5c6d' },
  { name: 'blocked', ip: '10.244.2.3', mac: '0a:58:0a:f4:02:03', node: 'node3', veth: 'veth7e8f9a0b' },
];
export const VIP = '10.96.0.10';

export interface SimCaptureSet {
  dir: string;
  files: string[];
  /** Capture file of a node interface. */
  file(node: string, iface: string): string;
}

interface Sighting {
  t: number;
  data: number[];
}

export interface SimOptions {
  /** Seconds added to every timestamp of one node (clock skew). */
  skew?: { node: string; seconds: number };
  /** Interfaces not captured: 'node2-flannel.1' etc. */
  omit?: string[];
  /** File name for a capture (default `${node}-${iface}.pcap`). */
  name?: (node: string, iface: string) => string;
  /**
   * Trouble on top of the normal traffic: a TCP retransmission and a zero window, a 1500-byte DF
   * packet refused by the tunnel MTU (ICMP fragmentation-needed back to the pod, never reaches
   * flannel.1), and one frame with a bad IPv4 header checksum on the client's veth.
   */
  trouble?: boolean;
  /** A capture that loses its n-th packet (tcpdump's "dropped by kernel"): ['node1-eth0', 0]. */
  lose?: [string, number];
}

const node = (n: string) => NODES.find((x) => x.name === n)!;
const podByIp = (a: string) => PODS.find((p) => p.ip === a);

/** What the simulated cluster sends; returns the capture files. */
export function simulate(opts: SimOptions = {}): SimCaptureSet {
  const caps = new Map<string, Sighting[]>();
  const see = (n: string, iface: string, t: number, data: number[]) => {
    const k = `${n}-${iface}`;
    if (!caps.has(k)) caps.set(k, []);
    caps.get(k)!.push({ t: t + (opts.skew && opts.skew.node === n ? opts.skew.seconds : 0), data });
  };
  // Every interface exists and is captured even when idle.
  for (const n of NODES) for (const i of ['eth0', 'cni0', 'flannel.1']) caps.set(`${n.name}-${i}`, caps.get(`${n.name}-${i}`) ?? []);
  for (const p of PODS) caps.set(`${p.node}-${p.veth}`, []);
  let ipid = 1000;
  let sport = 40000;
  const us = 1e-6;

  /**
   * Sends an IPv4 packet from a pod, with the L4 built from the current addresses (NAT rebuilds it).
   * dnat: rewrite dst on the source node after cni0; unDnat: rewrite src back to the VIP on the
   * destination node before cni0. dropAt: stop after this interface on the destination node.
   */
  const send = (
    t0: number,
    from: SimPod,
    dst: string,
    proto: number,
    l4: (s: string, d: string) => number[],
    o: { dnatTo?: string; unDnatFrom?: string; dropAfter?: string; badChecksumAtSource?: boolean; ipId?: number } = {},
  ) => {
    const id = o.ipId ?? ipid++;
    let t = t0;
    const src = from.ip;
    const sn = node(from.node);
    let realDst = o.dnatTo ?? dst;
    const frame = (s: string, d: string, ttl: number, smac: string, dmac: string) =>
      eth(dmac, smac, 0x0800, ipv4({ src: s, dst: d, proto, ttl, id, df: true }, l4(s, d)));
    const dp = podByIp(realDst)!;
    const dn = node(dp.node);
    const sameNode = dn.name === sn.name;
    // source node
    const f1 = frame(src, dst, 64, from.mac, sameNode && !o.dnatTo ? dp.mac : sn.gwMac);
    const f1bad = f1.slice();
    f1bad[24] ^= 0x5a; // IPv4 header checksum (offset 14 + 10)
    see(sn.name, from.veth, t, o.badChecksumAtSource ? f1bad : f1);
    see(sn.name, 'cni0', (t += 3 * us), f1);
    if (o.dropAfter === 'cni0') return;
    if (sameNode && !o.dnatTo) {
      see(sn.name, dp.veth, t + 3 * us, f1);
      return;
    }
    realDst = o.dnatTo ?? dst;
    const inner = frame(src, realDst, 63, sn.vtepMac, dn.vtepMac);
    see(sn.name, 'flannel.1', (t += 8 * us), inner);
    const outer = eth(
      dn.nicMac,
      sn.nicMac,
      0x0800,
      ipv4({ src: sn.ip, dst: dn.ip, proto: 17, ttl: 64, id: 0 }, udp(sn.ip, dn.ip, 30000 + (id % 2000), 8472, vxlan(1, inner))),
    );
    see(sn.name, 'eth0', (t += 4 * us), outer);
    see(dn.name, 'eth0', (t += 25 * us), outer);
    see(dn.name, 'flannel.1', (t += 5 * us), inner);
    if (o.dropAfter === 'flannel.1') return;
    const s2 = o.unDnatFrom ?? src;
    const f2 = frame(s2, realDst, 62, dn.gwMac, dp.mac);
    see(dn.name, 'cni0', (t += 8 * us), f2);
    see(dn.name, dp.veth, t + 3 * us, f2);
  };
  const [client, tools, web, coredns, blocked] = PODS;
  const T = 1_700_000_000;
  // 1. ping client -> web (cross node) x3 and replies.
  for (let s = 1; s <= 3; s++) {
    const pl = Array.from({ length: 56 }, (_, i) => (i + s) & 255);
    send(T + s, client, web.ip, 1, () => icmpEcho(8, 77, s, pl));
    send(T + s + 0.0004, web, client.ip, 1, () => icmpEcho(0, 77, s, pl));
  }
  // 2. same-node ping client -> tools.
  send(T + 5, client, tools.ip, 1, () => icmpEcho(8, 78, 1, [1, 2, 3, 4]));
  send(T + 5.0001, tools, client.ip, 1, () => icmpEcho(0, 78, 1, [1, 2, 3, 4]));
  // 2b. tools -> web (so node1's bridge carries more than the client's traffic).
  send(T + 5.5, tools, web.ip, 1, () => icmpEcho(8, 79, 1, [9, 9, 9, 9]));
  send(T + 5.5002, web, tools.ip, 1, () => icmpEcho(0, 79, 1, [9, 9, 9, 9]));
  // 3. DNS over UDP to the ClusterIP, DNATed to coredns on node3; reply un-DNATed on node1.
  const q = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 119, 101, 98, 0, 0, 1, 0, 1];
  const ans = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 3, 119, 101, 98, 0, 0, 1, 0, 1];
  sport = 41053;
  send(T + 6, client, VIP, 17, (s, d) => udp(s, d, sport, 53, q), { dnatTo: coredns.ip });
  sendReplyViaVip(T + 6.0005);
  function sendReplyViaVip(t0: number) {
    // coredns -> client; node1 rewrites the source back to the VIP (conntrack reverse NAT) after flannel.1.
    const id = ipid++;
    let t = t0;
    const sn = node(coredns.node);
    const dn = node(client.node);
    const l4 = (s: string, d: string) => udp(s, d, 53, sport, ans);
    const fr = (s: string, d: string, ttl: number, smac: string, dmac: string) =>
      eth(dmac, smac, 0x0800, ipv4({ src: s, dst: d, proto: 17, ttl, id, df: false }, l4(s, d)));
    const f1 = fr(coredns.ip, client.ip, 64, coredns.mac, sn.gwMac);
    see(sn.name, coredns.veth, t, f1);
    see(sn.name, 'cni0', (t += 3 * us), f1);
    const inner = fr(coredns.ip, client.ip, 63, sn.vtepMac, dn.vtepMac);
    see(sn.name, 'flannel.1', (t += 8 * us), inner);
    const outer = eth(
      dn.nicMac,
      sn.nicMac,
      0x0800,
      ipv4({ src: sn.ip, dst: dn.ip, proto: 17, ttl: 64, id: 0 }, udp(sn.ip, dn.ip, 31000, 8472, vxlan(1, inner))),
    );
    see(sn.name, 'eth0', (t += 4 * us), outer);
    see(dn.name, 'eth0', (t += 25 * us), outer);
    see(dn.name, 'flannel.1', (t += 5 * us), inner);
    const f2 = fr(VIP, client.ip, 62, dn.gwMac, client.mac);
    see(dn.name, 'cni0', (t += 8 * us), f2);
    see(dn.name, client.veth, t + 3 * us, f2);
  }
  // 4. TCP handshake + data client -> web.
  const c0 = 1000;
  const s0 = 5000;
  send(T + 7, client, web.ip, 6, (s, d) => tcp(s, d, 42080, 8080, c0, 0, 0x02, 64240, []));
  send(T + 7.0003, web, client.ip, 6, (s, d) => tcp(s, d, 8080, 42080, s0, c0 + 1, 0x12, 65160, []));
  send(T + 7.0006, client, web.ip, 6, (s, d) => tcp(s, d, 42080, 8080, c0 + 1, s0 + 1, 0x10, 502, []));
  send(T + 7.001, client, web.ip, 6, (s, d) => tcp(s, d, 42080, 8080, c0 + 1, s0 + 1, 0x18, 502, [71, 69, 84, 32, 47]));
  send(T + 7.0015, web, client.ip, 6, (s, d) => tcp(s, d, 8080, 42080, s0 + 1, c0 + 6, 0x10, 509, []));
  // 5. UDP to the blocked pod: dropped on node3 after flannel.1 (never reaches cni0).
  send(T + 8, client, blocked.ip, 17, (s, d) => udp(s, d, 43999, 9999, [1, 2, 3, 4, 5, 6, 7, 8]), { dropAfter: 'flannel.1' });
  send(T + 9, client, blocked.ip, 17, (s, d) => udp(s, d, 43999, 9999, [8, 7, 6, 5, 4, 3, 2, 1]), { dropAfter: 'flannel.1' });
  if (opts.trouble) {
    // 6. The data segment sent again (new IP ID, same bytes), and a zero-window ACK from web.
    send(T + 10, client, web.ip, 6, (s, d) => tcp(s, d, 42080, 8080, c0 + 1, s0 + 1, 0x18, 502, [71, 69, 84, 32, 47]));
    send(T + 10.001, web, client.ip, 6, (s, d) => tcp(s, d, 8080, 42080, s0 + 1, c0 + 6, 0x10, 0, []));
    // 7. A 1500-byte DF datagram to web: too big for the VXLAN device (MTU 1450): node1 answers with
    //    ICMP fragmentation-needed from the bridge address, the datagram never reaches flannel.1.
    const big = Array.from({ length: 1500 - 28 }, (_, i) => i & 255);
    const bigId = ipid;
    send(T + 11, client, web.ip, 17, (s, d) => udp(s, d, 45000, 7777, big), { dropAfter: 'cni0' });
    const n1 = node('node1');
    const quoted = ipv4(
      { src: client.ip, dst: web.ip, proto: 17, ttl: 64, id: bigId, df: true },
      udp(client.ip, web.ip, 45000, 7777, big),
    ).slice(0, 28);
    const icmpErr = [3, 4, 0, 0, 0, 0, ...u16(1450), ...quoted];
    const c = csum(icmpErr);
    icmpErr[2] = c >> 8;
    icmpErr[3] = c & 255;
    const err = eth(client.mac, n1.gwMac, 0x0800, ipv4({ src: n1.gw, dst: client.ip, proto: 1, ttl: 64, id: ipid++ }, icmpErr));
    see('node1', 'cni0', T + 11.00001, err);
    see('node1', client.veth, T + 11.000012, err);
    // 7b. Two identical duplicate ACKs 200 ms apart from a stack that sends IP ID 0.
    for (const dt of [0, 0.2])
      send(T + 13 + dt, web, client.ip, 6, (s, d) => tcp(s, d, 8080, 42080, s0 + 1, c0 + 6, 0x10, 509, []), { ipId: 0 });
    // 8. A ping whose first sighting (client's veth, sending host) has a bad header checksum.
    send(T + 12, client, web.ip, 1, () => icmpEcho(8, 80, 1, [5, 5, 5, 5]), { badChecksumAtSource: true });
  }
  void tools;
  void sport;

  const dir = mkdtempSync(join(tmpdir(), 'tv-topo-'));
  const files: string[] = [];
  const names = new Map<string, string>();
  for (const [k, list] of caps) {
    if (opts.omit?.includes(k)) continue;
    const [n, ...rest] = k.split('-');
    const iface = rest.join('-');
    const name = opts.name ? opts.name(n, iface) : `${k}.pcap`;
    names.set(k, name);
    list.sort((a, b) => a.t - b.t);
    if (opts.lose && opts.lose[0] === k) list.splice(opts.lose[1], 1);
    const bytes = encodePcap(
      { linktype: 1, nanosecond: true },
      list.map((s) => {
        const sec = Math.floor(s.t);
        return { tsSec: sec, tsNsec: Math.round((s.t - sec) * 1e9), data: Uint8Array.from(s.data) };
      }),
    );
    const path = join(dir, name);
    writeFileSync(path, bytes);
    files.push(path);
  }
  return { dir, files, file: (n, i) => names.get(`${n}-${i}`) ?? '' };
}

/** Dropped packets the findings tell of: drops told the same way are one finding saying '(N packets)'. */
export function droppedPackets(a: { readonly findings: readonly { readonly code: string; readonly message: string }[] }): number {
  return a.findings.filter((f) => f.code === 'dropped').reduce((n, f) => n + Number(/ \((\d+) packets\): /.exec(f.message)?.[1] ?? 1), 0);
}
