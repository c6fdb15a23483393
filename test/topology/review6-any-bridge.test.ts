// Two nodes captured only with `tcpdump -i any` (fixtures/captures/review6/any-bridge): the bridge
// is an interface of a cooked capture, not promiscuous, so the frames it forwards between two pods'
// veths are not on it. They are no path gap and no missed packet.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { agreeOn } from '../dataset/compare';
import { allJourneys } from './lab';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review6', 'any-bridge');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => join(DIR, f));

describe('a bridge seen only through `-i any`', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(files);
  });

  it('is not expected to see frames it forwards between two pods of its node', () => {
    const between = allJourneys(a).filter((j) => j.hops[0].headers.src === '10.244.1.12' && j.hops[0].headers.dst === '10.244.1.11');
    expect(between.length).toBeGreaterThan(0);
    for (const j of between) {
      expect(j.status, `journey ${j.id}`).toBe('delivered');
      expect(j.gaps, `journey ${j.id}`).toEqual([]);
    }
    expect(a.findings.filter((f) => f.code === 'path-gap')).toEqual([]);
  });

  it('still expects routed frames there: a pod to the other node crosses the bridge', () => {
    const out = allJourneys(a).filter((j) => j.hops[0].headers.src === '10.244.1.11' && j.hops[0].headers.dst.startsWith('10.244.2.'));
    expect(out.length).toBeGreaterThan(0);
    for (const j of out)
      expect(
        j.hops.some((h) => h.kind === 'bridge'),
        `journey ${j.id}`,
      ).toBe(true);
  });

  it('the SQL path finder agrees row by row', () => agreeOn(files));
});
