// The benchmark's capture: realistic node-level traffic of a flannel cluster, generated once and
// cached in the temp folder. Thousands of TCP flows between pods, seen the ways a node sees them:
//   - plain on the bridge (cni0): Ethernet / IPv4 / TCP, 1500-byte segments and 66-byte ACKs
//   - VXLAN on UDP 8472 (flannel's vxlan backend) and 4789 (the IANA port): outer Ethernet / IPv4 /
//     UDP / VXLAN, inner Ethernet / IPv4 / TCP with the MTU lowered to 1450 as flannel does
//   - flannel's UDP backend on 8285: outer Ethernet / IPv4 / UDP, inner bare IPv4 / TCP (MTU 1472)
//   - cluster DNS: UDP 53 queries and answers between pods and the DNS service
// Written through the product's own pcap writer (little-endian, microseconds).

import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcapHeader, encodePcapRecord } from '../engine/writers/pcap';

const VERSION = 2;

export interface SynthCapture {
  path: string;
  packets: number;
  bytes: number;
}

export function benchCapturePath(packets: number): string {
  return join(tmpdir(), 'tunnelvision-bench', `cluster-${packets}-v${VERSION}.pcap`);
}

/** The cached capture of `packets` packets, generated on first use. */
export function ensureBenchCapture(packets: number, log: (s: string) => void = () => {}): SynthCapture {
  const path = benchCapturePath(packets);
  if (!existsSync(path)) {
    mkdirSync(join(tmpdir(), 'tunnelvision-bench'), { recursive: true });
    log(`generating ${packets} packets into ${path} (once) ...`);
    const tmp = `${path}.${process.pid}.tmp`;
    writeCapture(tmp, packets);
    renameSync(tmp, path);
  }
  return { path, packets, bytes: statSync(path).size };
}

const FLOWS = 4000;
const enum Kind {
  PLAIN,
  VXLAN_8472,
  VXLAN_4789,
  FLANNEL_UDP,
  DNS,
}

interface Flow {
  kind: Kind;
  client: number; // pod IPv4 as uint32
  server: number;
  cport: number;
  sport: number;
  nodeA: number; // node IPv4 of the client's node
  nodeB: number;
  seqC: number;
  seqS: number;
}

/** Deterministic pseudo-random numbers (the file must be the same on every machine). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function makeFlows(): Flow[] {
  const r = rng(42);
  const flows: Flow[] = [];
  for (let i = 0; i < FLOWS; i++) {
    const x = r();
    const kind = x < 0.35 ? Kind.PLAIN : x < 0.6 ? Kind.VXLAN_8472 : x < 0.75 ? Kind.VXLAN_4789 : x < 0.93 ? Kind.FLANNEL_UDP : Kind.DNS;
    const a = (r() * 8) | 0;
    const b = (a + 1 + ((r() * 7) | 0)) % 8;
    flows.push({
      kind,
      client: ((10 << 24) | (244 << 16) | (a << 8) | (2 + ((r() * 250) | 0))) >>> 0,
      server:
        kind === Kind.DNS ? ((10 << 24) | (96 << 16) | 10) >>> 0 : ((10 << 24) | (244 << 16) | (b << 8) | (2 + ((r() * 250) | 0))) >>> 0,
      cport: 32768 + ((r() * 28000) | 0),
      sport: kind === Kind.DNS ? 53 : [80, 443, 8080, 6379, 5432, 9090][(r() * 6) | 0],
      nodeA: ((192 << 24) | (168 << 16) | (1 << 8) | (10 + a)) >>> 0,
      nodeB: ((192 << 24) | (168 << 16) | (1 << 8) | (10 + b)) >>> 0,
      seqC: (r() * 4294967295) >>> 0,
      seqS: (r() * 4294967295) >>> 0,
    });
  }
  return flows;
}

// ---- header writers over one reusable frame buffer ----

const frame = new Uint8Array(2048);
const fv = new DataView(frame.buffer);

function eth(o: number, srcIp: number, dstIp: number, type: number): number {
  // locally administered MACs derived from the IPs (as a CNI bridge would see distinct pods)
  frame[o] = 0x0a;
  frame[o + 1] = 0x58;
  fv.setUint32(o + 2, dstIp);
  frame[o + 6] = 0x0a;
  frame[o + 7] = 0x58;
  fv.setUint32(o + 8, srcIp);
  fv.setUint16(o + 12, type);
  return o + 14;
}

function ipv4(o: number, src: number, dst: number, proto: number, total: number, id: number, ttl: number): number {
  fv.setUint8(o, 0x45);
  fv.setUint8(o + 1, 0);
  fv.setUint16(o + 2, total);
  fv.setUint16(o + 4, id & 0xffff);
  fv.setUint16(o + 6, 0x4000); // DF
  fv.setUint8(o + 8, ttl);
  fv.setUint8(o + 9, proto);
  fv.setUint16(o + 10, 0);
  fv.setUint32(o + 12, src);
  fv.setUint32(o + 16, dst);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += fv.getUint16(o + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  fv.setUint16(o + 10, ~sum & 0xffff);
  return o + 20;
}

function udp(o: number, sp: number, dp: number, len: number): number {
  fv.setUint16(o, sp);
  fv.setUint16(o + 2, dp);
  fv.setUint16(o + 4, len);
  fv.setUint16(o + 6, 0);
  return o + 8;
}

/** TCP with the timestamps option (32-byte header), as Linux sends it. */
function tcp(o: number, sp: number, dp: number, seq: number, ack: number, flags: number, tsval: number): number {
  fv.setUint16(o, sp);
  fv.setUint16(o + 2, dp);
  fv.setUint32(o + 4, seq >>> 0);
  fv.setUint32(o + 8, ack >>> 0);
  fv.setUint8(o + 12, 8 << 4);
  fv.setUint8(o + 13, flags);
  fv.setUint16(o + 14, 502);
  fv.setUint16(o + 16, 0);
  fv.setUint16(o + 18, 0);
  fv.setUint32(o + 20, 0x0101080a); // NOP NOP TS len 10
  fv.setUint32(o + 24, tsval >>> 0);
  fv.setUint32(o + 28, (tsval - 3) >>> 0);
  return o + 32;
}

function vxlan(o: number, vni: number): number {
  fv.setUint32(o, 0x08000000);
  fv.setUint32(o + 4, vni << 8);
  return o + 8;
}

/** The inner IPv4/TCP packet of a flow at `o`; `mtu` = IP total length of a full segment. Returns the end. */
function innerTcp(o: number, f: Flow, n: number, mtu: number, tsval: number): number {
  const fromClient = (n & 2) === 0;
  const segment = (n & 1) === 0;
  const total = segment ? mtu : 52;
  const src = fromClient ? f.client : f.server;
  const dst = fromClient ? f.server : f.client;
  let p = ipv4(o, src, dst, 6, total, n, 64);
  const payload = total - 52;
  if (fromClient) {
    p = tcp(p, f.cport, f.sport, f.seqC, f.seqS, segment ? 0x18 : 0x10, tsval);
    f.seqC = (f.seqC + payload) >>> 0;
  } else {
    p = tcp(p, f.sport, f.cport, f.seqS, f.seqC, segment ? 0x18 : 0x10, tsval);
    f.seqS = (f.seqS + payload) >>> 0;
  }
  frame.fill(0x61 + (n % 26), p, p + payload);
  return p + payload;
}

const QNAME = [...'kubernetes.default.svc.cluster.local'.split('.').flatMap((l) => [l.length, ...[...l].map((c) => c.charCodeAt(0))]), 0];

/** Cluster DNS: an A query for the API service and its answer (name compressed). */
function dns(o: number, f: Flow, n: number): number {
  const query = (n & 1) === 0;
  const len = 12 + QNAME.length + 4 + (query ? 0 : 16);
  let p = ipv4(o, query ? f.client : f.server, query ? f.server : f.client, 17, 20 + 8 + len, n, 64);
  p = udp(p, query ? f.cport : 53, query ? 53 : f.cport, 8 + len);
  const msg = p;
  fv.setUint16(p, (n >>> 1) & 0xffff);
  fv.setUint16(p + 2, query ? 0x0100 : 0x8580);
  fv.setUint16(p + 4, 1);
  fv.setUint16(p + 6, query ? 0 : 1);
  fv.setUint32(p + 8, 0);
  p += 12;
  frame.set(QNAME, p);
  p += QNAME.length;
  fv.setUint32(p, 0x00010001); // A, IN
  p += 4;
  if (!query) {
    fv.setUint16(p, 0xc00c); // pointer to the question name
    fv.setUint32(p + 2, 0x00010001);
    fv.setUint32(p + 6, 5); // TTL
    fv.setUint16(p + 10, 4);
    fv.setUint32(p + 12, ((10 << 24) | (96 << 16) | 1) >>> 0);
    p += 16;
  }
  void msg;
  return p;
}

/** Builds packet number n into `frame`, returns its length. */
function build(flows: Flow[], n: number, pick: number): number {
  const f = flows[pick];
  const tsval = n >>> 4;
  switch (f.kind) {
    case Kind.PLAIN: {
      const p = eth(0, f.client, f.server, 0x0800);
      return innerTcp(p, f, n, 1500, tsval);
    }
    case Kind.DNS: {
      const p = eth(0, f.client, f.server, 0x0800);
      return dns(p, f, n);
    }
    case Kind.VXLAN_8472:
    case Kind.VXLAN_4789:
      return encapsulated(f, n, f.kind === Kind.VXLAN_8472 ? 8472 : 4789, 32768 + ((f.cport * 31 + f.sport) & 0x3fff), tsval);
    case Kind.FLANNEL_UDP:
      return encapsulated(f, n, 8285, 8285, tsval);
  }
}

/**
 * Node-to-node UDP encapsulation: outer Ethernet / IPv4 / UDP to `dport`, then VXLAN + inner Ethernet
 * (VXLAN ports, MTU 1450) or the bare inner IPv4 packet (flannel UDP, MTU 1472). The outer lengths
 * are written once the inner packet is built.
 */
function encapsulated(f: Flow, n: number, dport: number, sport: number, tsval: number): number {
  let p = eth(0, f.nodeA, f.nodeB, 0x0800);
  const ipAt = p;
  const udpAt = ipAt + 20;
  p = udpAt + 8;
  let mtu = 1472;
  if (dport !== 8285) {
    p = eth(vxlan(p, 1), f.client, f.server, 0x0800);
    mtu = 1450;
  }
  const end = innerTcp(p, f, n, mtu, tsval);
  const udpLen = end - udpAt;
  ipv4(ipAt, f.nodeA, f.nodeB, 17, 20 + udpLen, n, 64);
  udp(udpAt, sport, dport, udpLen);
  return end;
}

function writeCapture(path: string, packets: number): void {
  const flows = makeFlows();
  const r = rng(7);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, encodePcapHeader({ linktype: 1, snaplen: 262144 }));
    const batch: Uint8Array[] = [];
    let batchBytes = 0;
    let sec = 1_764_000_000;
    let usec = 0;
    for (let n = 0; n < packets; n++) {
      // flows are bursty: a handful of flows carry most packets at any moment
      const pick = r() < 0.8 ? ((n >>> 10) * 37 + ((r() * 16) | 0)) % FLOWS : (r() * FLOWS) | 0;
      const len = build(flows, n, pick);
      usec += 1 + ((r() * 20) | 0);
      if (usec >= 1_000_000) {
        sec++;
        usec -= 1_000_000;
      }
      const rec = encodePcapRecord({ tsSec: sec, tsNsec: usec * 1000, data: frame.subarray(0, len) }, false);
      batch.push(rec);
      batchBytes += rec.length;
      if (batchBytes > 8 << 20) {
        writeSync(fd, Buffer.concat(batch));
        batch.length = 0;
        batchBytes = 0;
      }
    }
    if (batch.length) writeSync(fd, Buffer.concat(batch));
  } finally {
    closeSync(fd);
  }
}

// ---- a big cluster, one capture per node and interface ----
//
// The graph's benchmark and end-to-end tests need a cluster the size operators investigate:
// `nodes` flannel-VXLAN nodes with `podsPerNode` pods each and `services` ClusterIP services. Each
// node has a bridge capture (node-NN-cni0.pcap) and an underlay capture (node-NN-eth0.pcap). Every
// pod sends UDP requests to a pod on one of four neighbouring nodes and gets answers; one pod in
// more, every pod also calls a service, translated (DNAT) on its own node to a backend pod on
// another node. Each packet is written at every capture point on its way, as the kernel would show
// it there (bridge: plain, TTL 64; underlay: VXLAN 8472 with TTL 63 inside; far bridge: TTL 62),
// so the analysis finds the nodes, pods, tunnels and services from the traffic alone.

export interface ClusterShape {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly services: number;
}
export const BIG_CLUSTER: ClusterShape = { nodes: 50, podsPerNode: 20, services: 100 };
const CLUSTER_VERSION = 3;

export interface SynthCluster {
  readonly dir: string;
  readonly files: string[];
  readonly packets: number;
  readonly shape: ClusterShape;
}

const nodeName = (i: number) => `node-${String(i + 1).padStart(2, '0')}`;
const ip4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const underlayIp = (i: number) => ip4(172, 16, i >> 8, 10 + (i & 0xff));
const podIp = (i: number, p: number) => ip4(10, 244, i, 2 + p);
const gatewayIp = (i: number) => ip4(10, 244, i, 1);
const vtepIp = (i: number) => ip4(10, 244, i, 0);
const serviceIp = (s: number) => ip4(10, 96, s >> 8, 10 + (s & 0xff));

/** The cached captures of a cluster of this shape, generated on first use. */
export function ensureBenchCluster(shape: ClusterShape = BIG_CLUSTER, log: (s: string) => void = () => {}): SynthCluster {
  if (shape.nodes > 250 || shape.podsPerNode > 250 || shape.nodes < 2)
    throw new Error('cluster shape out of range: 2-250 nodes, up to 250 pods per node');
  const dir = join(tmpdir(), 'tunnelvision-bench', `cluster-${shape.nodes}n-${shape.podsPerNode}p-${shape.services}s-v${CLUSTER_VERSION}`);
  const names = Array.from({ length: shape.nodes }, (_, i) => [`${nodeName(i)}-cni0.pcap`, `${nodeName(i)}-eth0.pcap`]).flat();
  if (!existsSync(dir)) {
    // Written into a folder of its own, renamed when complete: a half-written set is never reused.
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    log(
      `generating a cluster of ${shape.nodes} nodes, ${shape.nodes * shape.podsPerNode} pods and ${shape.services} services into ${dir} (once) ...`,
    );
    writeCluster(
      shape,
      names.map((n) => join(tmp, n)),
    );
    renameSync(tmp, dir);
  }
  const files = names.map((n) => join(dir, n));
  const packets = files.reduce((s, f) => s + countRecords(f), 0);
  return { dir, files, packets, shape };
}

function countRecords(path: string): number {
  // Records are fixed-format pcap: walk the headers.
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const head = Buffer.alloc(16);
    let n = 0;
    for (let o = 24; o + 16 <= size; n++) {
      readSync(fd, head, 0, 16, o);
      o += 16 + head.readUInt32LE(8);
    }
    return n;
  } finally {
    closeSync(fd);
  }
}

function writeCluster(shape: ClusterShape, files: string[]): void {
  const r = rng(1000 + shape.nodes);
  // Per capture: its records, in time order (each flow's hops are written at increasing times, and
  // flows start one after another, so appending keeps every file sorted).
  const out = files.map(() => [] as Uint8Array[]);
  const bridge = (i: number) => 2 * i;
  const underlay = (i: number) => 2 * i + 1;
  let usec = 0;
  let sec = 1_764_100_000;
  let id = 1;
  const record = (file: number, len: number) => {
    out[file].push(encodePcapRecord({ tsSec: sec, tsNsec: usec * 1000, data: frame.slice(0, len) }, false));
  };
  const tick = (us: number) => {
    usec += us;
    while (usec >= 1_000_000) {
      sec++;
      usec -= 1_000_000;
    }
  };
  /** UDP datagram of `payload` bytes (its first bytes tell packets apart) at offset o. */
  const datagram = (o: number, src: number, dst: number, sp: number, dp: number, ttl: number, ipId: number): number => {
    let p = ipv4(o, src, dst, 17, 20 + 8 + 32, ipId, ttl);
    p = udp(p, sp, dp, 8 + 32);
    fv.setUint32(p, ipId);
    frame.fill(0x42, p + 4, p + 32);
    return p + 32;
  };
  /**
   * One packet from pod (a, pa) to (b, pb): the sender's bridge (before NAT: `shownDst`), both
   * underlays (VXLAN), the receiver's bridge. `back` = the answer, which the sender's bridge shows
   * coming from `shownDst` again (the NAT undone).
   */
  const send = (
    a: number,
    src: number,
    b: number,
    dst: number,
    sp: number,
    dp: number,
    shownDst: number,
    shownDp: number,
    back: boolean,
  ) => {
    const ipId = id++ & 0xffff;
    const sport = 32768 + ((src ^ dst ^ sp) & 0x3fff);
    // On the sender's bridge: pod -> gateway MAC; for an answer the bridge shows it leaving to the pod.
    // First the sender's bridge: a request still to the address the pod asked for (before DNAT),
    // an answer from the backend pod itself.
    if (!back) record(bridge(a), datagram(eth(0, src, gatewayIp(a), 0x0800), src, shownDst, sp, shownDp, 64, ipId));
    else record(bridge(b), datagram(eth(0, src, gatewayIp(b), 0x0800), src, dst, sp, dp, 64, ipId));
    tick(20);
    const from = back ? b : a;
    const to = back ? a : b;
    let p = eth(0, underlayIp(from), underlayIp(to), 0x0800);
    const ipAt = p;
    const udpAt = ipAt + 20;
    p = eth(vxlan(udpAt + 8, 1), vtepIp(from), vtepIp(to), 0x0800);
    const end = datagram(p, src, dst, sp, dp, 63, ipId);
    ipv4(ipAt, underlayIp(from), underlayIp(to), 17, end - ipAt, ipId, 64);
    udp(udpAt, sport, 8472, end - udpAt);
    record(underlay(from), end);
    tick(40);
    record(underlay(to), end);
    tick(20);
    // Then the receiver's bridge; an answer reaches the asker from the address it asked (NAT undone).
    record(
      bridge(to),
      back
        ? datagram(eth(0, gatewayIp(a), dst, 0x0800), shownDst, dst, shownDp, dp, 62, ipId)
        : datagram(eth(0, gatewayIp(b), dst, 0x0800), src, dst, sp, dp, 62, ipId),
    );
    tick(50 + ((r() * 400) | 0));
  };
  const N = shape.nodes;
  const P = shape.podsPerNode;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < N; i++) {
      for (let p = 0; p < P; p++) {
        // A neighbour: one of the next four nodes.
        const j = (i + 1 + (p % Math.min(4, N - 1))) % N;
        const q = (p * 7 + i) % P;
        const sp = 40000 + p * 10 + round;
        send(i, podIp(i, p), j, podIp(j, q), sp, 5000, podIp(j, q), 5000, false);
        send(i, podIp(j, q), j, podIp(i, p), 5000, sp, podIp(j, q), 5000, true);
        // A service backed on the same neighbour (service s runs on node s mod N), translated on
        // this node to its backend pod there.
        const s = j + N * (p % Math.max(1, Math.ceil(shape.services / N)));
        if (s >= shape.services) continue;
        const bn = s % N;
        const backend = podIp(bn, Math.floor(s / N) % P);
        send(i, podIp(i, p), bn, backend, sp + 5, 8080, serviceIp(s), 80, false);
        send(i, backend, bn, podIp(i, p), 8080, sp + 5, serviceIp(s), 80, true);
      }
    }
  }
  files.forEach((f, k) => {
    const fd = openSync(f, 'w');
    try {
      writeSync(fd, encodePcapHeader({ linktype: 1, snaplen: 262144 }));
      writeSync(fd, Buffer.concat(out[k]));
    } finally {
      closeSync(fd);
    }
  });
}
