// The Calico lab's captures are what calico-manifest.json says, checked with tshark (an independent
// decoder): proxy ARP for 169.254.1.1 on every cali* veth, pod traffic on eth0 unencapsulated with pod
// addresses in routed mode and VXLAN VNI 4096 on UDP 4789 between node addresses in VXLAN mode, BGP
// only between node addresses, the `-i any` captures in Linux cooked v2 framing.
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describeNeeding } from '../tools';

const root = fileURLToPath(new URL('../..', import.meta.url));
const m = JSON.parse(readFileSync(join(root, 'fixtures/calico-manifest.json'), 'utf8'));

function rows(file: string, filter: string, fields: string[]): string[][] {
  const r = spawnSync('tshark', ['-n', '-r', join(root, file), '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}

describeNeeding(['tshark'], 'Calico lab captures (tshark)', () => {
  it('every pod asks for 169.254.1.1 and the host side answers with ee:ee:ee:ee:ee:ee (proxy ARP)', () => {
    for (const p of [...m.pods, ...m.vxlan.pods]) {
      const c = [...m.captures, ...m.vxlan.captures].find((x: { interface: string }) => x.interface === p.veth);
      const req = rows(c.file, 'arp.opcode == 1 && arp.dst.proto_ipv4 == 169.254.1.1', ['eth.src', 'arp.src.proto_ipv4']);
      const rep = rows(c.file, 'arp.opcode == 2 && arp.src.proto_ipv4 == 169.254.1.1', ['arp.src.hw_mac', 'eth.dst']);
      expect(req.length, p.name).toBeGreaterThan(0);
      expect(req[0]).toEqual([p.mac, p.ip]);
      expect(rep[0]).toEqual(['ee:ee:ee:ee:ee:ee', p.mac]);
    }
  });

  it('routed mode: pod packets on eth0 carry pod addresses, no encapsulation, between node MACs', () => {
    const podIps = new Set(m.pods.map((p: { ip: string }) => p.ip));
    const macs = new Set(m.nodes.map((n: { underlayMac: string }) => n.underlayMac));
    let n = 0;
    for (const c of m.captures.filter((x: { kind: string }) => x.kind === 'underlay')) {
      for (const [src, dst, protos, esrc, edst] of rows(c.file, 'ip.src == 192.168.0.0/16', [
        'ip.src',
        'ip.dst',
        'frame.protocols',
        'eth.src',
        'eth.dst',
      ])) {
        expect(podIps.has(src) && podIps.has(dst), `${src} > ${dst}`).toBe(true);
        expect(protos).not.toMatch(/vxlan|:ip:.*:ip:/);
        expect(macs.has(esrc) && macs.has(edst)).toBe(true);
        n++;
      }
    }
    expect(n).toBeGreaterThan(20);
  });

  it('BGP (TCP 179) only between node addresses; the OPENs carry AS 64512', () => {
    const nodeIps = new Set(m.nodes.map((n: { underlayIp: string }) => n.underlayIp));
    let opens = 0;
    for (const c of m.captures.filter((x: { kind: string }) => x.kind === 'underlay')) {
      for (const [src, dst, as] of rows(c.file, 'tcp.port == 179', ['ip.src', 'ip.dst', 'bgp.open.myas'])) {
        expect(nodeIps.has(src) && nodeIps.has(dst)).toBe(true);
        if (as) {
          expect(as).toBe(String(m.cluster.asNumber));
          opens++;
        }
      }
    }
    expect(opens).toBe(2 * 2 * m.bgp.sessions.length); // each OPEN seen on both ends' NICs
  });

  it('VXLAN mode: pod packets on eth0 are VXLAN VNI 4096 on UDP 4789 between the node addresses', () => {
    const nodeIps = new Set(m.vxlan.nodes.map((n: { underlayIp: string }) => n.underlayIp));
    let n = 0;
    for (const c of m.vxlan.captures.filter((x: { kind: string }) => x.kind === 'underlay')) {
      for (const [outer, vni, port] of rows(c.file, 'ip.dst == 192.168.0.0/16', ['ip.src', 'vxlan.vni', 'udp.dstport'])) {
        const [osrc] = outer.split(',');
        expect(nodeIps.has(osrc)).toBe(true);
        expect([vni, port]).toEqual(['4096', '4789']);
        n++;
      }
    }
    expect(n).toBeGreaterThan(10);
  });

  it('the -i any captures are Linux cooked v2 with several interfaces of their node', () => {
    for (const c of m.anyCaptures) {
      const r = rows(c.file, 'sll', ['sll.ifindex']);
      expect(r.length).toBeGreaterThan(10);
      expect(new Set(r.map((x) => x[0])).size).toBeGreaterThan(1);
    }
  });
});
