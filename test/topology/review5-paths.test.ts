// Kernel-made clusters of the fifth review (fixtures/captures/review5/*/README.md says what each holds
// and the truth checked here).
// hostnet-client: a host-network client's packets seen inside the tunnel on the far node's VXLAN
// device leave the far pod the one address there, always routed: that makes no veth of it, so the
// other node's pod is not put on the far node's veth, and the way in orders bridge before veth.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis, type Journey } from '../../main/topology';

const REVIEW5 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review5');
const set = (name: string): string[] =>
  readdirSync(join(REVIEW5, name))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .map((f) => join(REVIEW5, name, f));

function journeysOf(a: Analysis, src: string, dst: string, dport?: number): Journey[] {
  const out: Journey[] = [];
  for (let k = 0; k < a.journeys.count; k++) {
    const j = a.journeys.get(k);
    const h = j.hops[0].headers;
    if (h.src === src && h.dst === dst && (dport === undefined || h.dstPort === dport)) out.push(j);
  }
  return out;
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
