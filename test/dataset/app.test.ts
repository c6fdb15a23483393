// The app on a Parquet dataset against the app on the captures it was exported from: lab a's
// captures opened in one backend, their whole-set export opened in another (real DuckDB, real files).
// Every list page, filter, graph element, follow view and packet detail must be the same; a filter on
// a field the dataset lacks names it; a dataset whose captures moved still lists its rows and says
// where it looked for them; what is no dataset is refused with a clear message.
import { copyFileSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppState, PacketRow } from '../../common/contract';
import type { Backend } from '../../main/backend/api';
import { DatasetSource } from '../../main/dataset/app-source';
import { openDuck } from '../../main/dataset/duck';
import { exportDataset } from '../../main/dataset/export';
import { describeNeeding, fileNeed, type CaptureCopies } from '../tools';
import { LAB, labA, openLabPair, q, type LabPair } from './lab-set';

/** A row without what only the session adds (notes). */
const plain = ({ note: _note, ...r }: PacketRow) => r;

const FILTERS = [
  'tcp',
  'icmp',
  'arp',
  'vxlan',
  'ip.src == 10.244.0.0/16',
  'inner.ip.dst == 10.244.2.0/24 && !icmp',
  'outer.ip.ttl < 64',
  'udp.port == 8472',
  'tcp.flags.syn && !tcp.flags.ack',
  'frame.len > 100 and frame.cap_len >= 60',
  'node == "node1"',
  'kind contains "veth"',
  'pod.src != "x"',
  'protocol == "ARP" || protocol == "DNS"',
  'ip.ttl != 64',
  'malformed',
  'not ip',
  'frame.number <= 20',
  // Absent values: ARP has no IP ID, so it is kept by the negation (as the captures' filter keeps it).
  '!(ip.id == 5)',
  'not tcp.port == 53',
];

describeNeeding([fileNeed('lab a captures', join(LAB, 'a-node1-eth0.pcap'))], 'a dataset in the app equals its captures', () => {
  let tmp: string;
  let lab: CaptureCopies;
  let caps: Backend;
  let ds: Backend;
  let capState: AppState;
  let dsState: AppState;
  let dir: string;

  let pair: LabPair;

  beforeAll(async () => {
    pair = await openLabPair('tv-dsapp-');
    ({ tmp, lab, dir, caps, ds, capState, dsState } = pair);
  }, 120_000);
  afterAll(async () => {
    await caps?.close();
    await ds?.close();
    pair?.dispose();
  });

  it('opens the directory as a dataset: every capture, the same packet count, a message naming DuckDB', () => {
    expect(capState.phase).toBe('ready');
    expect(dsState.phase).toBe('ready');
    expect(dsState.totalPackets).toBe(capState.totalPackets);
    expect(dsState.totalPackets).toBeGreaterThan(500);
    expect(dsState.message).toContain('DuckDB');
    const view = (c: AppState['captures'][number]) => [c.name, c.path, c.format, c.packets, c.node, c.iface, c.kind, c.status, c.errors];
    expect(dsState.captures.map(view)).toEqual(capState.captures.map(view));
    dsState.captures.forEach((c, i) => {
      expect(c.firstTime).toBeCloseTo(capState.captures[i].firstTime!, 5);
      expect(c.lastTime).toBeCloseTo(capState.captures[i].lastTime!, 5);
    });
  });

  it('lists the same rows in the same order with the same fields, page by page', async () => {
    const total = capState.totalPackets;
    for (let offset = 0; offset < total; offset += 97) {
      const [a, b] = await Promise.all([caps.queryPackets(q('', { offset, limit: 97 })), ds.queryPackets(q('', { offset, limit: 97 }))]);
      expect(b.total).toBe(a.total);
      expect(b.firstTime).toBe(a.firstTime);
      expect(b.rows.map(plain), `page at ${offset}`).toEqual(a.rows.map(plain));
    }
    const last = await ds.queryPackets(q('', { descending: true, limit: 5 }));
    expect(last.rows.map((r) => r.no)).toEqual([total, total - 1, total - 2, total - 3, total - 4]);
  });

  it('keeps the same rows for each display filter, sort and located packet', async () => {
    let telling = 0;
    for (const f of FILTERS) {
      const [a, b] = await Promise.all([caps.queryPackets(q(f)), ds.queryPackets(q(f))]);
      expect(a.filterError, f).toBeNull();
      expect(b.filterError, f).toBeNull();
      expect(b.total, f).toBe(a.total);
      expect(
        b.rows.map((r) => r.no),
        f,
      ).toEqual(a.rows.map((r) => r.no));
      if (a.total > 0 && a.total < capState.totalPackets) telling++;
    }
    // The filters keep some rows and drop others: equal lists are not two empty (or two full) ones.
    expect(telling).toBeGreaterThanOrEqual(FILTERS.length - 3);
    for (const sort of ['length', 'node', 'iface', 'protocol'] as const) {
      const [a, b] = await Promise.all([
        caps.queryPackets(q('ip', { sort, descending: sort === 'length' })),
        ds.queryPackets(q('ip', { sort, descending: sort === 'length' })),
      ]);
      expect(
        b.rows.map((r) => r.no),
        sort,
      ).toEqual(a.rows.map((r) => r.no));
    }
    const [a, b] = await Promise.all([
      caps.queryPackets(q('icmp', { locate: 40, limit: 5 })),
      ds.queryPackets(q('icmp', { locate: 40, limit: 5 })),
    ]);
    expect(b.located).toBe(a.located);
  });

  it('names a filter field the dataset cannot answer instead of ignoring it', async () => {
    const p = await ds.queryPackets(q('tcp && community_id == "1:abc"'));
    expect(p.filterError?.message).toContain("'community_id'");
    expect(p.filterError?.start).toBe(7);
    expect(p.rows).toEqual([]);
    const syntax = await ds.queryPackets(q('ip.src = 1'));
    expect(syntax.filterError?.message).toContain('==');

    // A dataset written without a column (an older export): the fields that need it are named, the others work.
    const older = join(tmp, 'older');
    mkdirSync(join(older, 'packets'), { recursive: true });
    const duck = await openDuck();
    try {
      for (const f of readdirSync(join(dir, 'packets')))
        await duck.db.run(
          `COPY (SELECT * EXCLUDE (cap_len, proto) FROM read_parquet('${join(dir, 'packets', f)}')) TO '${join(older, 'packets', f)}' (FORMAT parquet)`,
        );
    } finally {
      duck.close();
    }
    for (const f of readdirSync(dir)) if (f !== 'packets') copyFileSync(join(dir, f), join(older, f));
    const d = await DatasetSource.open(older);
    try {
      const capLen = await d.page(q('icmp || frame.cap_len > 60'));
      expect(capLen.filterError?.message).toBe(
        "'frame.cap_len' is not in this dataset: its packets table has no column 'cap_len' (export it again with this version of 'tunnelvision export --parquet')",
      );
      expect((await d.page(q('arp'))).filterError?.message).toContain("no column 'proto'");
      const icmp = await d.page(q('icmp'));
      expect(icmp.filterError).toBeNull();
      expect(icmp.total).toBe((await caps.queryPackets(q('icmp'))).total);
    } finally {
      await d.close();
    }
  });

  it('draws the same cluster graph', async () => {
    const [a, b] = await Promise.all([caps.getGraph(), ds.getGraph()]);
    expect(a.elements.length).toBeGreaterThan(10);
    expect(b.message).toBe(a.message);
    const byId = (els: typeof a.elements) => [...els].sort((x, y) => x.data.id.localeCompare(y.data.id));
    expect(byId(b.elements)).toEqual(byId(a.elements));
  });

  it('follows the same journeys hop by hop, by packet, by flow and by graph element', async () => {
    const icmp = await caps.queryPackets(q('icmp || tcp', { limit: 400 }));
    let followed = 0;
    for (const r of icmp.rows.filter((_, i) => i % 7 === 0)) {
      const [a, b] = await Promise.all([caps.followPacket({ no: r.no }), ds.followPacket({ no: r.no })]);
      expect(b, `packet ${r.no}`).toEqual(a);
      if (a) followed++;
    }
    expect(followed).toBeGreaterThan(5);
    const graph = await caps.getGraph();
    for (const e of graph.elements.filter((x) => x.group === 'nodes' && x.data.kind !== 'k8s-node')) {
      const [a, b] = await Promise.all([caps.flowsThrough({ element: e.data.id }), ds.flowsThrough({ element: e.data.id })]);
      expect(b, e.data.id).toEqual(a);
      for (const f of a.slice(0, 2)) expect(await ds.followFlow({ flow: f.flow }), f.flow).toEqual(await caps.followFlow({ flow: f.flow }));
      const [la, lb] = await Promise.all([
        caps.queryPackets(q('', { element: e.data.id })),
        ds.queryPackets(q('', { element: e.data.id })),
      ]);
      expect(
        lb.rows.map((r) => r.no),
        e.data.id,
      ).toEqual(la.rows.map((r) => r.no));
    }
  });

  it('decodes a packet in full from its original capture, as the captures do', async () => {
    for (const no of [1, 17, 200, capState.totalPackets]) {
      const [a, b] = await Promise.all([caps.getPacket({ no }), ds.getPacket({ no })]);
      expect(b, `packet ${no}`).toEqual(a);
    }
  });

  it('says where it looked when the original captures are not reachable, and still shows the rows', async () => {
    const moved = join(tmp, 'moved');
    mkdirSync(moved);
    for (const f of lab.files) renameSync(f, join(moved, f.split('/').pop()!));
    try {
      const d = await DatasetSource.open(dir);
      try {
        expect(d.message).toContain('not reachable');
        const page = await d.page(q('', { limit: 3 }));
        const original = await caps.queryPackets(q('', { limit: 3 }));
        expect(page.rows.map((r) => [r.no, r.src, r.dst, r.length, r.node])).toEqual(
          original.rows.map((r) => [r.no, r.src, r.dst, r.length, r.node]),
        );
        expect(page.rows[0].info).toBe('(original capture not reachable)');
        const det = (await d.detail(1))!;
        const file = lab.files.find((f) => f.endsWith(det.captureName))!;
        expect(det.info).toBe(`original capture not reachable at ${file}`);
        expect(det.anomalies[0].message).toBe(det.info);
        const fields = det.levels[0].layers[0].fields.map((x) => x.label);
        expect(fields).toEqual(expect.arrayContaining(['no', 'capture', 'orig_len']));
      } finally {
        await d.close();
      }
    } finally {
      for (const f of lab.files) renameSync(join(moved, f.split('/').pop()!), f);
    }
  });

  it('says what a dataset cannot redo in place instead of acting on an empty set', async () => {
    await expect(ds.setDecodeAs({ entries: [] })).rejects.toThrow(/a dataset cannot redo in place[^]*\ntunnelvision export --parquet /);
    expect((await ds.getState()).totalPackets).toBe(capState.totalPackets);
    expect((await ds.getState()).dataset).toBe(dir);
    expect(capState.dataset).toBeNull();
    // Dropped on a window that shows a set (which asks to append): the dataset replaces it.
    const again = await ds.openCaptures({ paths: [dir], append: true });
    expect(again.message).toContain(`Dataset ${dir}`);
    expect(again.totalPackets).toBe(capState.totalPackets);
  });

  it('refuses what is no dataset with a message naming it', async () => {
    await expect(DatasetSource.open(join(tmp, 'nowhere'))).rejects.toThrow(/nowhere: not a dataset directory \(ENOENT\)/);
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    await expect(DatasetSource.open(empty)).rejects.toThrow(/empty: no Parquet tables/);
    const bad = join(tmp, 'bad');
    mkdirSync(join(bad, 'packets'), { recursive: true });
    writeFileSync(join(bad, 'packets', 'x.parquet'), 'not parquet at all');
    await expect(ds.openCaptures({ paths: [bad], append: false })).rejects.toThrow(/x\.parquet/);
    const odd = join(tmp, 'odd');
    mkdirSync(join(odd, 'packets'), { recursive: true });
    writeFileSync(join(odd, 'model.json'), '{"format": "something else"}');
    await exportDataset([labA()[0]], join(tmp, 'one'), { packetsOnly: true });
    renameSync(join(tmp, 'one', 'packets', readdirSync(join(tmp, 'one', 'packets'))[0]), join(odd, 'packets', 'a.parquet'));
    await expect(DatasetSource.open(odd)).rejects.toThrow(/model\.json: not a tunnelvision-dataset-model\/1 file/);
  });
});
