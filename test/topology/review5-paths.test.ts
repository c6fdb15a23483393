// Kernel-made clusters of the fifth review (fixtures/captures/review5/*/README.md says what each holds
// and the truth checked here).
// hostnet-client: a host-network client's packets seen inside the tunnel on the far node's VXLAN
// device leave the far pod the one address there, always routed: that makes no veth of it, so the
// other node's pod is not put on the far node's veth, and the way in orders bridge before veth.
// vni-mismatch: tunnel packets for a node that sends none (its VXLAN device on another VNI) place their
// inner destination on that node, and arriving there and never seen past its NIC is a finding that
// names the VNI; the SQL path finder agrees row by row.
// hairpin-nat: a pod calling its own service, DNATed back to itself without masquerade: delivered
// to its veth from its own address, never answered: the verdict and a finding say so.
// clock-bound: a one-way clock bound from microsecond stamps stays a bound; the offset is the fastest
// packet's own sample, so that packet does not arrive before it was sent.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';
import { agreeOn } from '../dataset/compare';
import { allJourneys } from './lab';

const REVIEW5 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review5');
const set = (name: string): string[] =>
  readdirSync(join(REVIEW5, name))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .map((f) => join(REVIEW5, name, f));

function journeysOf(a: Analysis, src: string, dst: string, dport?: number): Journey[] {
  return allJourneys(a).filter(
    ({ hops: [{ headers: h }] }) => h.src === src && h.dst === dst && (dport === undefined || h.dstPort === dport),
  );
}

describe('a host-network client seen inside the tunnel on the far node (hostnet-client)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hostnet-client'));
  });

  it('each pod stays on its own node and veth', () => {
    const pods = Object.fromEntries(a.model.pods.map((p) => [p.ip, [p.node, p.veth]]));
    expect(pods['10.244.2.11']).toEqual(['node2', 'node2/veth0b0b0b01']);
    expect(pods['10.244.3.11']).toEqual(['node3', 'node3/veth0c0c0c01']);
  });

  it('the pod-to-pod SYN goes in through the bridge, then the veth, and no capture is said missing on node3', () => {
    const [syn] = journeysOf(a, '10.244.2.11', '10.244.3.11', 8080);
    expect(syn.hops.map((h) => `${h.node}/${h.interface}`)).toEqual([
      'node2/veth0b0b0b01',
      'node2/eth0',
      'node3/eth0',
      'node3/flannel.1',
      'node3/cni0',
      'node3/veth0c0c0c01',
    ]);
    expect(syn.gaps.filter((g) => g.node === 'node3')).toEqual([]);
    expect(syn.status).toBe('delivered');
  });
});

describe('VXLAN packets a node never decapsulates (vni-mismatch)', () => {
  const files = set('vni-mismatch');
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('the tunnel’s inner destination is a pod of the node the tunnel takes it to', () => {
    const pod = a.model.pods.find((p) => p.ip === '10.244.2.11');
    expect(pod?.node).toBe('node-b');
    expect(pod?.veth).toBeNull();
  });

  it('its journeys reach node-b and say which of node-b’s captures are missing, not that the address is unknown', () => {
    const js = journeysOf(a, '10.244.1.11', '10.244.2.11');
    expect(js.length).toBe(5);
    for (const j of js) {
      expect([j.lastSeen.node, j.lastSeen.interface]).toEqual(['node-b', 'eth0']);
      expect(j.verdict?.reason).not.toMatch(/not an address of the cluster/);
      expect(j.gaps.some((g) => g.node === 'node-b' && g.kind === 'vtep')).toBe(true);
    }
  });

  it('one finding names the VNI, the node that never decapsulates it and its empty tunnel-device capture', () => {
    const f = a.findings.filter((x) => x.code === 'tunnel-not-decapsulated');
    expect(f.map((x) => x.node)).toEqual(['node-b']);
    expect(f[0].message).toMatch(
      /^5 VXLAN VNI 1 UDP 8472 packets from node-a arrive on node-b \(node-b-eth0\.pcap\) and none is seen past its NIC/,
    );
    expect(f[0].message).toContain('node-b-flannel.1.pcap');
    expect(f[0].message).toContain('node-b sends no tunnel packet itself, so which VNI and port its tunnel device takes is unknown');
    expect(f[0].packets.length).toBe(5);
  });

  it('node-c’s refusal of the tunnel port is its ICMP error, and the SQL path finder agrees row by row', () => agreeOn(files));
});

describe('a pod calling its own service without hairpin masquerade (hairpin-nat)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('hairpin-nat'));
  });

  it('each SYN reached the pod, from the pod itself, and nothing answered it', () => {
    const js = journeysOf(a, '10.244.3.11', '10.96.0.50', 80);
    expect(js.length).toBe(4);
    for (const j of js) {
      expect(j.status).toBe('delivered');
      expect(j.verdict?.code).toBe('reached-destination');
      expect(j.verdict?.reason).toMatch(/, but from 10\.244\.3\.11 itself: .*hairpin its node did not masquerade.*nothing answered it$/);
    }
  });

  it('one finding names the broken hairpin', () => {
    const f = a.findings.filter((x) => x.code === 'hairpin-not-masqueraded');
    expect(f.length).toBe(1);
    expect(f[0].node).toBe('worker-3');
    expect(f[0].message).toMatch(
      /^tcp 10\.244\.3\.11:\d+ > 10\.96\.0\.50:80: 10\.244\.3\.11 called 10\.96\.0\.50:80, which worker-3 translated to 10\.244\.3\.11:8080, the caller itself, without masquerading the source: 4 packets reached 10\.244\.3\.11 from its own address/,
    );
  });

  it('an answered service call through the same service is no hairpin finding', () => {
    expect(a.findings.filter((x) => x.code === 'hairpin-not-masqueraded' && x.message.includes('10.244.1.11'))).toEqual([]);
  });
});

describe('a one-way clock bound from microsecond stamps (clock-bound)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('clock-bound'));
  });

  it('stays a bound, and the offset is the fastest packet’s own sample', () => {
    const b = a.clockOffsets.find((o) => o.node === 'node-b')!;
    expect(b.method).toBe('one-way');
    expect([b.lowerNs, b.upperNs]).toEqual([null, 3000]);
    expect(b.offsetNs).toBe(2000);
  });

  it('that packet does not arrive before it was sent', () => {
    const [syn] = journeysOf(a, '10.244.1.11', '10.244.2.11', 8080);
    const hop = syn.hops[1];
    expect(hop.node).toBe('node-b');
    expect(hop.latencyNs).toBe(0);
    expect(hop.latencyNote ?? '').not.toMatch(/before it was sent/);
  });
});
