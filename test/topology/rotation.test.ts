// Captures split in pieces and captures that did not run the whole time (fixtures/captures/review2, made
// by the kernel in network namespaces, see fixtures/README.md): a capture point rotated over several
// files is one place on one node, and a capture is known to run only between its first and last packet.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { attributionFromFileName, isRotationPiece } from '../../main/topology/naming';
import { formatTopology } from '../../main/topology/text';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review2');
const set = (name: string): string[] => readdirSync(join(DIR, name)).map((f) => join(DIR, name, f));
const N1 = 'aks-nodepool1-31415926-vmss000001';
const N2 = 'aks-nodepool1-31415926-vmss000002';

describe('names of rotated pieces', () => {
  it('reads the node and interface through the piece numbers and times rotation adds', () => {
    const cases: [string, string | null, string | null][] = [
      // tcpdump -C: a number after the extension
      ['worker-1-eth0.pcap1', 'worker-1', 'eth0'],
      ['worker-1-eth0.pcap12', 'worker-1', 'eth0'],
      ['worker-1-eth0.pcap3.gz', 'worker-1', 'eth0'],
      // dumpcap / tshark -b: piece number and start time
      [`${N2}_eth0_00004_20261207122425.pcapng`, N2, 'eth0'],
      // tcpdump -G with a strftime name
      [`${N1}_eth0_20261207-122412.pcap`, N1, 'eth0'],
      // flannel's IPv6 VXLAN device
      ['v6-node1-flannel-v6.1.pcap', 'v6-node1', 'flannel-v6.1'],
    ];
    for (const [file, node, iface] of cases) {
      const a = attributionFromFileName(file);
      expect([a.node, a.interface], file).toEqual([node, iface]);
    }
  });
});

describe('one piece of a rotated NIC capture given alone (eth0.pcap2 of tcpdump -C, beside the bridge and flannel.1)', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('extern'));
  });

  it('counts the piece as capturing only between its first and last packet: no drop of what passed before it began', () => {
    expect(isRotationPiece('x/aks-eth0.pcap2')).toBe(true);
    expect(isRotationPiece('n3_eth0_00004_20261207122425.pcapng')).toBe(true);
    expect(isRotationPiece('worker-1-eth0.pcap')).toBe(false);
    expect(isRotationPiece('worker-1_eth0_2026-12-07.pcap')).toBe(false);
    // This service connection went out through flannel.1 before eth0.pcap2 was started.
    expect(a.findings.filter((f) => f.code === 'dropped').map((f) => f.message)).toEqual([]);
    const j = Array.from({ length: a.journeys.count }, (_, k) => a.journeys.get(k)).filter((x) =>
      x.flow.startsWith('tcp 10.244.1.2:38224 > 10.244.2.2:8080'),
    );
    expect(j.length).toBeGreaterThan(0);
    for (const x of j) {
      expect(x.status).not.toBe('dropped');
      for (const g of x.gaps) if (g.point?.endsWith('eth0.pcap2')) expect(g.reason).not.toMatch(/although it was capturing/);
    }
  });
});

describe('a dumpcap ring buffer of one NIC (five pieces) beside the bridge', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('ring'));
  });

  it('puts every piece on the one node as its eth0, and makes no node of a piece', () => {
    for (const p of a.points) expect([p.node, p.interface], p.id).toEqual([N2, /_eth0_/.test(p.id) ? 'eth0' : 'cni0']);
    expect(a.model.nodes.filter((n) => n.id.includes('_eth0_')).map((n) => n.id)).toEqual([]);
    expect(a.findings.filter((f) => /captured twice/.test(f.message)).map((f) => f.message)).toEqual([]);
  });

  it('gives no figure for a clock it cannot time (the nodes seen only as tunnel ends)', () => {
    const untimed = a.clockOffsets.filter((o) => o.method === 'none');
    expect(untimed.length).toBeGreaterThan(0);
    const text = formatTopology(a);
    const clocks = text.slice(text.indexOf('Clock offsets'));
    for (const o of untimed) {
      const line = clocks.split('\n').find((l) => l.trimStart().startsWith(`${o.node} `))!;
      expect(line, o.node).toMatch(/unknown/);
      expect(line, o.node).not.toMatch(/\+0 ns|vs /);
    }
  });
});

describe('a tcpdump -G rotation of one NIC (six pieces) beside the bridge', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('g-rotate'));
  });

  it('places the pieces on the one node as one underlay interface, without advice to reassign them', () => {
    const pieces = a.points.filter((p) => /_eth0_/.test(p.id));
    expect(pieces).toHaveLength(6);
    for (const p of pieces) expect([p.node, p.interface, p.kind], p.id).toEqual([N1, 'eth0', 'underlay']);
    expect(a.findings.filter((f) => /captured twice|assign it/.test(f.message)).map((f) => f.message)).toEqual([]);
  });
});
