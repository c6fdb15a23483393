// `tunnelvision topology` and `tunnelvision follow` as a user runs them, on the lab captures.
import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { captureFiles, flowsOf } from './lab';

const BIN = fileURLToPath(new URL('../../main/cli/bin.mjs', import.meta.url));
const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
};
const dir = mkdtempSync(join(tmpdir(), 'tv-cli-topo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tunnelvision topology / follow', () => {
  it('topology --json gives the model of cluster b', async () => {
    const r = await run('topology', ...captureFiles('b'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.model.nodes.map((n: { id: string; underlayIps: string[] }) => [n.id, n.underlayIps])).toEqual([
      ['b-node1', ['192.168.57.11']],
      ['b-node2', ['192.168.57.12']],
    ]);
    expect(j.model.tunnels[0]).toMatchObject({ type: 'flannel-udp', port: 8285 });
    expect(j.journeyCount).toBeGreaterThan(0);
  });

  it('topology text lists nodes, pods, tunnels and services, and names pods from kubectl output', async () => {
    const kube = join(dir, 'cluster.json');
    writeFileSync(
      kube,
      JSON.stringify({
        kind: 'List',
        items: [
          {
            kind: 'Pod',
            metadata: { name: 'coredns-x', namespace: 'kube-system' },
            spec: { nodeName: 'a-node3' },
            status: { podIP: '10.244.2.2' },
          },
          {
            kind: 'Service',
            metadata: { name: 'kube-dns', namespace: 'kube-system' },
            spec: { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] },
          },
          {
            kind: 'Node',
            metadata: { name: 'a-node1' },
            spec: { podCIDR: '10.244.9.0/24' },
            status: { addresses: [{ type: 'InternalIP', address: '192.168.56.11' }] },
          },
        ],
      }),
    );
    const r = await run('topology', ...captureFiles('a'), kube);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/a-node1\s+192\.168\.56\.11\s+\S+\s+pods 10\.244\.0\.0\/24/);
    expect(r.out).toMatch(/a-node1 ~ a-node2\s+VXLAN VNI 1 UDP 8472/);
    expect(r.out).toMatch(/10\.244\.2\.2 .*kube-system\/coredns-x/);
    expect(r.out).toMatch(/udp 10\.96\.0\.10:53\s+→\s+10\.244\.2\.2:53\s+NAT on a-node1\s+kube-system\/kube-dns/);
    // The kubectl file says a-node1's podCIDR is 10.244.9.0/24; the traffic says otherwise: reported.
    expect(r.out).toMatch(/enrichment-disagreement: a-node1: kubectl podCIDR 10\.244\.9\.0\/24 but the traffic shows 10\.244\.0\.0\/24/);
  });

  it('follow --flow prints the hop table, NAT and the drop point', async () => {
    const drop = flowsOf('a').find((f) => f.drop)!;
    const r = await run('follow', ...captureFiles('a'), '--flow', `${drop.client.ip} -> ${drop.server.ip}:${drop.server.port} udp`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 packets followed: 0 delivered, 2 dropped/);
    expect(r.out).toMatch(/DROPPED: last seen at hop 6, a-node3 flannel\.1/);
    const svc = await run('follow', ...captureFiles('a'), '--flow', '10.244.0.2 -> 10.96.0.10:53 udp', '--json');
    const j = JSON.parse(svc.out);
    expect(j.journeys).toHaveLength(2);
    expect(j.journeys[0].nat[0]).toMatchObject({
      kind: 'dnat',
      node: 'a-node1',
      between: ['a-node1-veth0d31a323.pcap', 'a-node1-cni0.pcap'],
    });
  });

  it('follow --packet follows one packet by its frame number', async () => {
    const r = await run('follow', ...captureFiles('a'), '--packet', 'a-node3-flannel.1.pcap#1');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Journey \d+: /);
    expect(r.out).toMatch(/a-node3-flannel\.1\.pcap#1 /);
  });

  it('says what is wrong instead of failing obscurely', async () => {
    expect((await run('follow', ...captureFiles('b'))).code).toBe(2);
    expect((await run('follow', ...captureFiles('b'), '--flow', '10.0.0.1 icmp')).err).toMatch(/flow spec must look like/);
    const none = await run('follow', ...captureFiles('b'), '--flow', '10.9.9.9 -> 10.9.9.8');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no flow matches/);
    const missing = await run('follow', ...captureFiles('b'), '--packet', 'nope.pcap#3');
    expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/no capture named 'nope\.pcap'/)]);
    const assign = await run('topology', ...captureFiles('b'), '--assign', 'nope.pcap=n9');
    expect([assign.code, assign.err]).toEqual([2, expect.stringMatching(/--assign: no capture named 'nope\.pcap'/)]);
    const bad = join(dir, 'garbage.pcap');
    writeFileSync(bad, 'this is not a capture');
    const g = await run('topology', bad, ...captureFiles('b'));
    expect(g.code).toBe(0);
    expect(g.out).toMatch(/! garbage\.pcap: /);
    // A capture with a header and no packet: listed as read, and alone it says why nothing follows.
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(1, 20);
    const empty = join(dir, 'header-only.pcap');
    writeFileSync(empty, header);
    expect((await run('topology', empty, ...captureFiles('b'))).out).toMatch(/- header-only\.pcap: no packets \(pcap\)/);
    const alone = await run('topology', empty);
    expect([alone.code, alone.err]).toEqual([1, expect.stringMatching(/the captures given hold no packets/)]);
  });
});
