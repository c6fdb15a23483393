// Segmentation offload on a kernel-made VXLAN cluster (fixtures/captures/review4/bulk-gso, see
// fixtures/README.md): a bulk TCP transfer pod → pod with the kernel's offloads as they are. The
// sender's veth, bridge and vxlan0 carry GSO super-packets of up to 64 KB, its NIC cuts them into
// 1398-byte pieces, the receiver's vxlan0 sees them merged again (GRO) along other cuts; every capture
// is `tcpdump -s 128`. Nothing was lost: tshark finds every byte at every point, no lost segment and no
// retransmission. A journey that reaches a point only as pieces (or inside a merged packet) went
// through it; no drop, no capture loss, no MTU problem. The test then removes bytes from copies of the
// captures to check that a real drop and a real capture loss are still told.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correlate } from '../../main/dataset/correlate';
import { openDuck, queryRows } from '../../main/dataset/duck';
import { exportDataset } from '../../main/dataset/export';
import { attachDataset } from '../../main/dataset/open';
import { loadCaptureSet, type Analysis, type Journey, type PacketRef } from '../../main/topology';
import { agreeOn, disagreements } from '../dataset/compare';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review4', 'bulk-gso');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => join(DIR, f));
const N1 = 'ip-10-0-3-17.eu-west-1.compute.internal';
const N2 = 'ip-10-0-3-18.eu-west-1.compute.internal';
const SRC = '10.42.2.4';
const DST = '10.42.1.5';

function all(a: Analysis): Journey[] {
  const out: Journey[] = [];
  for (let k = 0; k < a.journeys.count; k++) out.push(a.journeys.get(k));
  return out;
}

/** The data segments api-0 sent (journeys of the transfer's direction with a payload). */
function dataJourneys(a: Analysis): Journey[] {
  return all(a).filter((j) => j.hops[0].headers.src === SRC && j.hops[0].headers.dst === DST && !/ len=0$/.test(j.hops[0].headers.info));
}

/** The journey whose sighting on `capture` has the given TCP segment length. */
function segmentOn(a: Analysis, capture: string, len: number): Journey {
  const found = all(a).filter((j) => j.hops.some((h) => h.packet.capture === capture && h.headers.info.endsWith(` len=${len}`)));
  expect(found.length).toBe(1);
  return found[0];
}

/** A copy of a classic pcap file without the records whose 0-based index is in `drop`. */
function withoutRecords(src: string, drop: ReadonlySet<number>, dst: string): void {
  const b = readFileSync(src);
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  const parts: Buffer[] = [b.subarray(0, 24)];
  for (let off = 24, i = 0; off + 16 <= b.length; i++) {
    const incl = le ? b.readUInt32LE(off + 8) : b.readUInt32BE(off + 8);
    if (!drop.has(i)) parts.push(b.subarray(off, off + 16 + incl));
    off += 16 + incl;
  }
  writeFileSync(dst, Buffer.concat(parts));
}

/**
 * A copy of a classic pcap file of VXLAN frames in which the inner IPv4 header of the records in
 * `change` has another ID (header checksum recomputed): packets of the same bytes sent at another time.
 */
function withOtherIds(src: string, change: ReadonlySet<number>, dst: string): void {
  const b = Buffer.from(readFileSync(src));
  // Ethernet 14 + outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14.
  const inner = 64;
  for (let off = 24, i = 0; off + 16 <= b.length; i++) {
    const incl = b.readUInt32LE(off + 8);
    if (change.has(i)) {
      const h = off + 16 + inner;
      b.writeUInt16BE(b.readUInt16BE(h + 4) ^ 0x4000, h + 4);
      b.writeUInt16BE(0, h + 10);
      let sum = 0;
      for (let k = 0; k < 20; k += 2) sum += b.readUInt16BE(h + k);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      b.writeUInt16BE(~sum & 0xffff, h + 10);
    }
    off += 16 + incl;
  }
  writeFileSync(dst, b);
}

/** Copies of the fixture without the given packets. */
function filesWithout(packets: readonly PacketRef[], tmp: string): string[] {
  const dir = mkdtempSync(join(tmp, 'cut-'));
  return FILES.map((f) => {
    const drop = new Set(packets.filter((p) => p.capture === basename(f)).map((p) => p.index));
    withoutRecords(f, drop, join(dir, basename(f)));
    return join(dir, basename(f));
  });
}

/** Analyses copies of the fixture without the given packets. */
const without = (packets: readonly PacketRef[], tmp: string): Promise<Analysis> => loadCaptureSet(filesWithout(packets, tmp));

/** Copies of the fixture in which the pieces on `nic` have other IPv4 IDs (see withOtherIds). */
function filesWithOtherIds(nic: string, pieces: readonly PacketRef[], tmp: string): string[] {
  const dir = mkdtempSync(join(tmp, 'ids-'));
  return FILES.map((f) => {
    const to = join(dir, basename(f));
    if (basename(f) === nic) withOtherIds(f, new Set(pieces.map((p) => p.index)), to);
    else writeFileSync(to, readFileSync(f));
    return to;
  });
}

describe('a bulk TCP transfer with GSO on the sender and GRO on the receiver (review4/bulk-gso)', () => {
  let a: Analysis;
  let tmp: string;
  beforeAll(async () => {
    a = await loadCaptureSet(FILES);
    tmp = mkdtempSync(join(tmpdir(), 'tv-gso-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('has no drop, no path gap (capture loss) and no MTU finding', () => {
    const codes = a.findings.map((f) => f.code);
    expect(codes).not.toContain('dropped');
    expect(codes).not.toContain('path-gap');
    expect(a.findings.filter((f) => /MTU|DF set/.test(f.message))).toEqual([]);
  });

  it('delivers every data segment, says no running capture missed any, and gives no super-packet an MTU issue', () => {
    const data = dataJourneys(a);
    expect(data.length).toBeGreaterThan(300);
    expect(data.filter((j) => j.status !== 'delivered').map((j) => `${j.hops[0].packet.capture}#${j.hops[0].packet.index + 1}`)).toEqual(
      [],
    );
    expect(data.flatMap((j) => j.gaps.filter((g) => g.point !== null))).toEqual([]);
    expect(data.flatMap((j) => j.mtu)).toEqual([]);
  });

  it('follows a 64308-byte GSO super-packet through both NICs as the 1398-byte pieces that tile it', () => {
    const j = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    expect(j.status).toBe('delivered');
    expect(j.verdict?.code).toBe('reached-destination');
    expect(j.verdict?.reason).toMatch(/segmentation offload/);
    const seq = Number(/seq=(\d+)/.exec(j.hops[0].headers.info)![1]);
    const byPoint = new Map((j.offloaded ?? []).map((o) => [o.point, o]));
    for (const nic of [`${N2}-ens5.pcap`, `${N1}-ens5.pcap`]) {
      const o = byPoint.get(nic);
      expect(o, nic).toBeDefined();
      expect(o!.reason).toMatch(/GSO/);
      // The pieces, each its own journey on the underlay, tile [seq, seq + 64308): the first starts at seq.
      const pieces = o!.packets.map((p) =>
        all(a).find((x) => x.hops.some((h) => h.packet.capture === p.capture && h.packet.index === p.index))!,
      );
      const ranges = pieces.map((x) => {
        const info = x.hops[0].headers.info;
        return [Number(/seq=(\d+)/.exec(info)![1]), Number(/len=(\d+)/.exec(info)![1])];
      });
      expect(ranges[0][0]).toBe(seq);
      let end = seq;
      for (const [s, l] of ranges) {
        expect(s).toBe(end);
        end = s + l;
      }
      expect(end - seq).toBe(64308);
      expect(ranges.length).toBe(Math.ceil(64308 / 1398));
    }
    expect(j.gaps.filter((g) => g.point !== null)).toEqual([]);
    expect(j.mtu).toEqual([]);
  });

  it('follows a 1398-byte piece on the underlay through the super-packet it was cut from on the sender, and the merged one on the receiver', () => {
    const sup = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    const seq = /seq=(\d+)/.exec(sup.hops[0].headers.info)![1];
    const [piece, ...more] = all(a).filter((j) => j.hops[0].headers.info.includes(` seq=${seq} `) && j.hops[0].kind === 'underlay');
    expect(more).toEqual([]);
    expect(piece.hops.map((h) => h.point)).toEqual([`${N2}-ens5.pcap`, `${N1}-ens5.pcap`]);
    expect(piece.status).toBe('delivered');
    expect(piece.gaps.filter((g) => g.point !== null)).toEqual([]);
    const at = new Set((piece.offloaded ?? []).map((o) => o.point));
    for (const p of [`${N2}-vxlan0.pcap`, `${N1}-vxlan0.pcap`]) expect(at, p).toContain(p);
    // Where the destination receives it, its bytes were inside a merged packet.
    expect(piece.verdict?.code).toBe('reached-destination');
    expect(piece.verdict?.reason).toMatch(/segmentation offload/);
    expect(piece.offloaded!.find((o) => o.point === `${N2}-vxlan0.pcap`)!.packets).toHaveLength(1);
  });

  it('prints a TCP segment’s length from its IP header, not the 62 bytes the snap length kept (the hop still says truncated)', () => {
    const j = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    const hop = j.hops.find((h) => h.packet.capture === `${N2}-vxlan0.pcap`)!;
    expect(hop.headers.info).toMatch(/ len=64308$/);
    expect(hop.headers.length).toBe(64360);
    expect(hop.problems).toContain('truncated');
    const piece = all(a).find((x) => x.hops[0].point === `${N2}-ens5.pcap` && / len=1398$/.test(x.hops[0].headers.info));
    expect(piece, 'a 1398-byte piece on the underlay').toBeDefined();
    expect(piece!.hops[0].problems).toContain('truncated');
  });

  it('still calls a super-packet dropped when its bytes never reached the NIC (pieces removed everywhere after the sender’s vxlan0)', async () => {
    const sup = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    const after = (sup.offloaded ?? []).flatMap((o) => o.packets);
    // Its sightings past n2's vxlan0, as one packet, if any, go too.
    const n1Hops = sup.hops.filter((h) => h.node === N1).map((h) => h.packet);
    const b = await without([...after, ...n1Hops], tmp);
    const j = segmentOn(b, `${N2}-vxlan0.pcap`, 64308);
    expect(j.status).toBe('dropped');
    expect(j.lastSeen.point).toBe(`${N2}-vxlan0.pcap`);
    expect(j.offloaded ?? []).toEqual([]);
    expect(j.gaps.find((g) => g.point === `${N2}-ens5.pcap`)?.reason).toMatch(/although it was capturing/);
    expect(b.findings.some((f) => f.code === 'dropped')).toBe(true);
  });

  it('takes no packets with other IPv4 IDs for pieces: the same bytes sent again are no cut of this segment', async () => {
    const sup = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    const nic = `${N2}-ens5.pcap`;
    const pieces = sup.offloaded!.find((o) => o.point === nic)!.packets;
    const b = await loadCaptureSet(filesWithOtherIds(nic, pieces, tmp));
    const j = segmentOn(b, `${N2}-vxlan0.pcap`, 64308);
    expect((j.offloaded ?? []).map((o) => o.point)).not.toContain(nic);
    expect(j.gaps.find((g) => g.point === nic)?.reason).toMatch(/although it was capturing/);
  });

  it('still counts a capture loss on the underlay when the pieces are missing only there (the receiver’s vxlan0 has the bytes)', async () => {
    const sup = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    const nic = `${N2}-ens5.pcap`;
    const pieces = sup.offloaded!.find((o) => o.point === nic)!.packets;
    // One piece lost by n2's ens5 capture: its bytes are no longer all there.
    const b = await without([pieces[3]], tmp);
    const j = segmentOn(b, `${N2}-vxlan0.pcap`, 64308);
    expect(j.status).toBe('delivered');
    expect(j.gaps.find((g) => g.point === nic)?.reason).toMatch(/although it was capturing/);
    const gap = b.findings.find((f) => f.code === 'path-gap' && f.message.startsWith(nic));
    expect(gap?.message).toMatch(/missed \d+ packets/);
  });
});

/** A number from a DuckDB row (COUNT and SUM come back as bigint). */
const num = (v: unknown) => Number(v);

describe('the SQL path finder on segmentation offload (review4/bulk-gso, bulk-tso): the same journeys, places in pieces, verdicts and flow totals', () => {
  let a: Analysis;
  let tmp: string;
  beforeAll(async () => {
    a = await loadCaptureSet(FILES);
    tmp = mkdtempSync(join(tmpdir(), 'tv-gso-sql-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('bulk-gso: follows every data segment through the captures that carried it in pieces and delivers it, as in process', () =>
    agreeOn(FILES, async (db) => {
      const places = await queryRows(db, 'SELECT COUNT(*) AS n, SUM(pieces) AS packets FROM sql_in_pieces');
      expect(num(places.rows[0].n)).toBe(all(a).reduce((n, j) => n + (j.offloaded?.length ?? 0), 0));
      expect(num(places.rows[0].n)).toBeGreaterThan(1000);
      const verdicts = await queryRows(db, `SELECT verdict, COUNT(*) AS n FROM sql_verdicts GROUP BY verdict ORDER BY verdict`);
      expect(verdicts.rows.map((r) => r.verdict)).toEqual(['reached-destination']);
      // The 64308-byte super-packet as the 46 pieces on each NIC, in sequence order.
      const sup = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
      const first = sup.hops[0].packet;
      const nics = await queryRows(
        db,
        `SELECT p.point, COUNT(*) AS n, MIN(p.piece) AS lo, MAX(p.piece) AS hi FROM sql_offload_pieces p
         JOIN sql_hops f ON f.jkey = p.jkey AND f.hop = 0
         WHERE f.capture = '${first.capture}' AND f.idx = ${first.index} AND p.point LIKE '%ens5.pcap' GROUP BY p.point ORDER BY p.point`,
      );
      expect(nics.rows.map((r) => [r.point, num(r.n), num(r.lo), num(r.hi)])).toEqual([
        [`${N1}-ens5.pcap`, 46, 0, 45],
        [`${N2}-ens5.pcap`, 46, 0, 45],
      ]);
      // The flow counts each segment once: the super-packets the NIC cut and the packets GRO merged are left out.
      const flow = await queryRows(db, `SELECT packets, in_pieces FROM sql_tcp_flow_totals WHERE src = '${SRC}' AND dst = '${DST}'`);
      expect(num(flow.rows[0].in_pieces)).toBeGreaterThan(0);
      expect(num(flow.rows[0].packets)).toBe(a.flows.find((f) => f.a.ip === SRC && f.b.ip === DST)!.aToB.packets);
    }));

  it('bulk-tso: agrees row by row (each segment is one packet everywhere: nothing in pieces)', () => {
    const dir = join(dirname(DIR), 'bulk-tso');
    return agreeOn(
      readdirSync(dir).map((f) => join(dir, f)),
      async (db) => {
        expect(num((await queryRows(db, 'SELECT COUNT(*) AS n FROM sql_in_pieces')).rows[0].n)).toBe(0);
        expect(num((await queryRows(db, `SELECT COUNT(*) AS n FROM sql_verdicts WHERE status <> 'delivered'`)).rows[0].n)).toBe(0);
      },
    );
  });

  it('still says missing where a super-packet’s bytes never reached the NIC, as in process', async () => {
    const sup = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    const after = (sup.offloaded ?? []).flatMap((o) => o.packets);
    const files = filesWithout([...after, ...sup.hops.filter((h) => h.node === N1).map((h) => h.packet)], tmp);
    await agreeOn(files, async (db) => {
      const missing = await queryRows(db, `SELECT missed_by FROM sql_verdicts WHERE verdict = 'missing'`);
      expect(missing.rows.map((r) => r.missed_by)).toContain(`${N2}-ens5.pcap`);
    });
  });

  it('takes no packets with other IPv4 IDs for pieces (the same bytes sent again), as in process', async () => {
    const sup = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    const nic = `${N2}-ens5.pcap`;
    const files = filesWithOtherIds(nic, sup.offloaded!.find((o) => o.point === nic)!.packets, tmp);
    await agreeOn(files, async (db) => {
      const at = await queryRows(db, `SELECT COUNT(*) AS n FROM sql_in_pieces WHERE point = '${nic}'`);
      const inProcess = all(await loadCaptureSet(files)).reduce((n, j) => n + (j.offloaded ?? []).filter((o) => o.point === nic).length, 0);
      expect(num(at.rows[0].n)).toBe(inProcess);
    });
  });
});

describe('the offload comparison can fail (verdict.sql and flows.sql broken on purpose)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tv-gso-broken-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** What disagrees when the SQL path finder runs with `from` replaced by `to` (which must occur) on `files`. */
  async function broken(files: readonly string[], from: string, to: string) {
    const dir = mkdtempSync(join(tmp, 'ds-'));
    await exportDataset([...files], dir);
    const duck = await openDuck();
    let hit = false;
    try {
      await attachDataset(duck.db, dir);
      await correlate(duck.db, { rewrite: (s) => (s.includes(from) ? ((hit = true), s.replace(from, to)) : s) });
      const d = await disagreements(duck.db);
      expect(hit, `${from} is in the path finder`).toBe(true);
      return d;
    } finally {
      duck.close();
    }
  }

  it('pieces taken whatever their IPv4 IDs: the pieces disagree where the same bytes were sent again', async () => {
    const a = await loadCaptureSet(FILES);
    const sup = segmentOn(a, `${N2}-vxlan0.pcap`, 64308);
    const nic = `${N2}-ens5.pcap`;
    const files = filesWithOtherIds(nic, sup.offloaded!.find((o) => o.point === nic)!.packets, tmp);
    const d = await broken(files, 'AND (ver <> 4 OR CASE', 'AND (ver = 4 OR CASE');
    expect(d.inPieces.length).toBeGreaterThan(0);
  });

  it('no place counted as passed in pieces: the verdicts disagree', async () => {
    const d = await broken(FILES, 'ip.jkey IS NOT NULL AS in_pieces', 'false AS in_pieces');
    expect(d.verdict.length).toBeGreaterThan(0);
  });

  it('offloaded segments counted twice in the flow totals: the totals disagree', async () => {
    const d = await broken(FILES, 'abs(p.first_ns - w.first_ns) <= 100000000', 'abs(p.first_ns - w.first_ns) < 0');
    expect(d.flowTotals.length).toBeGreaterThan(0);
  });
});
