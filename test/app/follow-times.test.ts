// The Follow view's times on a set where one node's clock runs 2 s behind (a-node3's captures of
// the lab, every timestamp moved back 2 s): each hop's corrected time is on the reference node's
// clock, so times never run backwards along a journey, while the capture's own time is kept beside
// it with the offset that was removed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../main/backend/api';
import { readCapture } from '../../main/engine/readers/read';
import { encodePcap } from '../../main/engine/writers/pcap';
import { demoCaptures } from '../../main/server/browser-mode';
import { followFirst, openBackend } from './helpers';
import { captureCopies, type CaptureCopies } from '../tools';

const files = demoCaptures();
const SHIFTED = 'a-node3';
if (!files.some((f) => basename(f).startsWith(`${SHIFTED}-`)))
  console.warn(`SKIPPED follow times: the lab captures of ${SHIFTED} are missing`);

describe.skipIf(!files.some((f) => basename(f).startsWith(`${SHIFTED}-`)))('follow view times with a node clock 2 s behind', () => {
  let dir: string;
  let lab: CaptureCopies;
  let b: Backend;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tv-follow-times-'));
    // The set in a folder of its own (its session is saved beside it), the shifted node's captures rewritten there.
    lab = captureCopies(files);
    for (const p of lab.files) {
      if (!basename(p).startsWith(`${SHIFTED}-`)) continue;
      const recs: { tsSec: number; tsNsec: number; data: Uint8Array; origLen: number }[] = [];
      let linktype = 1;
      const info = await readCapture(p, {
        onPacket: (r) => {
          linktype = r.linktype;
          recs.push({ tsSec: r.tsSec - 2, tsNsec: r.tsNsec, data: r.data.slice(), origLen: r.origLen });
        },
      });
      writeFileSync(p, encodePcap({ linktype, nanosecond: info.tsPrecision === 'ns' }, recs));
    }
    b = await openBackend(dir, lab.files);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    lab?.dispose();
  });

  it("shows corrected times in order, the capture's own time and the offset beside them", async () => {
    // The DNS query from a-node1's pod to the DNS pod on a-node3.
    const f = await followFirst(b, 'inner.ip.dst == 10.244.2.2 && udp.dstport == 53');
    const hops = f.journeys[f.selected].hops;
    expect(f.clockReference).toBe('a-node1');
    const ns = (t: { sec: number; nsec: number }) => BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
    const on3 = hops.filter((h) => h.node === SHIFTED);
    expect(on3.length).toBeGreaterThan(0);
    for (const h of on3) {
      expect(Math.abs(h.offsetNs + 2e9)).toBeLessThan(1e6);
      expect(ns(h.corrected) - ns(h.captured)).toBe(BigInt(-h.offsetNs));
    }
    for (const h of hops.filter((x) => x.node !== SHIFTED)) expect(Math.abs(h.offsetNs)).toBeLessThan(1e6);
    // Along the journey the corrected times do not run backwards (within the offset's uncertainty)...
    for (let i = 1; i < hops.length; i++)
      expect(ns(hops[i].corrected) - ns(hops[i - 1].corrected), `hop ${i + 1}`).toBeGreaterThan(-1_000_000n);
    // ...while the captures' own clocks do, by about 2 s, where the packet reaches a-node3.
    const k = hops.findIndex((h) => h.node === SHIFTED);
    expect(ns(hops[k].captured) - ns(hops[k - 1].captured)).toBeLessThan(-1_900_000_000n);
  });
});
