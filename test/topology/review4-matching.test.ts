// Matching one packet across captures when the captures hold it in different forms, on clusters made
// by the kernel in network namespaces (fixtures/captures/review4, see fixtures/README.md).
//
// router-frag: a routed VXLAN underlay whose router fragments the tunnel packets. The sending pod's
// veth, bridge, vxlan0 and NIC carry four GSO super-packets (the NIC cuts them after its capture
// point), the router fragments each 1514-byte VXLAN packet into two, the receiving NIC's capture
// holds fifteen MSS-sized segments (each a first fragment with the inner headers and a later one
// without), and the receiver's GRO makes the four segments again. tshark finds 20 000 payload bytes
// at every point, no retransmission and no lost segment.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review4');
const set = (name: string): string[] =>
  readdirSync(join(DIR, name))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(DIR, name, f));

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
