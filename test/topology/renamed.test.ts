// The committed lab captures renamed the way operators name files (pod captures after the pod, with
// or without the node; a node by its address; names that say nothing; pcapngs of named interfaces
// whose file is not named after the node; bridges, veths and VXLAN devices named as other CNIs name
// them): every point's node and kind, every pod's node, MAC and veth capture, one bridge per
// bridged node and no phantom or split node, against the manifests.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCaptureSet } from '../../main/topology';
import { FIXTURES, manifest } from './lab';
import { SCENARIOS, haveTcpdump, materializeScenario, scoreAnalysis } from './renamed';

const root = mkdtempSync(join(tmpdir(), 'tv-renamed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("attribution of lab captures under operators' file and interface names", () => {
  for (const scenario of SCENARIOS) {
    it.skipIf(!!scenario.bpf && !haveTcpdump)(scenario.name, async () => {
      const { files, truth } = materializeScenario(scenario, join(root, scenario.name.replace(/\W+/g, '-')));
      const a = await loadCaptureSet(files);
      const card = scoreAnalysis(a, truth);
      for (const [cls, s] of Object.entries(card)) expect(s.misses, cls).toEqual([]);
      // Something was scored in every class the scenario has (a score over nothing cannot fail).
      expect(card['point-node'].total).toBe(truth.points.size);
      expect(card['pod-veth'].total).toBeGreaterThan(0);
      expect(card.nodes.total).toBe(truth.nodes.length);
    });
  }

  it('one directory per node: each capture is on the node its directory names, by that name', async () => {
    const scenario = SCENARIOS.find((x) => x.name === 'flannel-vxlan, one directory per node')!;
    const { files, truth } = materializeScenario(scenario, join(root, 'dirs-by-name'));
    const a = await loadCaptureSet(files);
    expect(new Map(a.points.map((p) => [p.id, p.node]))).toEqual(new Map([...truth.points].map(([id, t]) => [id, t.node])));
    expect(a.captures.map((c) => c.id)).toContain('a-node3/cni0.pcap');
  });

  it('each point says why it was placed: the claims that won, with source and weight', async () => {
    const { files } = materializeScenario(SCENARIOS[0], join(root, 'why'));
    const a = await loadCaptureSet(files);
    const pod = a.points.find((p) => p.id === 'tools-0.pcap')!;
    expect(pod.kind).toBe('veth');
    expect(pod.evidence.some((e) => /10\.244\.0\.3.*initial TTL.*\[traffic, weight \d+\]/.test(e.reason) && e.packets.length > 0)).toBe(
      true,
    );
    const named = a.points.find((p) => p.id === 'node-192.168.56.11.pcap')!;
    expect(named.nodeSource).toBe('file-name');
    expect(named.evidence.some((e) => /names the node node-192\.168\.56\.11 \(by its address 192\.168\.56\.11\)/.test(e.reason))).toBe(
      true,
    );
  });

  it("a node only '<node>-<pod>' files name keeps that name when the name splits one way", async () => {
    // GKE-style names end in segments no workload name starts with ('67qb'), so the pod's name is the
    // only tail that reads as one; no other capture names the pods' workloads.
    const a2 = manifest.clusters.find((c) => c.name === 'a')!;
    const veth = (pod: string) => join(FIXTURES, 'captures', `a-node2-${a2.pods.find((p) => p.name === pod)!.hostVeth}.pcap`);
    const dir = join(root, 'gke-node-pod');
    mkdirSync(dir, { recursive: true });
    const node = 'gke-prod-default-53c71b30-67qb';
    const files = [
      [veth('web-5d78cf5b9-hk4wz'), `${node}-web-5d78cf5b9-hk4wz.pcap`],
      [veth('backend-0'), `${node}-backend-0.pcap`],
      [join(FIXTURES, 'captures', 'a-node1-eth0.pcap'), 'gke-prod-default-4ffe3b9b-wlw4-eth0.pcap'],
    ].map(([src, as]) => {
      copyFileSync(src, join(dir, as));
      return join(dir, as);
    });
    const a = await loadCaptureSet(files);
    for (const id of [`${node}-web-5d78cf5b9-hk4wz.pcap`, `${node}-backend-0.pcap`])
      expect(a.points.find((p) => p.id === id)?.node, id).toBe(node);
    // a-node3 is seen only as a tunnel peer in a-node1's underlay capture: named after its address.
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual(['gke-prod-default-4ffe3b9b-wlw4', node, 'node-192.168.56.13']);
  });

  it("'<node>-<pod>' files of one node that share a workload-like prefix name a node numbered as the others are", async () => {
    // 'node2-web-5d78cf5b9-hk4wz' and 'node2-web-0' could be two pods of a workload 'node2-web'; but
    // node1 and node3 name captures, and 'web-7c9d8b6f5-x2kqp.pcap' names a workload 'web'.
    const a2 = manifest.clusters.find((c) => c.name === 'a')!;
    const veth = (node: string, pod: string) => join(FIXTURES, 'captures', `${node}-${a2.pods.find((p) => p.name === pod)!.hostVeth}.pcap`);
    const dir = join(root, 'numbered-node-pod');
    mkdirSync(dir, { recursive: true });
    const files = [
      [join(FIXTURES, 'captures', 'a-node1-eth0.pcap'), 'node1-eth0.pcap'],
      [join(FIXTURES, 'captures', 'a-node3-eth0.pcap'), 'node3-eth0.pcap'],
      [veth('a-node1', 'client-7c9d8b6f5-x2kqp'), 'web-7c9d8b6f5-x2kqp.pcap'],
      [veth('a-node2', 'web-5d78cf5b9-hk4wz'), 'node2-web-5d78cf5b9-hk4wz.pcap'],
      [veth('a-node2', 'backend-0'), 'node2-web-0.pcap'],
    ].map(([src, as]) => {
      copyFileSync(src, join(dir, as));
      return join(dir, as);
    });
    const a = await loadCaptureSet(files);
    for (const id of ['node2-web-5d78cf5b9-hk4wz.pcap', 'node2-web-0.pcap'])
      expect(a.points.find((p) => p.id === id)?.node, id).toBe('node2');
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual(['node1', 'node2', 'node3']);
  });
});
