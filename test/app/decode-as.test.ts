// "Decode as" in the backend, on a real VXLAN capture of the lab whose UDP destination port was moved
// from 8472 to 8999 (as an operator's custom VXLAN port would be): nothing decodes as VXLAN until the
// user says udp 8999 = vxlan; then the set is read again, the packets show their inner headers, and
// the session brings the entry back when the set is opened again.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../main/backend/backend';
import type { Backend } from '../../main/backend/api';
import { demoCaptures } from '../../main/server/browser-mode';
import { sessionPathFor } from '../../main/session';
import { movePort, ready } from './helpers';

const source = demoCaptures().find((f) => f.endsWith('a-node1-eth0.pcap'));
if (!source) console.warn('SKIPPED decode-as tests: the lab capture a-node1-eth0.pcap is missing');

const q = (filter: string) => ({ filter, element: null, sort: 'no' as const, descending: false, offset: 0, limit: 50, locate: 0 });

describe.skipIf(!source)('decode as', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-decode-as-'));
  const file = join(dir, 'a-node1-eth0.pcap');
  const bytes = readFileSync(source!);
  const moved = movePort(bytes, 8472, 8999);
  writeFileSync(file, bytes);
  const backends: Backend[] = [];
  const open = async () => {
    const b = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp'), sessionDir: join(dir, 'sessions') });
    backends.push(b);
    await b.openCaptures({ paths: [file], append: false });
    return { b, state: await ready(b) };
  };
  afterAll(async () => {
    for (const b of backends) await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes a custom VXLAN port once told to, and remembers it with the set', async () => {
    expect(moved).toBeGreaterThan(10);
    const { b, state } = await open();
    expect(state.decodeAs).toEqual([]);
    expect(state.decodeAsProtocols).toEqual(expect.arrayContaining(['vxlan', 'flannel-udp', 'geneve']));
    expect((await b.queryPackets(q('vxlan'))).total).toBe(0);
    expect((await b.queryPackets(q('udp.dstport == 8999'))).total).toBe(moved);
    expect((await b.getGraph()).elements.filter((e) => e.data.kind === 'underlay' && /VXLAN/.test(e.data.label))).toEqual([]);

    await expect(b.setDecodeAs({ entries: [{ layer: 'udp', port: 8999, proto: 'no-such-thing' }] })).rejects.toThrow(
      /unknown protocol 'no-such-thing'/,
    );
    await b.setDecodeAs({ entries: [{ layer: 'udp', port: 8999, proto: 'vxlan' }] });
    const after = await ready(b);
    expect(after.decodeAs).toEqual([{ layer: 'udp', port: 8999, proto: 'vxlan' }]);
    const page = await b.queryPackets(q('vxlan.vni == 1 && outer.udp.dstport == 8999'));
    expect(page.total).toBe(moved);
    expect(page.rows[0].encap).toBe('VXLAN 1');
    const d = await b.getPacket({ no: page.rows[0].no });
    expect(d!.levels.length).toBe(2);
    expect(d!.levels[1].title).toBe('Inner (VXLAN 1)');
    // The cluster analysis sees the tunnel too, on its port.
    const tunnels = (await b.getGraph()).elements.filter((e) => e.data.kind === 'underlay').map((e) => e.data.label);
    expect(
      tunnels.some((l) => /VXLAN.*8999/.test(l)),
      tunnels.join(' | '),
    ).toBe(true);
    await b.close();
    expect(JSON.parse(readFileSync(sessionPathFor([file]), 'utf8')).decodeAs).toEqual([{ layer: 'udp', port: 8999, proto: 'vxlan' }]);

    const { b: again, state: reopened } = await open();
    expect(reopened.decodeAs).toEqual([{ layer: 'udp', port: 8999, proto: 'vxlan' }]);
    expect((await again.queryPackets(q('vxlan'))).total).toBe(moved);
  });
});
