// flannel's lease table read from a REAL etcd: the test starts etcd on a loopback port with a
// temporary data dir, writes the network config and one lease per node of the flannel lab's
// cluster A exactly as flanneld's etcd subnet manager does (JSON values, leases with a TTL), reads
// them back with `etcdctl get --prefix -w json` and imports that output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLeases, parseEtcdLeases, type FlannelLeaseTable } from '../../main/topology/flannel-leases';
import { loadCaptureSet } from '../../main/topology';
import type { ClusterNode } from '../../main/topology/types';
import { describeNeeding, unmet } from '../tools';

const haveEtcd = unmet('etcd', 'etcdctl') === null;
const fixtures = fileURLToPath(new URL('../../fixtures', import.meta.url));

interface LabNode {
  name: string;
  underlayIp: string;
  podCidr: string;
  tunnel?: { mac?: string };
}
const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as {
  clusters: { name: string; podNetwork: string; nodes: LabNode[] }[];
};
const clusterA = manifest.clusters.find((c) => c.name === 'a')!;

let etcd: ChildProcess | null = null;
let dir = '';
let endpoint = '';
const ctl = (...args: string[]) => {
  const r = spawnSync('etcdctl', ['--endpoints', endpoint, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  if (r.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

async function startEtcd(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'tv-etcd-'));
  for (let attempt = 0; attempt < 5; attempt++) {
    const client = 20000 + Math.floor(Math.random() * 20000);
    const peer = client + 1;
    endpoint = `http://127.0.0.1:${client}`;
    const proc = spawn(
      'etcd',
      [
        '--name',
        'tv',
        '--data-dir',
        join(dir, `data${attempt}`),
        '--listen-client-urls',
        endpoint,
        '--advertise-client-urls',
        endpoint,
        '--listen-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-cluster',
        `tv=http://127.0.0.1:${peer}`,
        '--log-level',
        'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let exited = false;
    proc.on('exit', () => {
      exited = true;
    });
    for (let i = 0; i < 100 && !exited; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (spawnSync('etcdctl', ['--endpoints', endpoint, 'endpoint', 'health'], { stdio: 'ignore' }).status === 0) {
        etcd = proc;
        return;
      }
    }
    proc.kill('SIGKILL');
  }
  throw new Error('etcd did not start on a loopback port');
}

/** What flanneld's etcd subnet manager writes. */
function writeFlannelState(nodes: LabNode[], wrongMacFor?: string): void {
  ctl(
    'put',
    '/coreos.com/network/config',
    JSON.stringify({ Network: clusterA.podNetwork, SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 1, Port: 8472 } }),
  );
  const leaseOut = ctl('lease', 'grant', '86400');
  const leaseId = /lease ([0-9a-f]+) granted/.exec(leaseOut)![1];
  for (const n of nodes) {
    const key = `/coreos.com/network/subnets/${n.podCidr.replace('/', '-')}`;
    const mac = n.name === wrongMacFor ? '02:00:00:00:00:99' : n.tunnel!.mac!;
    ctl(
      'put',
      `--lease=${leaseId}`,
      key,
      JSON.stringify({ PublicIP: n.underlayIp, PublicIPv6: null, BackendType: 'vxlan', BackendData: { VtepMAC: mac } }),
    );
  }
}

beforeAll(async () => {
  if (!haveEtcd) return;
  await startEtcd();
});
afterAll(() => {
  etcd?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function node(id: string, ip: string, cidr: string | null, mac: string | null): ClusterNode {
  return { id, name: id, underlayIps: [ip], underlayMacs: [], podCidr: cidr, vtepMac: mac, vtepIp: null, points: [], evidence: [] };
}

describeNeeding(['etcd', 'etcdctl'], 'flannel leases from a live etcd', () => {
  let table: FlannelLeaseTable;

  it('reads back what flanneld writes: config, one lease per node with PublicIP, backend and VtepMAC', () => {
    writeFlannelState(clusterA.nodes);
    const json = ctl('get', '--prefix', '/coreos.com/network', '-w', 'json');
    expect(json).toContain('"kvs"');
    table = parseEtcdLeases(json, 'etcd.json');
    expect(table.errors).toEqual([]);
    expect(table.prefix).toBe('/coreos.com/network');
    expect(table.config).toEqual({ network: '10.244.0.0/16', subnetLen: 24, backendType: 'vxlan', vni: 1, port: 8472 });
    const got = table.leases.map((l) => [l.subnet, l.publicIp, l.backendType, l.vtepMac]).sort();
    const want = clusterA.nodes.map((n) => [n.podCidr, n.underlayIp, 'vxlan', n.tunnel!.mac]).sort();
    expect(got).toEqual(want);
    expect(table.leases.every((l) => l.etcdLease !== null && l.modRevision! > 0)).toBe(true);
  });

  it('fills pod CIDR / VTEP MAC the traffic did not show and agrees silently when all is consistent', () => {
    const [n1, n2, n3] = clusterA.nodes;
    const nodes = [
      node(n1.name, n1.underlayIp, n1.podCidr, n1.tunnel!.mac!),
      node(n2.name, n2.underlayIp, null, null),
      node(n3.name, n3.underlayIp, n3.podCidr, null),
    ];
    const msgs: string[] = [];
    const out = checkLeases(nodes, [table], [{ nodes: [n1.name, n2.name], type: 'vxlan', vni: 1, port: 8472 }], (m) => msgs.push(m));
    expect(msgs).toEqual([]);
    expect(out[1].podCidr).toBe(n2.podCidr);
    expect(out[1].vtepMac).toBe(n2.tunnel!.mac);
    expect(out[2].vtepMac).toBe(n3.tunnel!.mac);
    expect(out[0].evidence.at(-1)?.reason).toMatch(/flannel lease 10\.244\.0\.0\/24/);
  });

  it('reports a stale lease (wrong VtepMAC), a lease for a node the traffic never saw, and a wrong VNI', () => {
    ctl('del', '--prefix', '/coreos.com/network');
    writeFlannelState(clusterA.nodes, clusterA.nodes[1].name);
    ctl(
      'put',
      '/coreos.com/network/subnets/10.244.9.0-24',
      JSON.stringify({ PublicIP: '192.168.56.99', BackendType: 'vxlan', BackendData: { VtepMAC: '02:00:00:00:00:42' } }),
    );
    const t = parseEtcdLeases(ctl('get', '--prefix', '/coreos.com/network/subnets', '-w', 'json'), 'leases.json');
    expect(t.leases).toHaveLength(4);
    expect(t.config).toBeNull();
    const nodes = clusterA.nodes.map((n) => node(n.name, n.underlayIp, n.podCidr, n.tunnel!.mac!));
    const msgs: string[] = [];
    checkLeases(
      nodes,
      [t, { ...table, leases: [], source: 'config.json' }],
      [{ nodes: [clusterA.nodes[0].name, clusterA.nodes[1].name], type: 'vxlan', vni: 7, port: 8472 }],
      (m) => msgs.push(m),
    );
    expect(msgs).toEqual([
      `leases.json: lease 10.244.1.0/24 says VtepMAC 02:00:00:00:00:99 but VXLAN traffic shows a-node2's VTEP as ${clusterA.nodes[1].tunnel!.mac}`,
      'leases.json: lease 10.244.9.0/24 (PublicIP 192.168.56.99) matches no node seen in the traffic',
    ]);
    const msgs2: string[] = [];
    checkLeases(nodes, [table], [{ nodes: [clusterA.nodes[0].name, clusterA.nodes[1].name], type: 'vxlan', vni: 7, port: 8472 }], (m) =>
      msgs2.push(m),
    );
    expect(msgs2.some((m) => /config says VNI 1 but a-node1's VXLAN traffic uses VNI 7/.test(m))).toBe(true);
  });
});

describeNeeding(['etcd', 'etcdctl'], 'flannel leases opened with the lab captures', () => {
  it("the etcdctl output beside cluster A's captures: leases agree with the traffic, a stale VtepMAC is reported", async () => {
    ctl('del', '--prefix', '/coreos.com/network');
    writeFlannelState(clusterA.nodes, clusterA.nodes[2].name);
    const leaseFile = join(dir, 'flannel-etcd.json');
    writeFileSync(leaseFile, ctl('get', '--prefix', '/coreos.com/network', '-w', 'json'));
    const files = (
      JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as { captures: { file: string; cluster: string }[] }
    ).captures
      .filter((c) => c.cluster === 'a')
      .map((c) => join(fixtures, 'captures', c.file));
    const a = await loadCaptureSet([...files, leaseFile]);
    expect(a.captures.map((c) => c.id)).not.toContain('flannel-etcd.json');
    for (const n of clusterA.nodes) {
      const m = a.model.nodes.find((x) => x.id === n.name)!;
      expect(m.podCidr).toBe(n.podCidr);
      expect(m.evidence.some((e) => e.reason.startsWith(`flannel lease ${n.podCidr} in flannel-etcd.json`))).toBe(true);
    }
    const dis = a.findings.filter((f) => f.code === 'enrichment-disagreement').map((f) => f.message);
    expect(dis).toEqual([
      `flannel-etcd.json: lease ${clusterA.nodes[2].podCidr} says VtepMAC 02:00:00:00:00:99 but VXLAN traffic shows a-node3's VTEP as ${clusterA.nodes[2].tunnel!.mac}`,
    ]);
  });
});

describe('flannel lease parsing: bad input', () => {
  it('gives clear errors and loses nothing it can read', () => {
    expect(parseEtcdLeases('not json', 'x.json').errors[0]).toMatch(/x\.json: not JSON/);
    expect(parseEtcdLeases('{"kvs": []}', 'x.json').errors[0]).toMatch(/no "header"/);
    const key = Buffer.from('/coreos.com/network/subnets/10.1.2.0-24').toString('base64');
    const good = Buffer.from(JSON.stringify({ PublicIP: '1.2.3.4', BackendType: 'udp' })).toString('base64');
    const text = JSON.stringify({
      header: { revision: 3 },
      kvs: [
        { key, value: good, mod_revision: 3 },
        { key: '%%%', value: good },
        { key, value: Buffer.from('[1]').toString('base64') },
      ],
    });
    const t = parseEtcdLeases(text, 'x.json');
    expect(t.leases).toEqual([
      { subnet: '10.1.2.0/24', publicIp: '1.2.3.4', publicIpv6: null, backendType: 'udp', vtepMac: null, etcdLease: null, modRevision: 3 },
    ]);
    expect(t.errors).toEqual([
      'x.json: kvs[1]: key or value is not base64',
      'x.json: /coreos.com/network/subnets/10.1.2.0-24: value is not a JSON object',
    ]);
  });

  it('reads a saved etcdctl output file without an etcd', () => {
    const d = mkdtempSync(join(tmpdir(), 'tv-lease-'));
    try {
      const key = Buffer.from('/coreos.com/network/subnets/10.1.2.0-24').toString('base64');
      writeFileSync(
        join(d, 'etcd.json'),
        JSON.stringify({ header: {}, kvs: [{ key, value: Buffer.from('{"PublicIP":"1.2.3.4"}').toString('base64') }] }),
      );
      expect(parseEtcdLeases(readFileSync(join(d, 'etcd.json'), 'utf8')).leases).toHaveLength(1);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
