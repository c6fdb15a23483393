// Captures from fresh random-lab runs (fixtures/captures/randlab) where the product once got a
// cluster fact wrong, each cut to what shows it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaptureSet } from '../../main/topology';
import { FIXTURES } from './lab';

const dir = join(FIXTURES, 'captures', 'randlab');

describe('random-lab snippets', () => {
  it("a dual-stack bridge whose IPv6 traffic is one pod's is still a bridge: its IPv4 packets hold three pods", async () => {
    // Seed 45 (flannel host-gw, dual stack): cbr0 of a node with pods 10.42.17.37, .12 and .38; only
    // the first one's IPv6 packets crossed it while it was captured.
    const a = await loadCaptureSet([join(dir, 'dualstack-bridge', 'capture-5.pcap')]);
    const [p] = a.points;
    expect(p.kind).toBe('bridge');
    expect(p.pod).toBeUndefined();
    expect(a.model.pods.filter((x) => x.veth === p.id)).toEqual([]);
  });
});
