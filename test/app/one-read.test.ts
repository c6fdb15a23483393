// One read per file: the backend lists, filters and analyses the same packet table. An enrichment
// file given before the captures must not shift their numbers: every row carries the node the
// analysis found for its own capture, and following a packet finds the journey through that very
// packet.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect, it } from 'vitest';
import type { PacketRow } from '../../common/contract';
import { createBackend } from '../../main/backend/backend';
import { demoCaptures } from '../../main/server/browser-mode';
import { labNeed } from '../e2e/scenario';
import { describeNeeding } from '../tools';
import { ready } from './helpers';

describeNeeding([labNeed], 'one packet table for the list and the analysis', () => {
  it('keeps capture numbers and row labels right when an enrichment file comes first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-one-read-'));
    const b = createBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
    try {
      const env = join(dir, 'subnet.env');
      writeFileSync(env, 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
      const captures = demoCaptures().slice(0, 4);
      expect(captures.length).toBe(4);
      await b.openCaptures({ paths: [env, ...captures], append: false });
      const state = await ready(b, 1200);
      expect(state.phase).toBe('ready');
      // Captures first, in the order given, then the enrichment file (no packets).
      expect(state.captures.map((c) => c.name)).toEqual([...captures.map((p) => basename(p)), 'subnet.env']);
      expect(state.captures[4]).toMatchObject({ format: 'subnet-env', packets: 0 });
      const total = state.captures.reduce((n, c) => n + c.packets, 0);
      expect(state.totalPackets).toBe(total);
      const rows: PacketRow[] = [];
      for (let offset = 0; offset < total; offset += 2000) {
        const page = await b.queryPackets({ filter: '', element: null, sort: 'no', descending: false, offset, limit: 2000, locate: 0 });
        rows.push(...page.rows);
      }
      expect(rows.length).toBe(total);
      for (const c of state.captures.slice(0, 4)) expect(c.node, c.name).toBeTruthy();
      for (const r of rows) expect(r.node, `No. ${r.no}`).toBe(state.captures[r.capture].node);
      // The last capture's packets: following one finds a journey that passes that very packet.
      const last = rows.filter((r) => r.capture === 3 && (r.protocol === 'TCP' || r.protocol === 'ICMP'));
      expect(last.length).toBeGreaterThan(0);
      const view = await b.followPacket({ no: last[0].no });
      expect(view).not.toBeNull();
      const hops = view!.journeys[view!.selected].hops;
      expect(hops.some((h) => h.packetNo === last[0].no && h.capture === state.captures[3].name.replace(/\.pcapng?$/, ''))).toBe(true);
    } finally {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
