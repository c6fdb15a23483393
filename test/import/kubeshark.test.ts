// A Kubeshark PCAP export built by the test in the documented layout (a .tar.gz with one PCAP per
// node and a name_resolution_history.json per node, folders '<node>_<node IP>'), from the Calico
// lab's pod captures, opened as one capture set: node names from the folders, pod and flow names
// from the history applied by time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { parseNameHistory, resolveAt } from '../../main/topology/name-history';
import { extractTar } from '../../main/topology/bundles';
import { describeNeeding } from '../tools';

const root = fileURLToPath(new URL('../..', import.meta.url));
interface M {
  nodes: { name: string; underlayIp: string }[];
  pods: { name: string; namespace: string; node: string; ip: string; veth: string }[];
}
const manifest = JSON.parse(readFileSync(join(root, 'fixtures/calico-manifest.json'), 'utf8')) as M;
const dir = mkdtempSync(join(tmpdir(), 'tv-kubeshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('name-resolution history', () => {
  it('applies the map in effect at a time (latest key <= t), IP:port before IP, deletions forget', () => {
    const h = parseNameHistory(
      JSON.stringify({
        100: {
          '10.0.0.5': { FullAddress: 'web-a.shop', Namespace: 'shop' },
          '10.96.0.10:53': { FullAddress: 'kube-dns.kube-system', Namespace: 'kube-system' },
        },
        200: { '10.0.0.5': { FullAddress: 'web-b.shop', Namespace: 'shop' } },
        300: {},
      }),
      'h.json',
    );
    expect(h.errors).toEqual([]);
    expect(resolveAt([h], '10.0.0.5', 99)).toBeNull();
    expect(resolveAt([h], '10.0.0.5', 150)?.name).toBe('web-a');
    expect(resolveAt([h], '10.0.0.5', 200)?.name).toBe('web-b');
    expect(resolveAt([h], '10.0.0.5', 301)).toBeNull();
    expect(resolveAt([h], '10.96.0.10:53', 150)).toEqual({
      fullAddress: 'kube-dns.kube-system',
      namespace: 'kube-system',
      name: 'kube-dns',
    });
  });
  it('reports bad files clearly', () => {
    expect(parseNameHistory('[1]', 'x.json').errors[0]).toMatch(/x\.json: not a name-resolution history/);
    expect(parseNameHistory('{"abc": {}}', 'x.json').errors[0]).toMatch(/not a UNIX timestamp/);
    expect(parseNameHistory('{', 'x.json').errors[0]).toMatch(/not JSON/);
  });
});

describeNeeding(['tar', 'mergecap'], 'Kubeshark export opened as a capture set', () => {
  let a: Analysis;
  let tFirst = 0;
  const archive = join(dir, 'kubeshark_2026-11-26_23-10-00.tar.gz');

  beforeAll(async () => {
    // Times of the traffic, to write a history whose second snapshot comes after it.
    const plain = await loadCaptureSet(manifest.pods.map((p) => join(root, 'fixtures/captures/calico', `${p.node}-${p.veth}.pcap`)));
    tFirst = Math.floor(Math.min(...plain.flows.map((f) => f.firstTs)));
    const tree = join(dir, 'export');
    for (const n of manifest.nodes) {
      const pods = manifest.pods.filter((p) => p.node === n.name);
      const folder = join(tree, `${n.name}_${n.underlayIp}`);
      mkdirSync(folder, { recursive: true });
      const r = spawnSync('mergecap', [
        '-F',
        'pcap',
        '-w',
        join(folder, `${tFirst}.pcap`),
        ...pods.map((p) => join(root, 'fixtures/captures/calico', `${p.node}-${p.veth}.pcap`)),
      ]);
      expect(r.status).toBe(0);
      const names = (suffix: string) =>
        Object.fromEntries(manifest.pods.map((p) => [p.ip, { FullAddress: `${p.name}${suffix}.${p.namespace}`, Namespace: p.namespace }]));
      // first snapshot before the traffic; a later one (pods replaced) after it: must not name it
      writeFileSync(
        join(folder, 'name_resolution_history.json'),
        JSON.stringify({ [tFirst - 60]: names('-7f9c'), [tFirst + 3600]: names('-new') }),
      );
    }
    expect(spawnSync('tar', ['czf', archive, '-C', tree, '.']).status).toBe(0);
    a = await loadCaptureSet([archive]);
  });

  it('one capture per node, node names from the export folders, packets as tshark counts them', () => {
    expect(a.captures).toHaveLength(manifest.nodes.length);
    expect(a.points.map((p) => p.node).sort()).toEqual(manifest.nodes.map((n) => n.name).sort());
    for (const c of a.captures) {
      const r = spawnSync('tshark', ['-r', c.path, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
      if (r.status === 0) expect(c.packetCount).toBe(r.stdout.trim().split('\n').length);
    }
  });

  it('pods and flow endpoints named from the history as it was when they were seen (not by the later snapshot)', () => {
    const podName = (ip: string) => {
      const p = manifest.pods.find((x) => x.ip === ip)!;
      return `${p.namespace}/${p.name}-7f9c`;
    };
    expect(a.model.pods.length).toBeGreaterThan(0);
    for (const m of a.model.pods) {
      const p = manifest.pods.find((x) => x.ip === m.ip)!;
      expect({ name: m.name, namespace: m.namespace, node: m.node }).toEqual({
        name: `${p.name}-7f9c`,
        namespace: p.namespace,
        node: p.node,
      });
    }
    // every pod of the lab shows up named in the flows (a merged per-node capture has no veth per pod)
    const named = new Map<string, string>();
    for (const f of a.flows) {
      if (f.aName) named.set(f.a.ip, f.aName);
      if (f.bName) named.set(f.b.ip, f.bName);
    }
    for (const p of manifest.pods) if (p.ip !== '127.0.0.1') expect(named.get(p.ip), p.ip).toBe(podName(p.ip));
    const tcp = a.flows.find((f) => f.protocol === 'tcp' && f.b.port === 8080)!;
    expect([tcp.aName, tcp.bName]).toEqual([podName(tcp.a.ip), podName(tcp.b.ip)]);
  });

  it('the archive is unpacked safely: entries escaping the folder are skipped, a truncated archive is an error', async () => {
    const evil = join(dir, 'evil');
    mkdirSync(join(evil, 'a'), { recursive: true });
    writeFileSync(join(evil, 'a', 'x.pcap'), 'x');
    const evilTar = join(dir, 'evil.tar');
    expect(
      spawnSync('tar', ['cf', evilTar, '-C', evil, '--transform', 's,^a/x.pcap,../../escaped.pcap,', 'a/x.pcap'], { encoding: 'utf8' })
        .status,
    ).toBe(0);
    const out = join(dir, 'evil-out');
    await extractTar(evilTar, out);
    expect(spawnSync('find', [join(dir), '-name', 'escaped.pcap'], { encoding: 'utf8' }).stdout).toBe('');
    const cut = join(dir, 'cut.tar.gz');
    writeFileSync(cut, readFileSync(archive).subarray(0, Math.floor(readFileSync(archive).length / 2)));
    await expect(extractTar(cut, join(dir, 'cut-out'))).rejects.toThrow(/cut\.tar\.gz/);
    const b = await loadCaptureSet([cut]);
    expect(b.captures).toEqual([]);
    expect(b.findings.map((f) => f.message).join('\n')).toMatch(/cut\.tar\.gz/);
  });
});
