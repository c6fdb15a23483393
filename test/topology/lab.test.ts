// The topology API on the kernel-made lab captures against fixtures/manifest.json: the inferred
// cluster equals the truth, every named flow's hop path equals the manifest's in order, DNAT at the
// right hop, the dropped packet's last hop; then the same set with a capture left out, under random
// names in random order, and with one node's clock shifted by 2 s.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../main/engine/readers/read';
import { encodePcap } from '../../main/engine/writers/pcap';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import type { ManifestFlow, ManifestHop } from '../../fixtures/manifest';
import { itNeeding } from '../tools';
import { captureFiles, cluster, flowsOf, manifest, pointOf, sendingPods } from './lab';
import { droppedPackets } from './sim';

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tv-lab-'));
  tmp.push(d);
  return d;
}

function allJourneys(a: Analysis): Journey[] {
  const out: Journey[] = [];
  for (let i = 0; i < a.journeys.count; i++) out.push(a.journeys.get(i));
  return out;
}

const isLaterFragment = (j: Journey) => /^fragment offset/.test(j.hops[0].headers.info);

/**
 * Journeys of one direction of a named flow: first hop as the manifest's first hop shows it. The lab
 * sent every flow of its manifest, so finding none is a failure, never a loop that checks nothing.
 */
function journeysFor(a: Analysis, f: ManifestFlow, hops: readonly ManifestHop[]): Journey[] {
  const h0 = hops[0];
  const js = allJourneys(a).filter((j) => {
    const x = j.hops[0].headers;
    if (x.protocol !== f.protocol || x.src !== h0.src || x.dst !== h0.dst) return false;
    if (isLaterFragment(j)) return true;
    return (h0.srcPort === null || x.srcPort === h0.srcPort) && (h0.dstPort === null || x.dstPort === h0.dstPort);
  });
  expect(js.length, `${f.name}: journeys from ${h0.src} to ${h0.dst}`).toBeGreaterThan(0);
  return js;
}

function expectPaths(a: Analysis, f: ManifestFlow, hops: readonly ManifestHop[], rename: (p: string) => string = (p) => p) {
  const js = journeysFor(a, f, hops);
  const full = hops.map(pointOf);
  const withoutReassembly = hops.filter((h) => !h.reassembled).map(pointOf);
  for (const j of js) {
    const path = j.hops.map((h) => rename(h.point));
    expect(path, `${f.name} journey ${j.id}`).toEqual(isLaterFragment(j) ? withoutReassembly : full);
    if (isLaterFragment(j)) {
      // Where the bridge reassembled the datagram, the later fragment's gap says so.
      for (const h of hops.filter((x) => x.reassembled)) {
        expect(j.gaps.find((g) => g.point !== null && rename(g.point) === pointOf(h))?.reason).toMatch(/reassembled/);
      }
    }
  }
  if (hops[0].packets !== null)
    expect(js.filter((j) => !isLaterFragment(j)).length * (f.fragmentsPerMessage ?? 1), f.name).toBe(hops[0].packets);
  return js;
}

for (const name of manifest.clusters.map((c) => c.name)) {
  describe(`lab cluster ${name}`, async () => {
    const truth = cluster(name);
    const a = await loadCaptureSet(captureFiles(name));

    it('attributes every capture point to its node and interface kind', () => {
      for (const c of manifest.captures.filter((x) => x.cluster === name)) {
        for (const i of c.interfaces) {
          if (i.kind === 'any') continue;
          const id = pointOf({
            capture: c.file,
            interface: i.name,
            interfaceIndex: c.interfaces.length > 1 && i.ifindex === null ? i.index : null,
            ifindex: i.ifindex,
          });
          const p = a.points.find((x) => x.id === id);
          expect(p, id).toBeDefined();
          expect([p!.node, p!.kind], id).toEqual([c.node, i.kind]);
          if (i.ifindex === null) expect(p!.interface, id).toBe(i.name);
        }
      }
      expect(a.captures.every((c) => c.errors.length === 0)).toBe(true);
    });

    it('infers the nodes: underlay IP and MAC, pod CIDR, VTEP MAC', () => {
      expect(a.model.nodes.map((n) => n.id).sort()).toEqual(truth.nodes.map((n) => n.name).sort());
      for (const n of truth.nodes) {
        const m = a.model.nodes.find((x) => x.id === n.name)!;
        expect(m.underlayIps).toEqual([n.underlayIp]);
        expect(m.underlayMacs).toEqual([n.underlayMac]);
        expect(m.podCidr).toBe(n.podCidr);
        expect(m.vtepMac).toBe(n.tunnel.kind === 'vtep' ? n.tunnel.mac : null);
      }
    });

    it('infers the bridges and their gateways where frames show them', () => {
      expect(a.model.bridges.map((b) => b.node).sort()).toEqual(truth.nodes.map((n) => n.name).sort());
      for (const b of a.model.bridges) {
        const n = truth.nodes.find((x) => x.name === b.node)!;
        if (!b.id.includes('/if')) expect(b.name).toBe(n.bridge.name);
        if (b.gatewayMac !== null) expect(b.gatewayMac).toBe(n.bridge.mac);
        if (b.gatewayIp !== null) expect(b.gatewayIp).toBe(n.bridge.ip);
      }
      // Ethernet captures of a bridge show its gateway MAC and address.
      const eth = a.model.bridges.filter((b) => !b.id.includes('/if'));
      expect(eth.length).toBeGreaterThan(0);
      for (const b of eth) expect([b.gatewayIp, b.gatewayMac]).not.toContain(null);
    });

    it('infers the pods behind their veths and invents none', () => {
      const senders = sendingPods(name);
      const expected = truth.pods.filter((p) => senders.has(p.ip));
      expect(a.model.pods.map((p) => [p.ip, p.mac, p.node]).sort()).toEqual(expected.map((p) => [p.ip, p.mac, p.node]).sort());
      for (const p of expected) {
        const pod = a.model.pods.find((x) => x.ip === p.ip)!;
        const veth = a.model.veths.find((v) => v.id === pod.veth)!;
        expect(veth.node).toBe(p.node);
        const ifc = manifest.captures.find((c) => c.node === p.node && c.interfaces.some((i) => i.name === p.hostVeth))!;
        const i = ifc.interfaces.find((x) => x.name === p.hostVeth)!;
        expect(veth.point).toBe(pointOf({ capture: ifc.file, interface: i.name, interfaceIndex: null, ifindex: i.ifindex }));
        expect(veth.pod).toBe(p.ip);
      }
    });

    it('infers the tunnel kind between the node pairs that talk', () => {
      const enc = truth.encapsulation;
      const pairs = new Set<string>();
      for (const f of flowsOf(name)) {
        const nodes = [...new Set(f.request.map((h) => h.node))].sort();
        if (nodes.length === 2) pairs.add(nodes.join('~'));
      }
      expect(a.model.tunnels.map((t) => t.id).sort()).toEqual([...pairs].sort());
      for (const t of a.model.tunnels) {
        expect(t.type).toBe(enc.kind);
        expect(t.port).toBe(enc.port);
        expect(t.vni).toBe(enc.kind === 'vxlan' ? enc.vni : null);
      }
    });

    it('finds the ClusterIP services from the DNAT', () => {
      const expected = truth.services.flatMap((s) =>
        s.ports
          .filter((p) =>
            flowsOf(name).some((f) => f.server.ip === s.clusterIp && f.server.port === p.port && f.protocol === p.protocol.toLowerCase()),
          )
          .map((p) => [`${p.protocol.toLowerCase()} ${s.clusterIp}:${p.port}`, s.backends.map((b) => `${b.ip}:${p.targetPort}`)]),
      );
      expect(a.model.services.map((s) => [s.id, s.backends.map((b) => `${b.ip}:${b.port}`)]).sort()).toEqual(expected.sort());
    });

    it('has flows to follow: the tests below are one per flow of the manifest', () => {
      expect(flowsOf(name).length).toBeGreaterThan(0);
    });

    for (const f of flowsOf(name)) {
      it(`follows ${f.name} hop by hop (request and reply)`, () => {
        const req = expectPaths(a, f, f.request);
        if (f.reply.length) expectPaths(a, f, f.reply);
        const whole = req.filter((x) => !isLaterFragment(x));
        expect(whole.length, `${f.name}: journeys of whole packets`).toBeGreaterThan(0);
        for (const j of whole) {
          // TTL as the manifest saw it at each hop.
          expect(j.hops.map((h) => h.headers.ttl)).toEqual(
            f.request.filter((h) => !isLaterFragment(j) || !h.reassembled).map((h) => h.ttl),
          );
          for (const h of j.hops.slice(1)) expect(h.latencyNs!).toBeGreaterThanOrEqual(-5000);
        }
      });
      if (f.nat.length) {
        it(`${f.name}: NAT found at the right hop`, () => {
          for (const n of f.nat) {
            const hops = n.direction === 'request' ? f.request : f.reply;
            const js = journeysFor(a, f, hops).filter((j) => !isLaterFragment(j));
            for (const j of js) {
              expect(j.nat, f.name).toHaveLength(1);
              const before = pointOf(hops.find((h) => h.capture === n.before || pointOf(h) === n.before)!);
              const after = pointOf(hops.find((h) => h.capture === n.after || pointOf(h) === n.after)!);
              expect(j.nat[0].between).toEqual([before, after]);
              expect(j.nat[0].node).toBe(n.node);
              expect(j.nat[0].kind).toBe(n.field === 'dst' ? 'dnat' : 'snat');
              const ba = n.field === 'dst' ? j.nat[0].before : j.nat[0].after;
              const aa = n.field === 'dst' ? j.nat[0].after : j.nat[0].before;
              const [fromIp, fromPort] = n.from.split(':');
              const [toIp, toPort] = n.to.split(':');
              if (n.field === 'dst') {
                expect([ba.dst, String(ba.dstPort)]).toEqual([fromIp, fromPort]);
                expect([aa.dst, String(aa.dstPort)]).toEqual([toIp, toPort]);
              } else {
                expect([j.nat[0].before.src, String(j.nat[0].before.srcPort)]).toEqual([fromIp, fromPort]);
                expect([j.nat[0].after.src, String(j.nat[0].after.srcPort)]).toEqual([toIp, toPort]);
              }
            }
          }
        });
      }
      if (f.drop) {
        it(`${f.name}: dropped, last seen where the manifest says`, () => {
          const js = journeysFor(a, f, f.request);
          for (const j of js) {
            expect(j.status).toBe('dropped');
            expect(j.lastSeen.point).toBe(f.drop!.lastSeen.capture);
            expect(j.lastSeen.node).toBe(f.drop!.node);
          }
          expect(droppedPackets(a)).toBe(js.length);
        });
      } else {
        it(`${f.name}: delivered`, () => {
          for (const j of journeysFor(a, f, f.request)) expect(j.status, `${f.name} ${j.id}`).toBe('delivered');
        });
      }
    }

    it('TCP flows: handshake, data both ways, both FINs', () => {
      for (const f of flowsOf(name).filter((x) => x.protocol === 'tcp')) {
        const flow = a.flows.find(
          (x) =>
            x.protocol === 'tcp' &&
            x.a.ip === f.client.ip &&
            x.a.port === f.client.port &&
            x.b.ip === f.server.ip &&
            x.b.port === f.server.port,
        )!;
        expect(flow, f.name).toBeDefined();
        expect(flow.tcp).toMatchObject({
          syn: true,
          synAck: true,
          established: true,
          fin: true,
          rst: false,
          retransmissions: 0,
          zeroWindows: 0,
          state: 'closed',
        });
        expect(flow.tcp!.dataAToB).toBeGreaterThan(0);
        expect(flow.tcp!.dataBToA).toBeGreaterThan(0);
        // Per capture point: the client's veth saw both directions.
        const veth = pointOf(f.request[0]);
        const pc = flow.perCapture.find((c) => c.point === veth)!;
        expect(pc.aToB.packets).toBeGreaterThan(0);
        expect(pc.bToA.packets).toBeGreaterThan(0);
      }
    });

    it('every inferred fact cites packets that exist', () => {
      const m = a.model;
      const facts = [...m.nodes, ...m.bridges, ...m.veths, ...m.pods, ...m.tunnels, ...m.services];
      for (const f of facts) {
        const cited = f.evidence.flatMap((e) => e.packets);
        expect(cited.length, f.id).toBeGreaterThan(0);
        for (const r of cited) {
          const c = a.captures.find((x) => x.id === r.capture);
          expect(c, `${f.id}: ${r.capture}`).toBeDefined();
          expect(r.index).toBeLessThan(c!.packetCount);
        }
      }
      for (const p of a.points.filter((x) => x.kindSource === 'traffic' || x.nodeSource === 'traffic')) {
        expect(
          p.evidence.some((e) => e.packets.length > 0),
          p.id,
        ).toBe(true);
      }
    });

    it('clocks of nodes sharing one kernel agree within a few microseconds', () => {
      for (const o of a.clockOffsets) {
        expect(o.method === 'reference' || o.method === 'two-way').toBe(true);
        expect(Math.abs(o.offsetNs)).toBeLessThan(50_000);
      }
    });
  });
}

describe('lab variants', () => {
  const crossNode = flowsOf('a').find((f) => f.name === 'a-icmp-cross-node')!;

  it('both clusters in one set (the demo set): two separate clusters, each with its own clock reference', async () => {
    const a = await loadCaptureSet([...captureFiles('a'), ...captureFiles('b')]);
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual(manifest.clusters.flatMap((c) => c.nodes.map((n) => n.name)).sort());
    expect(a.model.tunnels.map((t) => t.type).sort()).toEqual(['flannel-udp', 'vxlan', 'vxlan']);
    for (const c of manifest.clusters) {
      const refs = new Set(a.clockOffsets.filter((o) => c.nodes.some((n) => n.name === o.node)).map((o) => o.reference));
      expect(refs.size, c.name).toBe(1);
      expect(c.nodes.map((n) => n.name)).toContain([...refs][0]);
      for (const o of a.clockOffsets.filter((x) => c.nodes.some((n) => n.name === x.node)))
        expect(['reference', 'two-way']).toContain(o.method);
    }
    for (const f of manifest.flows) expectPaths(a, f, f.request);
  });

  it('kubectl output names pods, nodes and services; where it disagrees with the traffic that is reported', async () => {
    const dir = tempDir();
    const kube = join(dir, 'cluster.json');
    writeFileSync(
      kube,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            kind: 'Node',
            metadata: { name: 'a-node1' },
            spec: { podCIDR: '10.244.0.0/24' },
            status: { addresses: [{ type: 'InternalIP', address: '192.168.56.11' }] },
          },
          {
            kind: 'Pod',
            metadata: { name: 'web-x', namespace: 'default' },
            spec: { nodeName: 'a-node3' },
            status: { podIP: '10.244.1.2' },
          },
          {
            kind: 'Pod',
            metadata: { name: 'client-x', namespace: 'default' },
            spec: { nodeName: 'a-node1' },
            status: { podIP: '10.244.0.2' },
          },
          {
            kind: 'Service',
            metadata: { name: 'web', namespace: 'default' },
            spec: { clusterIP: '10.96.112.34', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] },
          },
          {
            kind: 'Endpoints',
            metadata: { name: 'web', namespace: 'default' },
            subsets: [{ addresses: [{ ip: '10.244.1.99' }], ports: [{ port: 8080 }] }],
          },
        ],
      }),
    );
    const a = await loadCaptureSet([...captureFiles('a'), kube]);
    expect(a.model.pods.find((p) => p.ip === '10.244.0.2')).toMatchObject({ name: 'client-x', namespace: 'default', node: 'a-node1' });
    expect(a.model.services.find((s) => s.id === 'tcp 10.96.112.34:80')).toMatchObject({ name: 'web', namespace: 'default' });
    const dis = a.findings
      .filter((f) => f.code === 'enrichment-disagreement')
      .map((f) => f.message)
      .sort();
    expect(dis).toEqual([
      'pod default/web-x (10.244.1.2): kubectl says node a-node3, the traffic says a-node2',
      'service default/web: traffic is translated to 10.244.1.2, which its Endpoints do not list',
    ]);
  });

  it("no capture of the client's veth: the service and the NAT direction still come from the bridge's post-DNAT view", async () => {
    // The bridge sees the client's request after DNAT (to the backend) and the replies after un-DNAT
    // (from the ClusterIP): the un-DNAT of a reply is all that shows the service.
    const kept = [
      'a-node1-cni0.pcap',
      'a-node1-eth0.pcap',
      'a-node1-flannel.1.pcap',
      'a-node2.pcapng',
      'a-node3-eth0.pcap',
      'a-node3-flannel.1.pcap',
      'a-node3-cni0.pcap',
    ];
    const full = await loadCaptureSet(captureFiles('a'));
    const a = await loadCaptureSet(captureFiles('a').filter((p) => kept.includes(basename(p))));
    const svc = (x: Analysis) => x.model.services.map((s) => [s.id, s.backends.map((b) => `${b.ip}:${b.port}`), s.natNodes]).sort();
    expect(svc(a)).toEqual(svc(full));
    expect(svc(a).map((s) => s[0])).toEqual(['tcp 10.96.0.10:53', 'tcp 10.96.112.34:80', 'udp 10.96.0.10:53']);
    const web = a.model.services.find((s) => s.ip === '10.96.112.34')!;
    expect(web.backends.map((b) => [b.ip, b.port, b.pod])).toEqual([['10.244.1.2', 8080, '10.244.1.2']]);
    // The ClusterIP never opens a conversation: every flow to a service address has the client first.
    const vips = new Set(a.model.services.map((s) => s.ip));
    expect(a.flows.filter((f) => vips.has(f.a.ip)).map((f) => f.id)).toEqual([]);
    const backend = a.flows.find((f) => f.id === 'tcp 10.244.0.2:42080 > 10.244.1.2:8080')!;
    expect(backend.natPeers).toEqual(['tcp 10.244.0.2:42080 > 10.96.112.34:80']);
    // The ClusterIP 5-tuple carried only the replies here (its requests were captured after DNAT
    // only): it is the same connection half seen, no flow of its own; the bridge's replies count as
    // the connection's there.
    expect(a.flows.find((f) => f.id === 'tcp 10.244.0.2:42080 > 10.96.112.34:80')).toBeUndefined();
    expect([backend.tcp?.state, backend.aToB.packets, backend.bToA.packets]).toEqual(['closed', 22, 20]);
    const bridge = backend.perCapture.find((c) => c.point === 'a-node1-cni0.pcap')!;
    expect([bridge.aToB.packets, bridge.bToA.packets]).toEqual([22, 20]);
  });

  itNeeding(
    ['tshark'],
    'a fragmented datagram counts its full length in its flow whatever captures are loaded (tshark reassembly)',
    async () => {
      // The ping's 2028-byte datagram crosses some points in two fragments and is reassembled on node1's cni0.
      const veth = captureFiles('a').find((p) => basename(p) === 'a-node1-veth5f6a6507.pcap')!;
      const out = execFileSync(
        'tshark',
        ['-r', veth, '-Y', 'ip.src==10.244.0.3 && icmp.ident==8672', '-T', 'fields', '-e', 'ip.reassembled.length', '-e', 'ip.hdr_len'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      const [payload, hdr] = out.trim().split('\t').map(Number);
      const datagram = payload + hdr;
      expect(datagram).toBe(2028);
      const sets = [
        captureFiles('a'),
        captureFiles('a').filter((p) => !/cni0/.test(p)),
        captureFiles('a').filter((p) => /a-node1-(cni0|eth0)|a-node2\.pcapng/.test(p)),
        [veth],
      ];
      for (const files of sets) {
        const a = await loadCaptureSet(files);
        const f = a.flows.find((x) => x.id === 'icmp 10.244.0.3 > 10.244.1.3 id=8672');
        expect(f, files.map((p) => basename(p)).join(' ')).toBeDefined();
        expect([f!.aToB.bytes, f!.bToA.bytes], files.map((p) => basename(p)).join(' ')).toEqual([datagram, datagram]);
      }
    },
  );

  it('one capture left out: the path shows the gap', async () => {
    const left = 'a-node1-flannel.1.pcap';
    const a = await loadCaptureSet(captureFiles('a').filter((p) => basename(p) !== left));
    const hops = crossNode.request.filter((h) => h.capture !== left);
    const js = journeysFor(a, crossNode, hops);
    expect(js).toHaveLength(3);
    for (const j of js) {
      expect(j.hops.map((h) => h.point)).toEqual(hops.map(pointOf));
      expect(j.gaps).toEqual([
        { afterHop: 1, node: 'a-node1', kind: 'vtep', point: null, reason: 'no capture of the vtep/tun on a-node1' },
      ]);
      expect(j.status).toBe('delivered');
    }
  });

  it.each(['a', 'b'])(
    'cluster %s under random names in random order: nodes, CIDRs, pods (and paths) from the traffic alone',
    async (cl) => {
      const a0 = cluster(cl);
      const dir = tempDir();
      const renamed = new Map<string, string>();
      const files = captureFiles(cl).map((p, i) => {
        const n = `trace-${((i + 3) * 7919) % 1000}${p.endsWith('.pcapng') ? '.pcapng' : '.pcap'}`;
        copyFileSync(p, join(dir, n));
        renamed.set(n, basename(p));
        return join(dir, n);
      });
      const a = await loadCaptureSet(files.sort(() => Math.random() - 0.5));
      const nodeOfIp = new Map(a0.nodes.map((n) => [n.underlayIp, n.name]));
      const truthName = (id: string | null) => nodeOfIp.get(a.model.nodes.find((n) => n.id === id)?.underlayIps[0] ?? '');
      expect(a.model.nodes.map((n) => [n.underlayIps, n.podCidr]).sort()).toEqual(a0.nodes.map((n) => [[n.underlayIp], n.podCidr]).sort());
      for (const p of a.points) {
        const c = manifest.captures.find((x) => x.file === renamed.get(p.capture))!;
        expect(truthName(p.node), p.id).toBe(c.node);
      }
      const senders = sendingPods(cl);
      expect(a.model.pods.map((p) => [p.ip, truthName(p.node)]).sort()).toEqual(
        a0.pods
          .filter((p) => senders.has(p.ip))
          .map((p) => [p.ip, p.node])
          .sort(),
      );
      expect(a.model.tunnels.map((t) => t.type)).toEqual(a.model.tunnels.map(() => a0.encapsulation.kind));
      const back = (pt: string) => {
        const [file, iface] = pt.split('#');
        return iface ? `${renamed.get(file)}#${iface}` : renamed.get(file)!;
      };
      // On b-node1 only one pod talks: its veth and docker0 carry the same frames and cannot be told
      // apart without names, so paths are compared on cluster a.
      if (cl === 'a') {
        for (const f of flowsOf('a')) expectPaths(a, f, f.request, back);
        expect(a.model.services.map((s) => s.ip).sort()).toEqual(['10.96.0.10', '10.96.0.10', '10.96.112.34']);
      }
    },
  );

  it('a plain `-i any` capture (Linux cooked v1, no interface indexes) still carries the path', async () => {
    // b-node2's SLL2 capture rewritten as tcpdump writes -i any by default: LINUX_SLL, no ifindex.
    const dir = tempDir();
    const files: string[] = [];
    for (const p of captureFiles('b')) {
      if (!p.endsWith('-any.pcap')) {
        files.push(p);
        continue;
      }
      const recs: { tsSec: number; tsNsec: number; data: Uint8Array; origLen: number }[] = [];
      await readCapture(p, {
        onPacket: (r) => {
          const d = r.data;
          const o = new Uint8Array(d.length - 4);
          o.set([0, d[10], d[8], d[9], 0, d[11]], 0); // packet type, ARPHRD, address length
          o.set(d.subarray(12, 20), 6); // link-layer address
          o.set([d[0], d[1]], 14); // protocol
          o.set(d.subarray(20), 16);
          recs.push({ tsSec: r.tsSec, tsNsec: r.tsNsec, data: o, origLen: r.origLen - 4 });
        },
      });
      files.push(join(dir, basename(p)));
      writeFileSync(files.at(-1)!, encodePcap({ linktype: 113, nanosecond: true }, recs));
    }
    const a = await loadCaptureSet(files);
    expect(a.points.find((p) => p.id === 'b-node2-any.pcap')).toMatchObject({ node: 'b-node2', kind: 'any' });
    const f = flowsOf('b').find((x) => x.name === 'b-icmp-cross-node')!;
    const js = journeysFor(a, f, f.request);
    expect(js).toHaveLength(3);
    for (const j of js) {
      expect(j.hops.map((h) => h.point)).toEqual(
        f.request.map((h) => (h.capture === 'b-node2-any.pcap' ? 'b-node2-any.pcap' : pointOf(h))),
      );
      expect(j.hops.map((h) => h.kind)).toEqual(
        f.request.map((h) => (h.capture === 'b-node2-any.pcap' && (h.kind === 'veth' || h.kind === 'bridge') ? 'any' : h.kind)),
      );
      expect(j.status).toBe('delivered');
    }
  });

  it("one node's clock 2 s ahead: offset within 1 ms, hops still in order", async () => {
    const dir = tempDir();
    const shifted = 'a-node3';
    const files: string[] = [];
    for (const p of captureFiles('a')) {
      const name = basename(p);
      if (!name.startsWith(`${shifted}-`)) {
        files.push(p);
        continue;
      }
      const recs: { tsSec: number; tsNsec: number; data: Uint8Array; origLen: number }[] = [];
      let linktype = 1;
      const info = await readCapture(p, {
        onPacket: (r) => {
          linktype = r.linktype;
          recs.push({ tsSec: r.tsSec + 2, tsNsec: r.tsNsec, data: r.data.slice(), origLen: r.origLen });
        },
      });
      writeFileSync(join(dir, name), encodePcap({ linktype, nanosecond: info.tsPrecision === 'ns' }, recs));
      files.push(join(dir, name));
    }
    const a = await loadCaptureSet(files);
    const o = a.clockOffsets.find((c) => c.node === shifted)!;
    expect(o.method).toBe('two-way');
    expect(Math.abs(o.offsetNs - 2e9)).toBeLessThan(1e6);
    expect(o.uncertaintyNs!).toBeLessThan(1e6);
    const through = flowsOf('a').filter((x) => x.request.some((h) => h.node === shifted));
    expect(through.length).toBeGreaterThan(0);
    for (const f of through) {
      const js = expectPaths(a, f, f.request);
      for (const j of js) for (const h of j.hops.slice(1)) expect(h.latencyNs!).toBeGreaterThan(-1e6);
    }
    expect(a.findings.some((f) => f.code === 'clock-offset' && f.node === shifted)).toBe(true);
  });
});
