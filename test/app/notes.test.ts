// Notes in the backend, on copies of the lab's captures: a note on a packet, a flow, a hop, a graph
// element and the set; the list marks annotated packets; everything is in the session file beside
// the captures once written (and nothing is written before); a new backend (the app reopened) finds
// the notes on the same packets; reports carry them; a capture changed on disk is reported and its
// notes are not pinned on whatever packet now has their number; uploaded captures find their notes
// again when uploaded anew (browser mode).
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BYTES, type NoteView, type PacketQuery } from '../../common/contract';
import { createBackend } from '../../main/backend/backend';
import { ready } from './helpers';
import { uploadsFolder, type Backend } from '../../main/backend/api';
import { Uploads } from '../../main/server/uploads';
import { demoCaptures } from '../../main/server/browser-mode';
import { sessionPathFor } from '../../main/session';
import { readCapture } from '../../main/engine/readers/read';
import { encodePcapng, type PcapngPacket } from '../../main/engine/writers/pcapng';
import { copyCaptures, skipUnless } from '../tools';

const demo = demoCaptures();
if (!demo.length) console.warn('SKIPPED notes tests: the lab captures (fixtures/captures) are missing');

const HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(2)> javascript:alert(3)';

/** Uploads files the way browser mode receives them (streamed into the backend's uploads folder): [name, source file]. */
async function upload(tempDir: string, files: [string, string][]): Promise<{ path: string; name: string }[]> {
  const uploads = new Uploads(uploadsFolder(tempDir), MAX_UPLOAD_BYTES);
  const out: { path: string; name: string }[] = [];
  for (const [name, file] of files) out.push(uploads.get((await uploads.receive(createReadStream(file), name)).upload)!);
  return out;
}

const q = (filter: string, more: Partial<PacketQuery & { locate: number }> = {}) => ({
  filter,
  element: null,
  sort: 'no' as const,
  descending: false,
  offset: 0,
  limit: 200,
  locate: 0,
  ...more,
});

describe.skipIf(!demo.length)('notes of a capture set', () => {
  let dir: string;
  let caps: string[];
  const backends: Backend[] = [];
  const open = async (paths: string[]) => {
    const b = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp'), sessionDir: join(dir, 'sessions') });
    backends.push(b);
    await b.openCaptures({ paths, append: false });
    return { b, state: await ready(b) };
  };
  let vxlanNo = 0;
  let flow = '';
  let journey = '';
  let hopNo = 0;
  let noted: NoteView[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tv-notes-'));
    caps = copyCaptures(demo, join(dir, 'caps'));
  });
  afterAll(async () => {
    for (const b of backends) await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes nothing until the first note, then keeps every kind of note in the session file beside the captures', async () => {
    const { b, state } = await open(caps);
    expect(state.phase).toBe('ready');
    expect(state.session).not.toBeNull();
    expect(state.session!.saved).toBe(false);
    expect(state.session!.file).toBe(sessionPathFor(caps));
    expect(readdirSync(join(dir, 'caps')).filter((n) => n.endsWith('.tvsession'))).toEqual([]);

    const vx = await b.queryPackets(q('vxlan && icmp'));
    vxlanNo = vx.rows[0].no;
    const f = await b.followPacket({ no: vxlanNo });
    expect(f).not.toBeNull();
    flow = f!.flow;
    const j = f!.journeys[f!.selected];
    journey = j.id;
    hopNo = j.hops[1].packetNo;

    await b.addNote({ target: { kind: 'packet', no: vxlanNo }, text: HOSTILE, tag: 'mtu', severity: 'problem' });
    await b.addNote({ target: { kind: 'flow', flow }, text: 'ping between pods across nodes', tag: '', severity: 'info' });
    await b.addNote({ target: { kind: 'hop', flow, journey, hop: 1, no: hopNo }, text: 'bridge hop', tag: 'path', severity: 'warning' });
    await b.addNote({ target: { kind: 'element', element: 'node:a-node2' }, text: 'node under suspicion', tag: '', severity: 'warning' });
    await b.addNote({ target: { kind: 'set' }, text: 'captures taken during the outage', tag: 'context', severity: 'info' });
    const extra = await b.addNote({ target: { kind: 'set' }, text: 'to be removed', tag: '', severity: 'info' });
    await expect(b.addNote({ target: { kind: 'packet', no: 10_000_000 }, text: 'x', tag: '', severity: 'info' })).rejects.toThrow(
      /no packet 10000000/,
    );
    await expect(b.addNote({ target: { kind: 'set' }, text: '   ', tag: '', severity: 'info' })).rejects.toThrow(/needs some text/);
    expect(await b.removeNote({ id: extra.id })).toBe(true);

    noted = (await b.listNotes()).filter((n) => n.source === 'user');
    expect(noted.map((n) => n.kind)).toEqual(['packet', 'flow', 'hop', 'element', 'set']);
    expect(noted[0].target).toEqual({ kind: 'packet', no: vxlanNo });
    expect(noted[0].about).toMatch(new RegExp(`^packet ${vxlanNo} \\(a-node\\d / eth0\\)$`));
    expect(noted[0].text).toBe(HOSTILE);
    expect(noted[1].about).toMatch(/^flow ICMP /);
    expect(noted[2].target).toEqual({ kind: 'hop', flow, journey, hop: 1, no: hopNo });
    expect(noted[3].about).toBe('a-node2');

    const edited = await b.updateNote({
      id: noted[4].id,
      text: 'captures taken during the outage of 26 Nov',
      tag: 'context',
      severity: 'warning',
    });
    expect(edited.severity).toBe('warning');
    expect(edited.updated >= edited.created).toBe(true);

    // The list marks the annotated packets with their gravest note.
    const page = await b.queryPackets(q('', { locate: vxlanNo }));
    const all = await b.queryPackets(q('', { offset: Math.max(0, page.located - 5), limit: 20 }));
    expect(all.rows.find((r) => r.no === vxlanNo)!.note).toBe('problem');
    expect(all.rows.filter((r) => r.no !== vxlanNo && r.no !== hopNo).every((r) => r.note === null)).toBe(true);

    // A correction of a capture's node/interface is remembered too.
    await b.setAttribution({ capture: 0, node: 'a-node1', iface: 'cni0' });
    await ready(b);
    await b.close();
    const file = sessionPathFor(caps);
    expect(existsSync(file)).toBe(true);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.annotations).toHaveLength(5);
    expect(saved.assignments).toEqual([{ capture: basename(caps[0]), node: 'a-node1', interface: 'cni0', kind: 'bridge' }]);
  });

  it('finds the notes again on the same packets when the set is opened anew, and puts them in every report', async (ctx) => {
    const { b, state } = await open(caps);
    expect(state.session!.saved).toBe(true);
    expect(state.session!.problems).toEqual([]);
    const again = (await b.listNotes()).filter((n) => n.source === 'user');
    expect(again.map((n) => [n.id, n.target, n.text])).toEqual(
      noted.map((n, i) => [n.id, n.target, i === 4 ? 'captures taken during the outage of 26 Nov' : n.text]),
    );

    const out = join(dir, 'out');
    await b.writeReport({ format: 'html', path: join(out, 'r.html') });
    const html = readFileSync(join(out, 'r.html'), 'utf8');
    expect(html).toContain('node under suspicion');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    await b.writeReport({ format: 'md', path: join(out, 'r.md') });
    expect(readFileSync(join(out, 'r.md'), 'utf8')).toContain('ping between pods across nodes');
    await b.writeReport({ format: 'json', path: join(out, 'r.json') });
    const json = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8'));
    expect(json.summary.annotations).toBeGreaterThanOrEqual(5);
    expect(json.annotations.map((a: { text: string }) => a.text)).toContain('bridge hop');
    const pc = await b.writeReport({ format: 'pcapng', path: join(out, 'r.pcapng') });
    expect(pc.packets).toBeGreaterThan(0);
    // "Open in Wireshark" of a flow carries the notes on its packets as comments too.
    const flowExport = await b.writePcapng({ selection: { kind: 'flow', flow }, path: join(out, 'flow.pcapng') });
    expect(flowExport.packets).toBeGreaterThan(0);
    // The rest reads the annotated pcapng back with tshark.
    skipUnless(ctx, 'tshark');
    const comments = spawnSync('tshark', ['-r', join(out, 'r.pcapng'), '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' }).stdout;
    expect(comments).toContain('bridge hop');
    expect(comments).toContain('<script>alert(1)</script>');
    const flowComments = spawnSync(
      'tshark',
      ['-r', join(out, 'flow.pcapng'), '-T', 'fields', '-e', 'frame.number', '-e', 'frame.comment'],
      { encoding: 'utf8' },
    ).stdout;
    expect(flowComments).toContain('[warning] path: bridge hop');
    expect(flowComments).toContain('[problem] mtu: <script>alert(1)</script>');
  });

  it('says which capture changed since it was annotated and keeps its notes off its packets', async (ctx) => {
    const packetCapture = noted[0].about; // e.g. "packet 12 (a-node1 / eth0)"
    expect(packetCapture).toBeTruthy();
    const { b: before } = await open(caps);
    const detail = await before.getPacket({ no: vxlanNo });
    const changed = caps.find((c) => basename(c) === detail!.captureName)!;
    await before.close();
    appendFileSync(changed, Buffer.alloc(16)); // a truncated record at the end: the file is no longer the annotated one
    const { b, state } = await open(caps);
    expect(state.session!.problems).toHaveLength(1);
    expect(state.session!.problems[0]).toContain(basename(changed));
    const n = (await b.listNotes()).find((x) => x.id === noted[0].id)!;
    expect(n.target).toBeNull();
    expect(n.about).toMatch(/not in the open set/);
    expect((await b.listNotes()).find((x) => x.id === noted[1].id)!.target).toEqual({ kind: 'flow', flow });
    await expect(b.addNote({ target: { kind: 'packet', no: vxlanNo }, text: 'x', tag: '', severity: 'info' })).rejects.toThrow(/changed/);
    // Its note marks no packet of the changed file, and goes into no export.
    const page = await b.queryPackets(q('', { locate: vxlanNo }));
    const around = await b.queryPackets(q('', { offset: Math.max(0, page.located - 5), limit: 20 }));
    expect(around.rows.find((r) => r.no === vxlanNo)!.note).toBeNull();
    const out = join(dir, 'changed.pcapng');
    await b.writePcapng({ selection: { kind: 'flow', flow }, path: out });
    skipUnless(ctx, 'tshark');
    expect(spawnSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' }).stdout).not.toContain('alert(1)');
  });

  it('shows the pcapng comments met while reading as read-only notes on their packets', async () => {
    const packets: PcapngPacket[] = [];
    await readCapture(caps[0], {
      onPacket: (p) =>
        void (
          p.index < 10 &&
          packets.push({
            iface: 0,
            tsSec: p.tsSec,
            tsNsec: p.tsNsec,
            data: p.data.slice(),
            origLen: p.origLen,
            ...(p.index === 3 ? { comments: ['seen twice here'] } : {}),
          })
        ),
    });
    const file = join(dir, 'commented', 'a-node1-eth0.pcapng');
    mkdirSync(join(dir, 'commented'));
    writeFileSync(file, encodePcapng({ interfaces: [{ linktype: 1, name: 'eth0' }], packets }));
    const { b } = await open([file]);
    const comment = (await b.listNotes()).find((n) => n.source === 'capture-comment')!;
    expect(comment).toMatchObject({ kind: 'packet', text: 'seen twice here', severity: 'info', target: { kind: 'packet', no: 4 } });
    expect((await b.queryPackets(q('', { offset: 3, limit: 1 }))).rows[0].note).toBe('info');
    await expect(b.removeNote({ id: comment.id })).rejects.toThrow(/cannot be removed/);
  });

  it('answers note calls after loads that overlap, with the last set asked for open', async () => {
    const b = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp3'), sessionDir: join(dir, 'sessions') });
    backends.push(b);
    await b.openCaptures({ paths: caps, append: false });
    await Promise.all([
      b.openCaptures({ paths: caps.slice(0, 2), append: false }),
      b.openCaptures({ paths: caps.slice(2, 5), append: false }),
    ]);
    const state = await ready(b);
    expect(state.captures.map((c) => c.name)).toEqual(caps.slice(2, 5).map((c) => basename(c)));
    const notes = await Promise.race([b.listNotes(), new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(notes).not.toBeNull();
    expect(state.session!.file).toBe(sessionPathFor(caps.slice(2, 5)));
  });

  it('keeps two uploads of the same name but different content in different sessions', async () => {
    const one = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp4'), sessionDir: join(dir, 'sessions') });
    backends.push(one);
    await one.openUploaded({ files: await upload(join(dir, 'tmp4'), [['capture.pcap', caps[0]]]), append: false });
    const a = await ready(one);
    await one.openUploaded({ files: await upload(join(dir, 'tmp4'), [['capture.pcap', caps[1]]]), append: false });
    const b = await ready(one);
    expect(a.session!.file).not.toBe(b.session!.file);
  });

  it('keeps the notes of uploaded captures in the data folder and finds them when the same files are uploaded again', async () => {
    const set = () => caps.slice(0, 4).map((p) => [basename(p), p] as [string, string]);
    const b1 = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp1'), sessionDir: join(dir, 'sessions') });
    backends.push(b1);
    await b1.openUploaded({ files: await upload(join(dir, 'tmp1'), set()), append: false });
    const s1 = await ready(b1);
    expect(s1.session!.file.startsWith(join(dir, 'sessions'))).toBe(true);
    const first = (await b1.queryPackets(q('icmp'))).rows[0].no;
    const note = await b1.addNote({ target: { kind: 'packet', no: first }, text: 'uploaded note', tag: '', severity: 'warning' });
    await b1.close();
    const b2 = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp2'), sessionDir: join(dir, 'sessions') });
    backends.push(b2);
    await b2.openUploaded({ files: await upload(join(dir, 'tmp2'), set()), append: false });
    const s2 = await ready(b2);
    expect(s2.session!.problems).toEqual([]);
    const found = (await b2.listNotes()).find((x) => x.id === note.id)!;
    expect(found.target).toEqual({ kind: 'packet', no: first });
  });
});
