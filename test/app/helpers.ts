// Helpers of the backend tests: waiting for a set to be read and analysed, and byte-level edits of
// real captures (e.g. VXLAN moved to a port of an operator's choosing).
import { join } from 'node:path';
import type { AppState, FollowView } from '../../common/contract';
import type { Backend } from '../../main/backend/api';
import { createBackend } from '../../main/backend/backend';

/** The state once the backend is done loading and analysing (polled every 25 ms, `tries` times at most). */
export async function ready(b: Pick<Backend, 'getState'>, tries = 1200): Promise<AppState> {
  for (let i = 0; i < tries; i++) {
    const s = await b.getState();
    if (s.phase !== 'loading' && s.phase !== 'analysing') return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('backend never became ready');
}

/** A browser-mode backend keeping its files in `dir`, with `paths` open, read and analysed. */
export async function openBackend(dir: string, paths: string[]): Promise<Backend> {
  const b = createBackend({ shell: 'browser', recentFile: join(dir, 'recent.json'), tempDir: dir, sessionDir: join(dir, 'sessions') });
  await b.openCaptures({ paths, append: false });
  await ready(b, 600);
  return b;
}

/** The Follow view of the first packet the display filter lists (fails when none does). */
export async function followFirst(b: Backend, filter: string): Promise<FollowView> {
  const page = await b.queryPackets({ filter, element: null, sort: 'no', descending: false, offset: 0, limit: 1, locate: 0 });
  if (!page.rows.length) throw new Error(`no packet matches ${filter}`);
  const f = await b.followPacket({ no: page.rows[0].no });
  if (!f) throw new Error(`packet ${page.rows[0].no} is on no journey`);
  return f;
}

/** Moves the UDP destination port `from` to `to` in every Ethernet/IPv4 packet of a little-endian pcap; returns how many. */
export function movePort(pcap: Buffer, from: number, to: number): number {
  if (pcap.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('expected a little-endian microsecond pcap');
  let n = 0;
  for (let o = 24; o + 16 <= pcap.length;) {
    const cap = pcap.readUInt32LE(o + 8);
    const p = o + 16;
    if (cap >= 42 && pcap.readUInt16BE(p + 12) === 0x0800 && pcap[p + 23] === 17) {
      const udp = p + 14 + (pcap[p + 14] & 0x0f) * 4;
      if (pcap.readUInt16BE(udp + 2) === from) {
        pcap.writeUInt16BE(to, udp + 2);
        pcap.writeUInt16BE(0, udp + 6); // no UDP checksum, as the kernel sends VXLAN
        n++;
      }
    }
    o = p + cap;
  }
  return n;
}
