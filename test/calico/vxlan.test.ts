// Calico VXLAN mode, built for real by the lab (vxlan.calico, VNI 4096, UDP 4789, Felix-style
// neighbour/FDB/route programming): interface kinds, nodes, VTEP MACs, the tunnel, pods and the hop
// path cali -> vxlan.calico -> eth0 -> eth0 -> vxlan.calico -> cali, against calico-manifest.json.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadCaptureSet, type Analysis } from '../../main/topology';

const root = fileURLToPath(new URL('../..', import.meta.url));
interface Vx {
  nodes: { name: string; underlayIp: string; block: string; vtep: { mac: string; vni: number; port: number } }[];
  pods: { name: string; node: string; ip: string; mac: string; veth: string }[];
  captures: { file: string; node: string; interface: string; kind: string }[];
  flows: {
    name: string;
    proto: string;
    src: string;
    dst: string;
    dstPort?: number;
    hops: { capture: string; node: string; interface: string }[];
  }[];
}
const vx = (JSON.parse(readFileSync(join(root, 'fixtures/calico-manifest.json'), 'utf8')) as { vxlan: Vx }).vxlan;
const base = (f: string) => f.split('/').pop()!;
const ip4 = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const inside = (block: string, cidr: string) => {
  const [b, bl] = block.split('/');
  const [c, cl] = cidr.split('/');
  const span = 2 ** (32 - Number(cl));
  return Number(bl) >= Number(cl) && Math.floor(ip4(b) / span) === Math.floor(ip4(c) / span);
};
let a: Analysis;
beforeAll(async () => {
  a = await loadCaptureSet(vx.captures.map((c) => join(root, c.file)));
});

describe('Calico VXLAN mode (lab)', () => {
  it('capture points: cali* = veth, vxlan.calico = vtep, eth0 = underlay', () => {
    expect(a.points.map((p) => [p.capture, p.node, p.interface, p.kind]).sort()).toEqual(
      vx.captures.map((c) => [base(c.file), c.node, c.interface, c.kind]).sort(),
    );
  });

  it('nodes with their underlay address, VTEP MAC and the pod CIDR unknown (a block inside theirs named); one VXLAN tunnel VNI 4096 on 4789', () => {
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual(vx.nodes.map((n) => n.name).sort());
    for (const n of vx.nodes) {
      const m = a.model.nodes.find((x) => x.id === n.name)!;
      expect(m.underlayIps).toEqual([n.underlayIp]);
      expect(m.vtepMac).toBe(n.vtep.mac);
      // Calico's blocks come in any size: the addresses give no prefix length, only the smallest block
      // holding them, which lies inside the node's /26.
      expect(m.podCidr).toBeNull();
      const held = /a block holding (?:them all|it) is (\S+) or wider/.exec(m.unknown?.podCidr ?? '')?.[1] ?? '';
      expect(inside(held, n.block), `${held} in ${n.block}`).toBe(true);
    }
    expect(a.model.tunnels.map((t) => ({ nodes: [...t.nodes].sort(), type: t.type, vni: t.vni, port: t.port }))).toEqual([
      { nodes: vx.nodes.map((n) => n.name).sort(), type: 'vxlan', vni: vx.nodes[0].vtep.vni, port: vx.nodes[0].vtep.port },
    ]);
    expect(a.model.bridges).toEqual([]);
  });

  it('pods behind their cali* veths, nothing invented', () => {
    expect(a.model.pods.map((p) => [p.ip, p.mac, p.node, p.veth]).sort()).toEqual(
      vx.pods.map((p) => [p.ip, p.mac, p.node, `${p.node}/${p.veth}`]).sort(),
    );
  });

  for (const f of vx.flows) {
    it(`${f.name}: hop path through vxlan.calico and eth0 on both nodes, VNI 4096 on the wire`, () => {
      const flow = a.flows.find(
        (x) => x.protocol === f.proto && x.a.ip === f.src && x.b.ip === f.dst && (f.dstPort === undefined || x.b.port === f.dstPort),
      )!;
      expect(flow).toBeDefined();
      const forward = a.journeysForFlow(flow.id).filter((j) => j.hops[0].headers.src === f.src);
      expect(forward.length).toBeGreaterThan(0);
      for (const j of forward) {
        expect(j.hops.map((h) => h.point)).toEqual(f.hops.map((h) => base(h.capture)));
        expect(j.status).toBe('delivered');
        const wire = j.hops.filter((h) => h.kind === 'underlay');
        expect(wire.map((h) => [h.headers.encap?.type, h.headers.encap?.vni, h.headers.encap?.udpDstPort])).toEqual(
          wire.map(() => ['vxlan', 4096, 4789]),
        );
        expect(j.hops.filter((h) => h.kind !== 'underlay').every((h) => h.headers.encap === null)).toBe(true);
      }
    });
  }
});
