import { describe, expect, it } from 'vitest';
import { compileFilter, FIELDS, formatIpv4, parseFilter, parseIpv4, type FilterResolver, type Level } from '../../common/filter';

// A tiny table of packets standing in for the backend's columns: each packet has an outer and an
// inner level (equal when there is no tunnel), like the engine's PacketSummary.
interface P {
  outer: Record<string, number>;
  inner: Record<string, number>;
  vni?: number;
  node: string;
  pod?: [string | null, string | null];
  tunnel: string;
}
const ip = (s: string) => parseIpv4(s)!.addr;
const packets: P[] = [
  // 0: VXLAN between nodes carrying ICMP 10.42.0.5 -> 10.42.1.7
  {
    outer: { 'ip.src': ip('192.168.50.10'), 'ip.dst': ip('192.168.50.11'), 'udp.srcport': 41234, 'udp.dstport': 8472, 'ip.proto': 17 },
    inner: { 'ip.src': ip('10.42.0.5'), 'ip.dst': ip('10.42.1.7'), 'ip.proto': 1, 'icmp.type': 8 },
    vni: 1,
    node: 'node1',
    pod: ['web-0', 'db-0'],
    tunnel: 'vxlan',
  },
  // 1: plain TCP pod to service port 80 on node2
  {
    outer: {
      'ip.src': ip('10.42.1.7'),
      'ip.dst': ip('10.42.1.9'),
      'tcp.srcport': 5555,
      'tcp.dstport': 80,
      'ip.proto': 6,
      'tcp.flags.syn': 1,
    },
    inner: {
      'ip.src': ip('10.42.1.7'),
      'ip.dst': ip('10.42.1.9'),
      'tcp.srcport': 5555,
      'tcp.dstport': 80,
      'ip.proto': 6,
      'tcp.flags.syn': 1,
    },
    node: 'node2',
    pod: ['db-0', null],
    tunnel: 'none',
  },
  // 2: ARP, no IP at all
  { outer: {}, inner: {}, node: 'node1', tunnel: 'none' },
];
const resolver: FilterResolver = {
  num(slot: string, level: Level) {
    return (i) => {
      const p = packets[i];
      if (slot === 'vxlan.vni') return p.vni ?? Number.NaN;
      if (slot === 'has.vxlan') return p.tunnel === 'vxlan' ? 1 : 0;
      if (slot === 'has.tcp') return p.outer['ip.proto'] === 6 || p.inner['ip.proto'] === 6 ? 1 : 0;
      if (slot === 'has.icmp') return p.inner['ip.proto'] === 1 ? 1 : 0;
      if (slot === 'has.arp') return p.outer['ip.src'] === undefined ? 1 : 0;
      const lv = level === 'inner' ? p.inner : p.outer;
      return lv[slot] ?? Number.NaN;
    };
  },
  str(slot: string) {
    return (i) => {
      const p = packets[i];
      if (slot === 'node') return p.node;
      if (slot === 'tunnel') return p.tunnel;
      if (slot === 'pod.src') return p.pod?.[0] ?? null;
      if (slot === 'pod.dst') return p.pod?.[1] ?? null;
      return null;
    };
  },
};
function matches(text: string): number[] {
  const r = parseFilter(text);
  if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
  const pred = compileFilter(r.ast, resolver);
  return packets.map((_, i) => i).filter(pred);
}
function error(text: string) {
  const r = parseFilter(text);
  if (r.ok) throw new Error(`expected an error for ${text}`);
  return r.error;
}

describe('display filter language', () => {
  it('evaluates the examples of the product brief', () => {
    expect(matches('ip.src == 10.42.0.5 && vxlan.vni == 1')).toEqual([0]);
    expect(matches('tcp.port == 80')).toEqual([1]);
    expect(matches('outer.udp.dstport == 8472')).toEqual([0]);
    expect(matches('inner.ip.dst == 10.42.1.7')).toEqual([0]);
    expect(matches('pod == "web-0"')).toEqual([0]);
    expect(matches('node == "node1"')).toEqual([0, 2]);
    expect(matches('')).toEqual([0, 1, 2]);
  });

  it('respects the level prefixes: an inner address is not an outer one', () => {
    expect(matches('outer.ip.src == 10.42.0.5')).toEqual([]);
    expect(matches('ip.src == 10.42.0.5')).toEqual([0]);
    expect(matches('outer.ip.addr == 192.168.50.0/24')).toEqual([0]);
    expect(matches('inner.ip.addr == 192.168.50.0/24')).toEqual([]);
  });

  it('handles CIDR, comparisons, keywords, presence, not and parentheses', () => {
    expect(matches('ip.addr == 10.42.1.0/24')).toEqual([0, 1]);
    expect(matches('ip.addr == 10.42.1.0/24 and not vxlan')).toEqual([1]);
    expect(matches('!(udp.port == 8472) && ip')).toEqual([]); // no 'has.ip' slot in this resolver
    expect(matches('!(udp.port == 8472)')).toEqual([1, 2]);
    expect(matches('tcp.dstport >= 80 && tcp.dstport le 80')).toEqual([1]);
    expect(matches('tcp || arp')).toEqual([1, 2]);
    expect(matches('tcp.flags.syn')).toEqual([1]);
    expect(matches('vxlan.vni')).toEqual([0]);
    expect(matches('pod contains "DB"')).toEqual([0, 1]);
    expect(matches('NODE eq node2')).toEqual([1]);
    expect(matches('icmp or (tcp and tcp.port == 81)')).toEqual([0]);
  });

  it("gives != Wireshark's meaning: present and no occurrence equal", () => {
    // the ARP packet has no ip.src: != does not match it
    expect(matches('ip.src != 10.42.1.7')).toEqual([0]);
    expect(matches('!(ip.src == 10.42.1.7)')).toEqual([0, 2]);
  });

  it('reports errors with their position', () => {
    expect(error('ip.src == ')).toMatchObject({ message: expect.stringContaining('value is expected'), start: 10 });
    const unknown = error('ip.source == 10.0.0.1');
    expect(unknown.message).toContain('unknown field "ip.source"');
    expect(unknown.message).toContain('ip.src');
    expect([unknown.start, unknown.end]).toEqual([0, 9]);
    expect(error('ip.src == 10.0.0.300').message).toContain('not an IPv4 address');
    expect(error('ip.src = 10.0.0.1')).toMatchObject({ message: 'use == to compare', start: 7 });
    expect(error('(tcp')).toMatchObject({ message: 'missing ")"' });
    expect(error('tcp)').message).toContain('unbalanced');
    expect(error('tcp udp').message).toContain('join tests');
    expect(error('tcp.port == http').message).toContain('is a number');
    expect(error('pod == "web').message).toContain('unterminated string');
    expect(error('outer.node == x').message).toContain('no outer/inner');
    expect(error('ip.src > 10.0.0.1').message).toContain('== or !=');
    expect(error('tcp.port contains 8').message).toContain('text fields');
    expect(error('&& tcp').message).toContain('field name was expected');
    expect(error('ip.src 10.0.0.1').message).toContain('operator');
  });

  it('never throws on arbitrary input', () => {
    const alphabet = 'ip.src=!&|()"<> 10.42.0.5/tcp port vni inner.outer.';
    let seed = 7;
    for (let n = 0; n < 3000; n++) {
      let s = '';
      const len = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 30;
      for (let k = 0; k < len; k++) s += alphabet[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % alphabet.length];
      const r = parseFilter(s);
      if (r.ok) compileFilter(r.ast, resolver)(0);
      else expect(r.error.end).toBeGreaterThan(r.error.start);
    }
  });

  it('parses and formats IPv4 consistently', () => {
    expect(formatIpv4(parseIpv4('10.42.1.7')!.addr)).toBe('10.42.1.7');
    expect(parseIpv4('10.42.1.7/16')).toEqual({ addr: ip('10.42.0.0'), mask: 0xffff0000 });
    expect(parseIpv4('1.2.3')).toBeNull();
    expect(Object.values(FIELDS).every((s) => s.slots.length > 0)).toBe(true);
  });
});
