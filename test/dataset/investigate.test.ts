// Investigating on a Parquet dataset against investigating on the captures it was exported from:
// lab a's captures in one backend, their whole-set export in another (real DuckDB, real files). The
// same notes written on both (a packet, a hop, a flow, a graph element, the set) read the same, mark
// the same rows and survive closing and reopening the dataset; a packets file written anew with other
// contents keeps its notes listed but off its packets. The report of the dataset is the captures'
// report. A correction or "decode as" on the dataset gives the exact export command, and running
// that command gives a dataset with the correction whose notes are still there. A fragment's detail
// says where its datagram is reassembled, as the captures' does (public fragmented captures). A
// dataset exported with --decode-as shows a custom VXLAN port as the captures do after "decode as".
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppState, NoteInput, NoteTarget, NoteView } from '../../common/contract';
import type { Backend } from '../../main/backend/api';
import { DATASET_SESSION } from '../../main/backend/notes';
import { openDuck } from '../../main/dataset/duck';
import { readCapture } from '../../main/engine/readers/read';
import { exportDataset } from '../../main/dataset/export';
import type { ReportModel } from '../../main/report/model';
import { movePort, ready } from '../app/helpers';
import { describeNeeding, fileNeed, type CaptureCopies } from '../tools';
import { LAB, browserBackend, openLabPair, q, type LabPair } from './lab-set';

const run = promisify(execFile);
const PUBLIC = resolve('../shared/captures/public');

/** A note as the UI shows it, without what differs between two writings of it (id, times). */
const shown = ({ id: _i, created: _c, updated: _u, ...n }: NoteView) => n;

/** The report without what names the session or the moment: title, time, session file, file fingerprints, note ids and times. */
function comparable(r: ReportModel) {
  const ids = new Map(r.annotations.map((a, i) => [a.id, `note${i}`]));
  const id = (x: string) => ids.get(x) ?? x;
  return {
    ...r,
    title: '',
    generatedAt: '',
    session: { ...r.session, file: null },
    captures: r.captures.map((c) => ({ ...c, size: null, sha256: null })),
    annotations: r.annotations.map((a) => ({ ...a, id: id(a.id), created: '', updated: '' })),
    flows: r.flows.map((f) => ({
      ...f,
      annotations: f.annotations.map(id),
      journeys: f.journeys.map((j) => ({ ...j, hops: j.hops.map((h) => ({ ...h, annotations: h.annotations.map(id) })) })),
    })),
    packets: r.packets.map((p) => ({ ...p, annotations: p.annotations.map(id) })),
  };
}

describeNeeding([fileNeed('lab a captures', join(LAB, 'a-node1-eth0.pcap'))], 'investigating on a dataset as on its captures', () => {
  let tmp: string;
  let lab: CaptureCopies;
  let caps: Backend;
  let ds: Backend;
  let capState: AppState;
  let dir: string;
  const notes: { target: NoteTarget; input: NoteInput }[] = [];

  let pair: LabPair;

  beforeAll(async () => {
    pair = await openLabPair('tv-dsinv-');
    ({ tmp, lab, dir, caps, ds, capState } = pair);
  }, 120_000);
  afterAll(async () => {
    await caps?.close();
    await ds?.close();
    pair?.dispose();
  });

  it('takes the same notes on packets, hops, flows, graph elements and the set, and marks the same rows', async () => {
    const follow = (await caps.followPacket({ no: (await caps.queryPackets(q('icmp && vxlan', { limit: 1 }))).rows[0].no }))!;
    const j = follow.journeys[0];
    const hop = j.hops[1];
    const graph = await caps.getGraph();
    const pod = graph.elements.find((e) => e.data.kind === 'pod')!;
    notes.push(
      { target: { kind: 'packet', no: 17 }, input: { text: 'odd TTL here', tag: 'ttl', severity: 'warning' } },
      { target: { kind: 'packet', no: capState.totalPackets }, input: { text: 'the last one', tag: '', severity: 'info' } },
      {
        target: { kind: 'hop', flow: follow.flow, journey: String(j.id), hop: 1, no: hop.packetNo },
        input: { text: 'slow hop', tag: 'latency', severity: 'problem' },
      },
      { target: { kind: 'flow', flow: follow.flow }, input: { text: 'this flow <b>matters</b>', tag: '', severity: 'info' } },
      { target: { kind: 'element', element: pod.data.id }, input: { text: 'this pod', tag: 'pod', severity: 'warning' } },
      { target: { kind: 'set' }, input: { text: 'lab a, first look', tag: '', severity: 'info' } },
    );
    for (const n of notes) {
      const [a, b] = await Promise.all([caps.addNote({ target: n.target, ...n.input }), ds.addNote({ target: n.target, ...n.input })]);
      expect(shown(b), JSON.stringify(n.target)).toEqual(shown(a));
    }
    const [la, lb] = await Promise.all([caps.listNotes(), ds.listNotes()]);
    expect(lb.map(shown)).toEqual(la.map(shown));
    expect(lb.map((n) => n.about)).toContain(`packet 17 (${la.find((n) => n.kind === 'packet')!.about.match(/\((.*)\)/)![1]})`);
    expect(lb.find((n) => n.kind === 'hop')?.target).toEqual(notes[2].target);

    // The list marks the noted packets (the hop's packet too) with the gravest severity, on both.
    const marks = async (b: Backend) =>
      (await b.queryPackets(q('', { limit: 5000 }))).rows.filter((r) => r.note).map((r) => [r.no, r.note]);
    const [ma, mb] = await Promise.all([marks(caps), marks(ds)]);
    expect(ma).toEqual(
      [
        [17, 'warning'],
        [hop.packetNo, 'problem'],
        [capState.totalPackets, 'info'],
      ].sort((x, y) => (x[0] as number) - (y[0] as number)),
    );
    expect(mb).toEqual(ma);
    const state = await ds.getState();
    expect(state.session?.notes).toBe(notes.length);
    expect(state.session?.file).toBe(join(dir, DATASET_SESSION));
  });

  it('edits and removes a note, and every change is on disk when the call returns', async () => {
    const list = await ds.listNotes();
    const set = list.find((n) => n.kind === 'set')!;
    await ds.updateNote({ id: set.id, text: 'lab a, second look', tag: 'review', severity: 'info' });
    const onCaps = (await caps.listNotes()).find((n) => n.kind === 'set')!;
    await caps.updateNote({ id: onCaps.id, text: 'lab a, second look', tag: 'review', severity: 'info' });
    const extra = await ds.addNote({ target: { kind: 'packet', no: 3 }, text: 'to be removed', tag: '', severity: 'info' });
    expect(await ds.removeNote({ id: extra.id })).toBe(true);
    const onDisk = JSON.parse(readFileSync(join(dir, DATASET_SESSION), 'utf8')) as {
      annotations: { text: string }[];
      captures: { path: string }[];
    };
    expect(onDisk.annotations.map((a) => a.text)).toContain('lab a, second look');
    expect(onDisk.annotations.map((a) => a.text)).not.toContain('to be removed');
    // The session names the packets files the notes count in, relative to the dataset's folder.
    expect(onDisk.captures.map((c) => c.path).sort()).toEqual(
      readdirSync(join(dir, 'packets'))
        .map((f) => `packets/${f}`)
        .sort(),
    );
  });

  it('writes the same report as the captures, notes and decoded packets included', async () => {
    const [a, b] = await Promise.all([
      caps.writeReport({ format: 'json', path: join(tmp, 'caps.json') }),
      ds.writeReport({ format: 'json', path: join(tmp, 'out', 'ds.json') }),
    ]);
    expect(b.name).toBe(a.name);
    const ra = JSON.parse(readFileSync(join(tmp, 'caps.json'), 'utf8')) as ReportModel;
    const rb = JSON.parse(readFileSync(join(tmp, 'out', 'ds.json'), 'utf8')) as ReportModel;
    expect(rb.title).toBe(`Tunnelvision: dataset dataset, ${ra.captures.length} captures`);
    expect(rb.annotations.length).toBe(notes.length);
    expect(rb.packets.length).toBe(3);
    expect(rb.packets.every((p) => p.unavailable === null && p.levels.length > 0)).toBe(true);
    expect(rb.flows.length).toBeGreaterThan(0);
    expect(rb.flows[0].journeys[0].hops.length).toBeGreaterThan(1);
    // The dataset's session fingerprints its packets files, not the captures: the report gives no capture hash it does not know.
    expect(rb.captures.every((c) => c.sha256 === null && c.state === 'ok')).toBe(true);
    expect(comparable(rb)).toEqual(comparable(ra));
    // The other formats render from the same model.
    const md = join(tmp, 'ds.md');
    await ds.writeReport({ format: 'md', path: md });
    expect(readFileSync(md, 'utf8')).toContain('slow hop');
    expect(existsSync(join(tmp, 'ds.graph.svg'))).toBe(true);
  }, 60_000);

  it('exports the same packets to pcapng as the captures, with the notes as packet comments', async () => {
    /** A pcapng file as its packets: interface name, link type, time, lengths, bytes, comments. */
    const packets = async (file: string) => {
      const out: unknown[] = [];
      const info = await readCapture(file, {
        onPacket: (p) => out.push([p.iface, p.tsSec, p.tsNsec, p.origLen, Buffer.from(p.data).toString('hex'), p.comments ?? []]),
      });
      expect(info.errors).toEqual([]);
      const names = new Map(info.interfaces.map((i) => [i.key, `${i.name}|${i.description}|${i.linktype}`]));
      return out.map((x) => [names.get((x as number[])[0]), ...(x as unknown[]).slice(1)]);
    };
    const graph = await caps.getGraph();
    const flow = notes.find((n) => n.target.kind === 'flow')!.target as { flow: string };
    const hop = notes.find((n) => n.target.kind === 'hop')!.target as { journey: string };
    const selections = [
      { kind: 'filter', filter: '', element: null },
      { kind: 'filter', filter: 'icmp', element: graph.elements.find((e) => e.data.kind === 'pod')!.data.id },
      { kind: 'flow', flow: flow.flow },
      { kind: 'journey', flow: flow.flow, journey: hop.journey },
    ] as const;
    let commented = 0;
    for (const [k, selection] of selections.entries()) {
      const [a, b] = await Promise.all([
        caps.writePcapng({ selection, path: join(tmp, `caps-${k}.pcapng`) }),
        ds.writePcapng({ selection, path: join(tmp, 'out', `ds-${k}.pcapng`) }),
      ]);
      expect(b, selection.kind).toEqual(a);
      expect(a.packets, selection.kind).toBeGreaterThan(selection.kind === 'journey' ? 1 : 5);
      const [pa, pb] = await Promise.all([packets(join(tmp, `caps-${k}.pcapng`)), packets(join(tmp, 'out', `ds-${k}.pcapng`))]);
      expect(pb, selection.kind).toEqual(pa);
      commented += pb.filter((x) => (x.at(-1) as string[]).length > 0).length;
    }
    // The whole list carries the notes on packet 17, the hop's packet and the last packet; the flow and journey the hop's.
    expect(commented).toBeGreaterThanOrEqual(5);
    await expect(
      ds.writePcapng({ selection: { kind: 'filter', filter: 'ip.src = 1', element: null }, path: join(tmp, 'bad.pcapng') }),
    ).rejects.toThrow(/^filter: /);
  }, 60_000);

  it('keeps the notes when the dataset is closed and opened again', async () => {
    const before = (await ds.listNotes()).map(shown);
    await ds.close();
    ds = browserBackend(join(tmp, 'ds2'));
    await ds.openCaptures({ paths: [dir], append: false });
    expect((await ds.listNotes()).map(shown)).toEqual(before);
    expect((await ds.getState()).session?.problems).toEqual([]);
    const row = (await ds.queryPackets(q('frame.number == 17'))).rows[0];
    expect(row.note).toBe('warning');
  });

  it('gives the exact export command for a correction or "decode as", and that command writes the corrected dataset with the notes kept', async () => {
    const capture = (await ds.getState()).captures.findIndex((c) => c.name === 'a-node1-veth0d31a323.pcap');
    expect(capture).toBeGreaterThanOrEqual(0);
    const files = lab.files.map((f) => resolve(f)).join(' ');
    const refused = await ds.setAttribution({ capture, node: 'node9', iface: 'veth-x' }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(refused).toContain('which a dataset cannot redo in place');
    const command = refused.split('\n').at(-1)!;
    expect(command).toBe(`tunnelvision export --parquet ${dir} --assign a-node1-veth0d31a323.pcap=node9:veth-x:veth ${files}`);
    const decode = await ds.setDecodeAs({ entries: [{ layer: 'udp', port: 9999, proto: 'vxlan' }] }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(decode.split('\n').at(-1)).toBe(`tunnelvision export --parquet ${dir} --decode-as udp:9999=vxlan ${files}`);
    await expect(ds.setDecodeAs({ entries: [{ layer: 'udp', port: 1, proto: 'nonsense' }] })).rejects.toThrow(
      /unknown protocol 'nonsense'/,
    );
    // Nothing changed on the open dataset.
    expect((await ds.getState()).captures[capture].node).not.toBe('node9');

    // The command, run as given (the paths hold nothing a shell would read), writes the corrected dataset.
    const args = command.split(' ').slice(1);
    await ds.close();
    const r = await run(process.execPath, ['main/cli/bin.mjs', ...args]);
    expect(r.stdout).toContain('packets/s');
    ds = browserBackend(join(tmp, 'ds3'));
    const state = await ds.openCaptures({ paths: [dir], append: false });
    expect(state.captures[capture]).toMatchObject({ node: 'node9', iface: 'veth-x', attribution: 'user' });
    // The packets files are the same bytes: the notes are on their packets still.
    const again = await ds.listNotes();
    expect(again.length).toBe(notes.length);
    expect(again.filter((n) => n.kind === 'packet').every((n) => n.target !== null)).toBe(true);
    expect((await ds.getState()).session?.problems).toEqual([]);
    // And the next correction's command keeps this one.
    const next = await ds.setAttribution({ capture: 0, node: 'node1', iface: null }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(next.split('\n').at(-1)).toContain('--assign a-node1-veth0d31a323.pcap=node9:veth-x:veth --assign a-node1-cni0.pcap=node1 ');
  }, 120_000);

  it('keeps the notes of a packets file written anew with other contents, listed but off its packets', async () => {
    const capture = (await ds.getState()).captures[(await ds.queryPackets(q('frame.number == 17'))).rows[0].capture].name;
    await ds.close();
    const f = join(dir, 'packets', `${capture}.parquet`);
    const duck = await openDuck();
    try {
      // The same rows in another order: other bytes, so other packets may now sit at a note's index.
      await duck.db.run(`COPY (SELECT * FROM read_parquet('${f}') ORDER BY idx DESC) TO '${f}.new' (FORMAT parquet)`);
    } finally {
      duck.close();
    }
    renameSync(`${f}.new`, f);
    ds = browserBackend(join(tmp, 'ds4'));
    await ds.openCaptures({ paths: [dir], append: false });
    const list = await ds.listNotes();
    expect(list.length).toBe(notes.length);
    expect((await ds.getState()).session?.problems.join(' ')).toContain(`${capture}.parquet`);
    const off = list.filter((n) => n.target === null);
    expect(off.map((n) => [n.kind, n.text])).toEqual([['packet', 'odd TTL here']]);
    expect(off[0].about).toBe(`packet ${off[0].about.split(' ')[1]} of ${capture}.parquet (not in the open set)`);
    expect(Number(off[0].about.split(' ')[1])).toBeGreaterThan(0);
    expect((await ds.queryPackets(q('frame.number == 17'))).rows[0].note).toBeNull();
    await expect(ds.addNote({ target: { kind: 'packet', no: 17 }, text: 'x', tag: '', severity: 'info' })).rejects.toThrow(/changed/);
    // The other notes are where they were.
    expect(list.filter((n) => n.target !== null).length).toBe(notes.length - 1);
  });
});

const FRAGMENTS = ['fragmented-1.pcap', 'ipv6-fragmented-dns.pcap'].map((f) => join(PUBLIC, f));

describeNeeding(
  FRAGMENTS.map((f) => fileNeed('public fragmented captures', f)),
  "a fragment's place in its datagram, on a dataset as on its captures",
  () => {
    let tmp: string;
    let caps: Backend;
    let ds: Backend;
    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'tv-dsfrag-'));
      await exportDataset(FRAGMENTS, join(tmp, 'dataset'));
      caps = browserBackend(join(tmp, 'caps'));
      await caps.openCaptures({ paths: FRAGMENTS, append: false });
      await ready(caps, 2400);
      ds = browserBackend(join(tmp, 'ds'));
      await ds.openCaptures({ paths: [join(tmp, 'dataset')], append: false });
    }, 120_000);
    afterAll(async () => {
      await caps?.close();
      await ds?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('says where each fragment is reassembled, packet by packet the same', async () => {
      const total = (await caps.getState()).totalPackets;
      expect((await ds.getState()).totalPackets).toBe(total);
      let fragments = 0;
      let reassembled = 0;
      for (let no = 1; no <= total; no++) {
        const [a, b] = await Promise.all([caps.getPacket({ no }), ds.getPacket({ no })]);
        expect(b, `packet ${no}`).toEqual(a);
        if (a?.fragment) fragments++;
        if (a?.fragment?.includes('reassembled at packet')) reassembled++;
      }
      expect(fragments).toBeGreaterThan(3);
      expect(reassembled).toBeGreaterThan(1);
    }, 120_000);
  },
);

const VXLAN_CAPTURE = join(LAB, 'a-node1-eth0.pcap');

describeNeeding([fileNeed('lab a captures', VXLAN_CAPTURE)], 'a dataset exported with "decode as"', () => {
  // The lab's VXLAN capture with its UDP port moved from 8472 to 8999, as an operator's custom VXLAN port.
  let tmp: string;
  let file: string;
  let moved: number;
  const backends: Backend[] = [];
  const backend = (name: string) => {
    const b = browserBackend(join(tmp, name));
    backends.push(b);
    return b;
  };
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tv-dsdecode-'));
    file = join(tmp, 'a-node1-eth0.pcap');
    const bytes = readFileSync(VXLAN_CAPTURE);
    moved = movePort(bytes, 8472, 8999);
    writeFileSync(file, bytes);
  });
  afterAll(async () => {
    for (const b of backends) await b.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('export --decode-as writes the custom port as VXLAN, and the dataset shows it as the captures do after "decode as"', async () => {
    const bad = await run(process.execPath, [
      'main/cli/bin.mjs',
      'export',
      '--parquet',
      join(tmp, 'bad'),
      '--decode-as',
      'udp:8999=nonsense',
      file,
    ]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toContain("export: bad --decode-as 'udp:8999=nonsense': unknown protocol 'nonsense'");

    const dir = join(tmp, 'dataset');
    await run(process.execPath, ['main/cli/bin.mjs', 'export', '--parquet', dir, '--decode-as', 'udp:8999=vxlan', file]);
    const caps = backend('caps');
    await caps.openCaptures({ paths: [file], append: false });
    await ready(caps);
    await caps.setDecodeAs({ entries: [{ layer: 'udp', port: 8999, proto: 'vxlan' }] });
    await ready(caps);
    const ds = backend('ds');
    const state = await ds.openCaptures({ paths: [dir], append: false });
    expect(state.decodeAs).toEqual([{ layer: 'udp', port: 8999, proto: 'vxlan' }]);
    const filter = 'vxlan.vni == 1 && outer.udp.dstport == 8999';
    const [a, b] = await Promise.all([caps.queryPackets(q(filter)), ds.queryPackets(q(filter))]);
    expect(a.total).toBe(moved);
    expect(b.total).toBe(moved);
    expect(b.rows.map(({ note: _n, ...r }) => r)).toEqual(a.rows.map(({ note: _n, ...r }) => r));
    const [da, db] = await Promise.all([caps.getPacket({ no: a.rows[0].no }), ds.getPacket({ no: a.rows[0].no })]);
    expect(db!.levels[1].title).toBe('Inner (VXLAN 1)');
    expect(db).toEqual(da);
    // The next "decode as" keeps the export's arguments: the table replaces the recorded one.
    const next = await ds.setDecodeAs({ entries: [] }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(next.split('\n').at(-1)).toBe(`tunnelvision export --parquet ${dir} ${file}`);
  }, 120_000);

  it('on a dataset of packets alone (the map step), the command asks for the capture files it cannot know', async () => {
    const dir = join(tmp, 'packets-only');
    await run(process.execPath, ['main/cli/bin.mjs', 'export', '--parquet', dir, '--packets-only', file]);
    const ds = backend('packets-only');
    await ds.openCaptures({ paths: [dir], append: false });
    const refused = await ds.setAttribution({ capture: 0, node: 'node1', iface: 'eth0' }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(refused.split('\n').slice(-2)).toEqual([
      `tunnelvision export --parquet ${dir} --assign a-node1-eth0.pcap=node1:eth0:underlay FILE...`,
      '(this dataset holds packets alone, from --packets-only exports: give the capture files, and the options they were exported with)',
    ]);
  }, 60_000);
});
