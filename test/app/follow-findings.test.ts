// The Follow view's findings on the lab set, where two UDP datagrams from a-node1's pod to the pod
// at 10.244.2.3 are lost on a-node3 (last seen on its flannel.1, never on cni0): each dropped
// journey has its own "dropped" finding, word for word the same, and the view lists it once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../main/backend/api';
import { demoCaptures } from '../../main/server/browser-mode';
import { followFirst, openBackend } from './helpers';
import { captureCopies, type CaptureCopies } from '../tools';

const files = demoCaptures();
if (!files.length) console.warn('SKIPPED follow findings: the lab captures are missing');

describe.skipIf(!files.length)('follow view findings', () => {
  let dir: string;
  let lab: CaptureCopies;
  let b: Backend;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tv-follow-findings-'));
    lab = captureCopies(files);
    b = await openBackend(dir, lab.files);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    lab?.dispose();
  });

  it('lists a drop finding shared by several dropped journeys once', async () => {
    const f = await followFirst(b, 'inner.ip.dst == 10.244.2.3 && udp.dstport == 9999');
    // The premise: more than one journey of the flow is dropped.
    expect(f.journeys.filter((j) => j.label.includes('dropped')).length).toBeGreaterThan(1);
    const drops = f.findings.filter((x) => x.includes('last seen at a-node3-flannel.1.pcap'));
    expect(drops).toHaveLength(1);
    expect(new Set(f.findings).size).toBe(f.findings.length);
    // Nor does the selected journey's own list repeat a line.
    const j = f.journeys[f.selected];
    expect(new Set(j.findings).size).toBe(j.findings.length);
  });
});
