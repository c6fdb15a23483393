// Capture files named the way tools and people name them when they name nothing ('capture.pcapng',
// 'trace.pcapng', 'tcpdump-2348.pcapng'): the name is no node's. A pcapng of named interfaces under
// such a name is the node the traffic gives, named after its address, and its "why here" says the
// file name named no node.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCaptureSet } from '../../main/topology';
import { FIXTURES } from './lab';

const root = mkdtempSync(join(tmpdir(), 'tv-generic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CAP = join(FIXTURES, 'captures');

describe("node 2's pcapng of named interfaces under a generic capture name, beside node 1's captures", () => {
  it.each(['capture.pcapng', 'trace.pcapng', 'dump.pcapng', 'out.pcapng', 'tcpdump-2348.pcapng', 'incident-2356.pcapng'])(
    '%s',
    async (as) => {
      const dir = join(root, as);
      mkdirSync(dir);
      const files = readdirSync(CAP)
        .filter((f) => f.startsWith('a-node1-'))
        .map((f) => (copyFileSync(join(CAP, f), join(dir, f)), join(dir, f)));
      copyFileSync(join(CAP, 'a-node2.pcapng'), join(dir, as));
      const a = await loadCaptureSet([...files, join(dir, as)]);
      const ids = a.captures.find((c) => c.path === join(dir, as))!.points;
      const points = a.points.filter((p) => ids.includes(p.id));
      expect(points.length).toBe(3);
      for (const p of points) {
        expect(p.node).toBe('node-192.168.56.12');
        expect(p.nodeSource).not.toBe('file-name');
        expect(p.evidence.some((e) => e.reason.includes(`the file name '${as}' is a generic capture name and names no node`))).toBe(true);
      }
      expect(a.model.nodes.map((n) => n.id).sort()).toEqual(['a-node1', 'node-192.168.56.12', 'node-192.168.56.13']);
    },
  );
});
