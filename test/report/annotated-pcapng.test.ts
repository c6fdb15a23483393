// The annotated pcapng export: tshark lists every annotation as a packet comment on the right packet,
// the comments already in the captures are kept, and interfaces carry node/interface names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { annotationComment, writeReport } from '../../main/report';
import { readCapture } from '../../main/engine/readers/read';
import type { CaptureInterface } from '../../main/engine/types';
import { makeCase, type Case } from './case';
import { tempDir, tsharkFields } from './tools';
import { HOSTILE_CAPTURE_COMMENT, HOSTILE_IF_NAME } from './scenario';
import { itNeeding } from '../tools';

const t = tempDir('tv-annotated-');
let c: Case;
/** Frame number (1-based) in the export of packet `index` of `capture`, when all packets are exported in capture order. */
let frameOf: (capture: string, index: number) => number;

beforeAll(async () => {
  c = await makeCase(t.dir);
  const offsets = new Map<string, number>();
  let n = 0;
  for (const cap of c.analysis.captures) {
    offsets.set(cap.id, n);
    n += cap.packetCount;
  }
  frameOf = (capture, index) => offsets.get(capture)! + index + 1;
});
afterAll(() => t.cleanup());

/** What each frame should carry: the capture's own comments, then the session's notes. */
function expectedComments(): Map<number, string[]> {
  const m = new Map<number, string[]>();
  const add = (f: number, s: string) => m.set(f, [...(m.get(f) ?? []), s]);
  add(frameOf('node1-cni0.pcapng', 0), HOSTILE_CAPTURE_COMMENT);
  for (const a of c.store.annotations) {
    if (a.source !== 'user') continue;
    const tg = a.target;
    if (tg.kind === 'packet') add(frameOf(tg.capture, tg.packet), annotationComment(a));
    if (tg.kind === 'hop') add(frameOf(tg.capture!, tg.packet!), annotationComment(a));
    if (tg.kind === 'flow') {
      const first = c.analysis.journeysForFlow(tg.flow)[0].hops[0].packet;
      add(frameOf(first.capture, first.index), `flow ${tg.flow}: ${annotationComment(a)}`);
    }
  }
  return m;
}

describe('annotated pcapng export', () => {
  it('keeps every packet, names interfaces after node and interface, and puts set notes in the section header', async () => {
    const out = join(t.dir, 'all.pcapng');
    const r = await writeReport(c.analysis, c.store, { out });
    expect(r.packets).toBe(27);
    const ifaces: CaptureInterface[] = [];
    let comments = 0;
    const info = await readCapture(out, { onInterface: (i) => ifaces.push(i), onPacket: (p) => (comments += p.comments?.length ?? 0) });
    expect(info.errors).toEqual([]);
    expect(info.packetCount).toBe(27);
    expect(ifaces.map((i) => i.name)).toEqual(['node1/cni0', `node1/${HOSTILE_IF_NAME}`, 'node2/eth0', 'node2/cni0']);
    expect(ifaces[1].description).toContain(`if_name ${HOSTILE_IF_NAME}`);
    expect(ifaces.every((i) => i.tsresolExp === 9)).toBe(true);
    expect(comments).toBe([...expectedComments().values()].flat().length);
    const setNote = c.store.annotations.find((a) => a.target.kind === 'set')!;
    const elementNote = c.store.annotations.find((a) => a.target.kind === 'element')!;
    expect(info.comments).toContain(annotationComment(setNote).slice(0, 65535));
    expect(info.comments.some((s) => s.endsWith(annotationComment(elementNote)))).toBe(true);
  });

  itNeeding(['tshark'], 'tshark lists every annotation as a packet comment on its packet, interface names intact', async () => {
    const out = join(t.dir, 'all-tshark.pcapng');
    await writeReport(c.analysis, c.store, { out, format: 'pcapng' });
    const frames = tsharkFields(out, ['frame.number', 'frame.comment', 'frame.interface_name', 'frame.time_epoch']);
    expect(frames).toHaveLength(27);
    const expected = expectedComments();
    for (const f of frames) {
      const n = Number(f['frame.number'][0]);
      expect([n, f['frame.comment'] ?? []]).toEqual([n, expected.get(n) ?? []]);
    }
    expect(new Set(frames.map((f) => f['frame.interface_name'][0]))).toEqual(
      new Set(['node1/cni0', `node1/${HOSTILE_IF_NAME}`, 'node2/eth0', 'node2/cni0']),
    );
    // timestamps kept to the nanosecond
    expect(frames[frameOf('node1-eth0.pcapng', 0) - 1]['frame.time_epoch'][0]).toBe('1700000000.000040000');
  });

  itNeeding(['tshark'], 'exports only the annotated packets, or a chosen set', async () => {
    const out = join(t.dir, 'annotated.pcapng');
    const r = await writeReport(c.analysis, c.store, { out, packets: 'annotated' });
    const frames = tsharkFields(out, ['frame.comment']);
    expect(frames).toHaveLength(expectedComments().size);
    expect(r.packets).toBe(expectedComments().size);
    expect(frames.every((f) => (f['frame.comment'] ?? []).length > 0)).toBe(true);

    const chosen = join(t.dir, 'chosen.pcapng');
    await writeReport(c.analysis, c.store, { out: chosen, packets: new Map([['node2-cni0.pcap', new Set([0, 2, 99])]]) });
    const few = tsharkFields(chosen, ['frame.interface_name', 'frame.time_epoch']);
    expect(few.map((f) => f['frame.interface_name'][0])).toEqual(['node2/cni0', 'node2/cni0']);
  });
});
