// The Calico lab's captures (fixtures/lab/calico, real BIRD sessions) against the truth the lab read
// back from the kernels (fixtures/calico-manifest.json): nodes and their addresses from BGP, pod
// blocks with their owners (the withdrawn one too), pods behind cali* veths with no bridge, the pod
// `lo` capture inside its pod, every named flow's hop path, and nothing invented.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { itNeeding } from '../tools';

const root = fileURLToPath(new URL('../..', import.meta.url));
interface Manifest {
  cluster: { asNumber: number; blockSize: number };
  nodes: {
    name: string;
    underlayIp: string;
    underlayMac: string;
    blocks: string[];
    learnedRoutes: { dst: string; via: string; from: string }[];
  }[];
  pods: { name: string; namespace: string; node: string; ip: string; mac: string; veth: string }[];
  blocks: { block: string; node: string; learnedBy: string[]; withdrawnLater: boolean }[];
  bgp: {
    sessions: { a: string; b: string; aIp: string; bIp: string }[];
    notifications: { from: string; to: string; code: number; subcode: number; meaning: string }[];
  };
  captures: { file: string; node: string; interface: string; kind: string; pod?: string }[];
  flows: {
    name: string;
    proto: string;
    src: string;
    dst: string;
    dstPort?: number;
    hops: { capture: string; node: string; interface: string }[];
  }[];
}
const manifest = JSON.parse(readFileSync(join(root, 'fixtures/calico-manifest.json'), 'utf8')) as Manifest;
const base = (f: string) => f.split('/').pop()!;
let a: Analysis;

beforeAll(async () => {
  a = await loadCaptureSet(manifest.captures.map((c) => join(root, c.file)));
});

describe('Calico lab: cluster model against the manifest', () => {
  it('every capture attached to its node, interface and kind (cali* = veth, eth0 = underlay, pod lo = loopback in its pod)', () => {
    const got = a.points
      .map((p) => ({ file: p.capture, node: p.node, interface: p.interface, kind: p.kind, pod: p.pod ?? null }))
      .sort((x, y) => x.file.localeCompare(y.file));
    const want = manifest.captures
      .map((c) => ({
        file: base(c.file),
        node: c.node,
        interface: c.interface,
        kind: c.kind,
        pod: c.kind === 'loopback' ? c.pod!.split('/')[1] : null,
      }))
      .sort((x, y) => x.file.localeCompare(y.file));
    expect(got).toEqual(want);
  });

  it('nodes: exactly the lab nodes, with the underlay address their BGP speaker uses and their first block as pod CIDR', () => {
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual(manifest.nodes.map((n) => n.name).sort());
    for (const n of manifest.nodes) {
      const m = a.model.nodes.find((x) => x.id === n.name)!;
      expect(m.underlayIps).toEqual([n.underlayIp]);
      expect(m.podCidr).toBe(n.blocks[0]);
    }
    expect(a.model.bridges).toEqual([]);
    expect(a.model.tunnels).toEqual([]);
  });

  it('pod blocks learned from BGP: owner (next hop), who learned them, and the withdrawn block', () => {
    const blocks = a.model.bgp!.blocks;
    expect(blocks.map((b) => b.cidr).sort()).toEqual(manifest.blocks.map((b) => b.block).sort());
    for (const b of manifest.blocks) {
      const m = blocks.find((x) => x.cidr === b.block)!;
      const ownerIp = manifest.nodes.find((n) => n.name === b.node)!.underlayIp;
      expect({ node: m.node, nextHop: m.nextHop, withdrawn: m.withdrawn }).toEqual({
        node: b.node,
        nextHop: ownerIp,
        withdrawn: b.withdrawnLater,
      });
      expect(m.learnedBy).toEqual(b.learnedBy.map((n) => manifest.nodes.find((x) => x.name === n)!.underlayIp).sort());
      expect(m.evidence[0].packets.length).toBeGreaterThan(0);
    }
    // every route the kernels installed (manifest.learnedRoutes) is a live block with that next hop
    for (const n of manifest.nodes)
      for (const r of n.learnedRoutes) {
        const m = blocks.find((x) => x.cidr === r.dst)!;
        expect(m.nextHop).toBe(r.via);
      }
  });

  it('BGP sessions: the full mesh, AS and router ids from the OPENs, the Cease on calico1-calico2', () => {
    const s = a.model.bgp!.sessions;
    expect(s.map((x) => [x.a, x.b])).toEqual(manifest.bgp.sessions.map((x) => [x.aIp, x.bIp].sort()).sort());
    for (const x of s) {
      expect([x.asA, x.asB]).toEqual([manifest.cluster.asNumber, manifest.cluster.asNumber]);
      expect([x.routerIdA, x.routerIdB]).toEqual([x.a, x.b]);
    }
    const ip = (name: string) => manifest.nodes.find((n) => n.name === name)!.underlayIp;
    for (const nt of manifest.bgp.notifications) {
      const sess = s.find((x) => [x.a, x.b].sort().join() === [ip(nt.from), ip(nt.to)].sort().join())!;
      expect(sess.notifications).toEqual([nt.meaning]);
    }
    expect(s.filter((x) => x.notifications.length === 0)).toHaveLength(s.length - manifest.bgp.notifications.length);
  });

  it('pods: address, MAC, node and cali* veth; no phantom pods (no 169.254.1.1, no node addresses, no 127.0.0.1)', () => {
    expect(a.model.pods.map((p) => p.ip).sort()).toEqual(manifest.pods.map((p) => p.ip).sort());
    for (const p of manifest.pods) {
      const m = a.model.pods.find((x) => x.ip === p.ip)!;
      expect({ mac: m.mac, node: m.node, veth: m.veth }).toEqual({ mac: p.mac, node: p.node, veth: `${p.node}/${p.veth}` });
    }
    expect(a.model.veths.map((v) => v.id).sort()).toEqual(manifest.pods.map((p) => `${p.node}/${p.veth}`).sort());
  });
});

describe('Calico lab: paths through cali* veths and unencapsulated eth0', () => {
  for (const f of manifest.flows) {
    it(`${f.name}: hop path equals the manifest's, in order, delivered`, () => {
      const flow = a.flows.find(
        (x) => x.protocol === f.proto && x.a.ip === f.src && x.b.ip === f.dst && (f.dstPort === undefined || x.b.port === f.dstPort),
      );
      expect(flow, `flow ${f.name}`).toBeDefined();
      const js = a.journeysForFlow(flow!.id);
      expect(js.length).toBeGreaterThan(0);
      const want = f.hops.map((h) => base(h.capture));
      const forward = js.filter((j) => j.hops[0].headers.src === f.src);
      expect(forward.length).toBeGreaterThan(0);
      for (const j of forward) {
        expect(j.hops.map((h) => h.point)).toEqual(want);
        expect(j.hops.map((h) => h.node)).toEqual(f.hops.map((h) => h.node));
        // routed mode: no encapsulation anywhere on the path
        expect(j.hops.every((h) => h.headers.encap === null)).toBe(true);
      }
      if (f.hops.length > 1) expect(forward.every((j) => j.status === 'delivered')).toBe(true);
    });
  }
});

describe('Calico lab: BGP blocks shown in the report graph and the app graph', () => {
  it('each node box names the blocks BGP says it owns (withdrawn ones left out)', async () => {
    const { buildGraph } = await import('../../main/report');
    const g = buildGraph(a, () => false);
    for (const n of manifest.nodes) {
      const live = manifest.blocks.filter((b) => b.node === n.name && !b.withdrawnLater).map((b) => b.block);
      expect(g.nodes.find((x) => x.id === `node:${n.name}`)!.detail).toBe(`${n.underlayIp} · BGP blocks ${live.join(', ')}`);
    }
  });
});

describe('Calico lab: BGP blocks in the app graph', () => {
  it('the Kubernetes node element explains the blocks it owns', async () => {
    const { buildGraph } = await import('../../main/backend/graph');
    const els = buildGraph(a, new Map(), new Map());
    for (const n of manifest.nodes) {
      const live = manifest.blocks.filter((b) => b.node === n.name && !b.withdrawnLater).map((b) => b.block);
      const el = els.find((e) => e.data.kind === 'k8s-node' && e.data.id === `node:${n.name}`);
      expect((el?.data as { evidence?: string } | undefined)?.evidence ?? '').toContain(`BGP: owns ${live.join(', ')}`);
    }
  });
});

describe('Calico lab without BGP in the captures (TCP 179 filtered out by tcpdump)', () => {
  itNeeding(
    ['tcpdump'],
    'node MAC from the pod traffic it carries, its address from underlay ARP, its /26 block around its pods; paths unchanged',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tv-nobgp-'));
      try {
        const files = manifest.captures.map((c) => {
          const out = join(dir, base(c.file));
          expect(spawnSync('tcpdump', ['-r', join(root, c.file), '-w', out, 'not tcp port 179'], { stdio: 'ignore' }).status).toBe(0);
          return out;
        });
        const b = await loadCaptureSet(files);
        expect(b.model.bgp).toBeUndefined();
        for (const n of manifest.nodes) {
          const m = b.model.nodes.find((x) => x.id === n.name)!;
          expect({ ips: m.underlayIps, macs: m.underlayMacs, cidr: m.podCidr }).toEqual({
            ips: [n.underlayIp],
            macs: [n.underlayMac],
            cidr: n.blocks[0],
          });
          expect(m.evidence.some((e) => e.reason.includes('leave its NIC unencapsulated') && e.packets.length > 0)).toBe(true);
        }
        const tcp = b.flows.find((f) => f.protocol === 'tcp' && f.b.port === 8080)!;
        const want = manifest.flows.find((f) => f.name === 'tcp-cross-node')!.hops.map((h) => base(h.capture));
        expect(
          b
            .journeysForFlow(tcp.id)
            .filter((j) => j.hops[0].headers.src === tcp.a.ip)[0]
            .hops.map((h) => h.point),
        ).toEqual(want);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
