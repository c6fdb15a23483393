// Microsoft Retina capture bundles built by the test in Retina's documented layout: one tarball per
// node named '<capture>-<hostname>-<YYYYmmddHHMMSS>UTC.tar.gz' in a folder named after the capture,
// holding '<same name>.pcap', ip-resources.txt, iptables-rules.txt, proc-net/, socket-stats.txt and
// tcpdump.log. Opened as one capture set, node names come from the bundles (the Calico lab's node
// captures inside), and the cluster is rebuilt as from the plain captures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { retinaHost } from '../../main/topology/bundles';
import { describeNeeding } from '../tools';

const root = fileURLToPath(new URL('../..', import.meta.url));
interface M {
  nodes: { name: string; underlayIp: string; underlayMac: string; blocks: string[] }[];
  blocks: { block: string; node: string; withdrawnLater: boolean }[];
  pods: { name: string; node: string; ip: string; veth: string }[];
  anyCaptures: { file: string; node: string; ipAddr: string }[];
}
const manifest = JSON.parse(readFileSync(join(root, 'fixtures/calico-manifest.json'), 'utf8')) as M;
const dir = mkdtempSync(join(tmpdir(), 'tv-retina-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CAPTURE = 'retina-capture-k7x2q';
const STAMP = '20261126231000UTC';

/** ip-resources.txt as Retina writes it: a summary, then each command line followed by its output. */
function ipResources(ipAddrJson: string): string {
  return [
    'Summary:',
    '',
    '/usr/sbin/ip -d -j addr show(IP address configuration)',
    '/usr/sbin/ip -d -j neighbor show(IP neighbor status)',
    '/usr/sbin/ip rule list(Policy routing list)',
    '',
    'Execute:',
    '',
    '/usr/sbin/ip -d -j addr show',
    '',
    JSON.stringify(JSON.parse(ipAddrJson)),
    '/usr/sbin/ip -d -j neighbor show',
    '',
    '[]',
    '/usr/sbin/ip rule list',
    '',
    '0:\tfrom all lookup local',
    '',
  ].join('\n');
}

describe('Retina bundle names', () => {
  it("hostname = tarball name minus the capture name (its folder, or Retina's default name) and the time stamp", () => {
    expect(retinaHost('retina-capture-aks-nodepool1-41844487-vmss000000-20230320013600UTC', 'retina-capture')).toBe(
      'aks-nodepool1-41844487-vmss000000',
    );
    expect(retinaHost('retina-capture-zlx5v-aks-nodepool1-41844487-vmss000000-20230313101436UTC', 'Downloads')).toBe(
      'aks-nodepool1-41844487-vmss000000',
    );
    expect(retinaHost('mycap-node7-20230313101436UTC', 'mycap')).toBe('node7');
    expect(retinaHost('not-a-retina-bundle', 'x')).toBeNull();
  });
});

describeNeeding(['tar'], 'Retina bundles opened as a capture set', () => {
  let a: Analysis;
  beforeAll(async () => {
    const out = join(dir, CAPTURE);
    mkdirSync(out, { recursive: true });
    for (const n of manifest.nodes) {
      const any = manifest.anyCaptures.find((c) => c.node === n.name)!;
      const stem = `${CAPTURE}-${n.name}-${STAMP}`;
      const t = join(dir, 'build', stem);
      mkdirSync(join(t, 'proc-net'), { recursive: true });
      copyFileSync(join(root, any.file), join(t, `${stem}.pcap`));
      writeFileSync(join(t, 'ip-resources.txt'), ipResources(readFileSync(join(root, any.ipAddr), 'utf8')));
      writeFileSync(
        join(t, 'iptables-rules.txt'),
        'Summary:\n\n/usr/sbin/iptables-nft-save(IPtables rules)\n\nExecute:\n\n/usr/sbin/iptables-nft-save\n\n*filter\nCOMMIT\n',
      );
      writeFileSync(join(t, 'proc-net', 'arp'), 'IP address       HW type     Flags       HW address            Mask     Device\n');
      writeFileSync(join(t, 'socket-stats.txt'), 'Total: 1\n');
      writeFileSync(join(t, 'tcpdump.log'), 'tcpdump: listening on any, link-type LINUX_SLL2\n');
      expect(spawnSync('tar', ['czf', join(out, `${stem}.tar.gz`), '-C', t, '.']).status).toBe(0);
    }
    a = await loadCaptureSet(manifest.nodes.map((n) => join(out, `${CAPTURE}-${n.name}-${STAMP}.tar.gz`)));
  });

  it('one capture per bundle, attached to the node named by the bundle; its interfaces named from ip-resources.txt', () => {
    expect(a.captures.map((c) => c.id).sort()).toEqual(manifest.nodes.map((n) => `${CAPTURE}-${n.name}-${STAMP}.pcap`).sort());
    for (const p of a.points) {
      expect(p.nodeSource).toBe('user');
      expect(p.capture).toBe(`${CAPTURE}-${p.node}-${STAMP}.pcap`);
    }
    for (const n of manifest.nodes) {
      const names = a.points
        .filter((p) => p.node === n.name)
        .map((p) => p.interface)
        .sort();
      const want = ['eth0', ...manifest.pods.filter((p) => p.node === n.name).map((p) => p.veth)].sort();
      expect(names.filter((x) => x !== 'lo')).toEqual(want);
      for (const p of a.points.filter((x) => x.node === n.name))
        expect(p.kind).toBe(p.interface === 'eth0' ? 'underlay' : p.interface === 'lo' ? 'loopback' : 'veth');
    }
  });

  it('the same cluster as from the plain captures: node addresses, pod blocks from BGP, pods behind their cali* veths', () => {
    expect(a.model.nodes.map((n) => n.id).sort()).toEqual(manifest.nodes.map((n) => n.name).sort());
    for (const n of manifest.nodes) expect(a.model.nodes.find((x) => x.id === n.name)!.underlayIps).toEqual([n.underlayIp]);
    for (const b of manifest.blocks) {
      const m = a.model.bgp!.blocks.find((x) => x.cidr === b.block)!;
      expect({ node: m.node, withdrawn: m.withdrawn }).toEqual({ node: b.node, withdrawn: b.withdrawnLater });
    }
    for (const p of manifest.pods) {
      const m = a.model.pods.find((x) => x.ip === p.ip)!;
      expect({ node: m.node, veth: m.veth }).toEqual({ node: p.node, veth: `${p.node}/${p.veth}` });
    }
  });

  it('a bundle that is not a tarball at all is reported, not thrown', async () => {
    const bad = join(dir, `${CAPTURE}-broken-${STAMP}.tar.gz`);
    writeFileSync(bad, 'not gzip');
    const b = await loadCaptureSet([bad]);
    expect(b.captures).toEqual([]);
    expect(b.findings.some((f) => f.message.includes(`${CAPTURE}-broken-${STAMP}.tar.gz`))).toBe(true);
  });
});
