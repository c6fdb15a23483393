// The backend on the lab's capture set (real files the kernel produced), checked against the
// lab's manifest: attribution, filters over the columns, element filters, sorting, the detail of a
// VXLAN packet, journeys with NAT and the drop point, user corrections, pcapng export (read back
// by tshark when it is installed), cancellation.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppState } from '../../common/contract';
import { createBackend } from '../../main/backend/backend';
import { ready } from './helpers';
import type { Backend } from '../../main/backend/api';
import { demoCaptures } from '../../main/server/browser-mode';
import { labNeed, manifest } from '../e2e/scenario';
import { captureCopies, describeNeeding, itNeeding, pageQuery, type CaptureCopies } from '../tools';

const m = manifest();

describeNeeding([labNeed], 'backend on the lab captures', () => {
  let dir: string;
  let lab: CaptureCopies;
  let files: string[];
  let b: Backend;
  let state: AppState;
  const cluster = m!.clusters[0];
  const demo = m!.captures.filter((c) => c.cluster === cluster.name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tv-backend-'));
    lab = captureCopies(demoCaptures());
    files = lab.files;
    b = createBackend({ shell: 'browser', recentFile: join(dir, 'recent.json'), tempDir: dir, sessionDir: join(dir, 'sessions') });
    await b.openCaptures({ paths: files, append: false });
    state = await ready(b, 600);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    lab?.dispose();
  });

  it('lists every capture with the manifest packet count and the lab node and interfaces', () => {
    expect(state.phase).toBe('ready');
    expect(state.message).toBeNull();
    for (const c of demo) {
      const v = state.captures.find((x) => x.name === c.file)!;
      expect(v, c.file).toBeTruthy();
      expect(v.packets, c.file).toBe(c.packets);
      expect(v.status).toBe('ok');
      const want = m!.captures.find((x) => x.file === c.file) as unknown as { node: string; interfaces: { name: string; kind: string }[] };
      expect(v.node).toBe(want.node);
      expect(v.iface?.split(', ').sort()).toEqual(want.interfaces.map((i) => i.name).sort());
      // The Captures panel shows why: every point of the file with the evidence cited for it.
      expect(v.placement?.map((p) => p.node)).toEqual(v.placement?.map(() => want.node));
      for (const p of v.placement ?? []) expect(p.why.length, p.point).toBeGreaterThan(0);
    }
    const pod = cluster.pods[0];
    const veths = state.captures.flatMap((v) => v.placement ?? []).filter((p) => p.kind === 'veth' && p.node === pod.node);
    expect(veths.some((p) => p.why.some((w) => w.reason.includes(pod.ip) && w.packets > 0))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'recent.json'), 'utf8'))).toEqual(files.slice(0, 12));
  });

  it('counts VXLAN packets as the lab recorded them', async () => {
    const structure = (m as unknown as { structure: Record<string, Record<string, number>> }).structure;
    let expected = 0;
    for (const c of demo) for (const [k, n] of Object.entries(structure[c.file] ?? {})) if (/: vxlan1 /.test(k)) expected += n;
    const page = await b.queryPackets(pageQuery(`vxlan.vni == 1 && outer.udp.dstport == 8472`));
    expect(page.filterError).toBeNull();
    expect(page.total).toBe(expected);
    expect(page.rows.every((r) => r.encap === 'VXLAN 1' && r.color === 'vxlan')).toBe(true);
  });

  it('filters by node, pod address, element, and sorts', async () => {
    const onNode2 = demo
      .filter((c) => (m!.captures.find((x) => x.file === c.file) as unknown as { node: string }).node === 'a-node2')
      .reduce((s, c) => s + c.packets, 0);
    expect((await b.queryPackets(pageQuery('node == "a-node2"'))).total).toBe(onNode2);
    expect((await b.queryPackets(pageQuery('', { element: 'node:a-node2' }))).total).toBe(onNode2);
    const pod = await b.queryPackets(pageQuery('pod == "10.244.1.2"'));
    expect(pod.total).toBeGreaterThan(0);
    expect(pod.rows.every((r) => r.src === '10.244.1.2' || r.dst === '10.244.1.2')).toBe(true);
    const byLen = await b.queryPackets(pageQuery('ip', { sort: 'length', descending: true }));
    const lens = byLen.rows.map((r) => r.length);
    expect(lens).toEqual([...lens].sort((x, y) => y - x));
    const bad = await b.queryPackets(pageQuery('tcp.port == '));
    expect(bad.filterError).not.toBeNull();
    expect(bad.total).toBe(0);
  });

  it('decodes a VXLAN packet into outer and inner levels with the differing fields', async () => {
    const page = await b.queryPackets(pageQuery('inner.ip.src == 10.244.0.2 && inner.ip.dst == 10.244.1.2 && icmp && vxlan'));
    const d = (await b.getPacket({ no: page.rows[0].no }))!;
    expect(d.levels.map((l) => l.title)).toEqual(['Outer (underlay)', 'Inner (VXLAN 1)']);
    expect(d.levels[0].layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'udp', 'vxlan']);
    expect(d.levels[1].layers.map((l) => l.proto).slice(0, 3)).toEqual(['eth', 'ip', 'icmp']);
    expect(d.differing).toEqual(expect.arrayContaining(['ip.src', 'ip.dst', 'eth.src', 'eth.dst']));
    expect(d.bytes.length).toBe(d.capLen);
  });

  it('follows the dropped flow to where the lab dropped it, and finds the DNAT', async () => {
    const drop = m!.flows.find((f) => f.name === `${cluster.name}-udp-dropped`)! as unknown as {
      drop: { lastSeen: { capture: string; node: string; interface: string } };
      request: { src: string; dst: string }[];
    };
    const first = await b.queryPackets(pageQuery(`ip.src == ${drop.request[0].src} && ip.dst == ${drop.request[0].dst} && udp`));
    const f = (await b.followPacket({ no: first.rows[0].no }))!;
    const j = f.journeys[f.selected];
    expect(j.hops.at(-1)).toMatchObject({
      capture: drop.drop.lastSeen.capture,
      node: drop.drop.lastSeen.node,
      iface: drop.drop.lastSeen.interface,
    });
    expect(j.lastSeen).toContain(drop.drop.lastSeen.node);
    const http = await b.queryPackets(pageQuery('ip.dst == 10.96.112.34 && tcp.flags.syn'));
    const fh = (await b.followPacket({ no: http.rows[0].no }))!;
    const nat = fh.journeys[fh.selected].hops.find((h) => h.nat);
    expect(nat?.nat).toMatch(/DNAT .*10\.96\.112\.34:80 .*10\.244\.1\.2:8080/);
  });

  it('lists the flows through a graph link, busiest first', async () => {
    const list = await b.flowsThrough({ element: 'link:a-node1~a-node2' });
    expect(list.length).toBeGreaterThan(0);
    expect(list.map((f) => f.packets)).toEqual([...list.map((f) => f.packets)].sort((x, y) => y - x));
    expect(list.some((f) => f.label.startsWith('ICMP 10.244.0.2:') && f.label.includes('10.244.1.2:'))).toBe(true);
    expect(list.every((f) => !f.label.includes('10.244.2.'))).toBe(true);
  });

  it("re-analyses with the user's correction of a capture's node", async () => {
    const id = state.captures.find((c) => c.name === 'a-node1-eth0.pcap')!.id;
    await b.setAttribution({ capture: id, node: 'renamed-node', iface: 'eth0' });
    const s = await ready(b, 600);
    expect(s.captures[id]).toMatchObject({ node: 'renamed-node', iface: 'eth0', attribution: 'user' });
    expect(s.captures[id].placement![0].why.map((w) => w.reason)).toContain('you placed it on renamed-node');
    expect((await b.queryPackets(pageQuery('node == "renamed-node"'))).total).toBe(
      demo.find((c) => c.file === 'a-node1-eth0.pcap')!.packets,
    );
    await b.setAttribution({ capture: id, node: 'a-node1', iface: 'eth0' });
    await ready(b, 600);
  });

  itNeeding(['tshark'], 'exports a journey as pcapng that tshark reads with node/interface names', async () => {
    const page = await b.queryPackets(pageQuery('inner.ip.src == 10.244.0.2 && inner.ip.dst == 10.244.1.2 && icmp'));
    const f = (await b.followPacket({ no: page.rows[0].no }))!;
    const out = join(dir, 'journey.pcapng');
    const r = await b.writePcapng({ selection: { kind: 'journey', flow: f.flow, journey: f.journeys[f.selected].id }, path: out });
    expect(r.packets).toBe(f.journeys[f.selected].hops.length);
    const names = execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'ip.src'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(names.map((l) => l.split('\t')[0])).toEqual(f.journeys[f.selected].hops.map((h) => `${h.node}/${h.iface}`));
  });

  it('writes the report of the open set (Export report)', async () => {
    const out = join(dir, 'report.html');
    await b.writeReport({ format: 'html', path: out });
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<!doctype html>/i);
    expect(html).toContain('Content-Security-Policy');
    for (const n of cluster.nodes) expect(html).toContain(n.name);
  });

  it('cancels a load and keeps what it read', async () => {
    const b2 = createBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
    await b2.openCaptures({ paths: files, append: false });
    await b2.cancelLoad();
    const s = await ready(b2, 600);
    expect(s.phase).toBe('cancelled');
    expect(s.message).toMatch(/cancelled/i);
    expect(s.captures.length).toBeLessThanOrEqual(files.length);
    // Captures never opened leave the list; what was read stays listed.
    expect(s.captures.filter((c) => c.status === 'waiting' || c.status === 'loading')).toEqual([]);
    expect(s.totalPackets).toBe(s.captures.reduce((n, c) => n + c.packets, 0));
    await b2.close();
  });

  it('reports a missing file as an error of that file only', async () => {
    const b3 = createBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
    await b3.openCaptures({ paths: [files[0], join(dir, 'missing.pcap')], append: false });
    const s = await ready(b3, 600);
    expect(s.captures[0].status).toBe('ok');
    expect(s.captures[1]).toMatchObject({ status: 'failed' });
    expect(s.captures[1].errors[0].message).toMatch(/cannot open/);
    expect(existsSync(join(dir, 'missing.pcap'))).toBe(false);
  });
});
