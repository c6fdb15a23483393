// Underlay captures taken with a short snap length (`tcpdump -s 96`, common on busy NICs) cut the
// inner TCP header and the payload bytes the journey key hashes. The same packets must still be
// one journey with their whole sightings elsewhere: the lab's set with both NIC captures cut to
// 96 bytes (editcap -s 96) gives the flows, journeys, drops and clock offsets of the set uncut.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SummaryFlag } from '../../main/engine/decode/types';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { describeNeeding } from '../tools';
import { captureFiles } from './lab';

const root = mkdtempSync(join(tmpdir(), 'tv-snaplen-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Set `name` with its underlay (eth0) captures cut to `snap` bytes. */
function cutSet(name: string, snap: number): string[] {
  return captureFiles(name).map((f) => {
    if (!/-eth0\.pcap$/.test(f)) return f;
    const out = join(root, basename(f));
    const r = spawnSync('editcap', ['-s', String(snap), f, out], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`editcap could not cut ${f}`);
    return out;
  });
}

const facts = (a: Analysis) => ({
  flows: a.flows.map((f) => `${f.id} ${f.journeyCount} ${f.tcp ? `${f.tcp.state} retrans ${f.tcp.retransmissions}` : ''}`).sort(),
  journeys: a.journeys.count,
  drops: a.findings
    .filter((f) => f.code === 'dropped')
    .map((f) => f.message)
    .sort(),
  clocks: a.clockOffsets.map((c) => `${c.node} ${Math.round(c.offsetNs / 1e6)} ms ${c.method}`).sort(),
});

describeNeeding(['editcap'], 'underlay captures cut by a short snap length', () => {
  for (const set of ['a', 'b']) {
    it(`set ${set}: the same flows, journeys, drops and clock offsets as uncut`, async () => {
      const whole = await loadCaptureSet(captureFiles(set));
      const cut = await loadCaptureSet(cutSet(set, 96));
      // Something was cut (else the test proves nothing): packets the capture shows shorter than sent.
      const cutRows = cut.table.flags
        .subarray(0, cut.table.count)
        .filter((f) => f & (SummaryFlag.TRUNCATED | SummaryFlag.TRANSPORT_CUT)).length;
      expect(cutRows).toBeGreaterThan(20);
      expect(facts(cut)).toEqual(facts(whole));
    });
  }
});
