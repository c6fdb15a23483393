// `community_id == "1:..."` in the display filter, through the backend's own column resolver, selects
// exactly the packets tshark selects with its `communityid == "1:..."` filter.
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { PacketStore } from '../../main/backend/store';
import { resolver } from '../../main/backend/columns';
import { compileFilter, parseFilter } from '../../common/filter';
import { describeNeeding } from '../tools';

const capDir = fileURLToPath(new URL('../../fixtures/captures/calico', import.meta.url));

describeNeeding(['tshark'], 'community_id display filter', () => {
  it('selects the same frames as tshark on the Calico lab captures, for every Community ID present', async () => {
    for (const file of ['calico1-eth0.pcap', 'calico1-calia7a3e029a7b.pcap', 'calico1-web1-lo.pcap']) {
      const path = join(capDir, file);
      const store = await PacketStore.readAll([{ path, name: file }]);
      const n = store.count;
      const res = resolver(store, {
        pointOf: () => 0,
        stamp: null,
        points: [{ node: 'n', iface: 'i', kind: 'k', capture: file }],
        podOfIp: new Map(),
      });
      const r = spawnSync(
        'tshark',
        ['-n', '--enable-protocol', 'communityid', '-r', path, '-T', 'fields', '-e', 'frame.number', '-e', 'communityid'],
        { encoding: 'utf8' },
      );
      const byId = new Map<string, number[]>();
      for (const line of r.stdout.split('\n')) {
        const [no, cid] = line.split('\t');
        if (cid) byId.set(cid, [...(byId.get(cid) ?? []), Number(no) - 1]);
      }
      expect(byId.size).toBeGreaterThan(0);
      for (const [cid, frames] of byId) {
        const p = parseFilter(`community_id == "${cid}"`);
        expect(p.ok).toBe(true);
        const pred = compileFilter(p.ok ? p.ast : null, res);
        const rows: number[] = [];
        for (let i = 0; i < n; i++) if (pred(i)) rows.push(store.table.index[i]);
        expect(rows, `${file} ${cid}`).toEqual(frames);
      }
      const none = parseFilter('community_id == "1:AAAAAAAAAAAAAAAAAAAAAAAAAAA="');
      const predNone = compileFilter(none.ok ? none.ast : null, res);
      expect(Array.from({ length: n }, (_, i) => i).filter(predNone)).toEqual([]);
    }
  });
});
