// Hand-built packets, decoded byte by byte: the layer stack (gopacket checkLayers style) with levels,
// the fields that matter, anomalies for broken input, and the fast path agreeing with the full decode.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodePacket,
  describePacket,
  summarize,
  parseDecodeAs,
  PacketSummary,
  SummaryFlag,
  TunnelKind,
  type DecodedPacket,
  type DecodeOptions,
} from '../../../main/engine/decode/index';
import { LinkType } from '../../../main/engine/types';
import { arpRequest, bytes, dnsAnswerA, dnsQuery, eth, geneve, gre, icmpEcho, ipv4, ipv6, tcp, udp, vlan, vxlan } from './build';

/** Asserts the layer stack as "proto@level" entries, and that byte ranges nest inside the packet. */
function checkLayers(d: DecodedPacket, expected: string[], len: number): void {
  expect(d.layers.map((l) => `${l.proto}@${l.level}`)).toEqual(expected);
  let prev = 0;
  for (const l of d.layers) {
    expect(l.offset).toBeGreaterThanOrEqual(prev);
    expect(l.offset + l.length).toBeLessThanOrEqual(len);
    prev = l.offset;
  }
}
function field(d: DecodedPacket, proto: string, name: string, nth = 0) {
  const l = d.layers.filter((x) => x.proto === proto)[nth];
  const walk = (fs: typeof l.fields): unknown => {
    for (const f of fs) {
      if (f.name === name) return f.value;
      const c = f.children ? walk(f.children) : undefined;
      if (c !== undefined) return c;
    }
    return undefined;
  };
  return l ? walk(l.fields) : undefined;
}
/** The fast path must give exactly the summary of the full decode (same decoders, same code path). */
/** ... and describePacket the same info line and protocol as the full decode. */
function sameSummary(data: Uint8Array, linktype: number, opts?: DecodeOptions, origLen?: number): PacketSummary {
  const d = decodePacket(data, linktype, opts, origLen);
  const full = d.summary;
  const s = new PacketSummary();
  summarize(data, linktype, s, opts, origLen);
  const plain = (x: PacketSummary) => ({ ...x, outer: { ...x.outer }, inner: { ...x.inner } });
  expect(plain(s)).toEqual(plain(full));
  const t = new PacketSummary();
  expect(describePacket(data, linktype, t, opts, origLen)).toEqual({ info: d.info, protocol: d.protocol });
  expect(plain(t)).toEqual(plain(full));
  return s;
}
const codes = (d: DecodedPacket) => d.anomalies.map((a) => a.code);

describe('tunnels', () => {
  it('IP-in-IP (Calico IPIP): inner IPv4 one level deeper', () => {
    const p = eth(
      0x0800,
      ipv4(
        { src: '192.168.1.10', dst: '192.168.1.11', proto: 4 },
        ipv4({ src: '10.244.1.5', dst: '10.244.2.7', proto: 17 }, udp(40000, 53, dnsQuery(0x1234, 'kubernetes.default.svc.cluster.local'))),
      ),
    );
    const d = decodePacket(p, LinkType.ETHERNET);
    checkLayers(d, ['eth@0', 'ip@0', 'ip@1', 'udp@1', 'dns@1'], p.length);
    expect(d.anomalies).toEqual([]);
    expect(d.levels).toBe(2);
    const s = sameSummary(p, LinkType.ETHERNET);
    expect(s.tunnel).toBe(TunnelKind.IPIP);
    expect(s.ipCount).toBe(2);
    expect(s.outer.src4).toBe(0xc0a8010a);
    expect(s.inner.src4).toBe(0x0af40105);
    expect(s.outer.proto).toBe(4);
    expect([s.inner.srcPort, s.inner.dstPort]).toEqual([40000, 53]);
    expect(s.outer.srcPort).toBe(-1);
    expect(s.dnsId).toBe(0x1234);
    expect(d.info).toBe('Standard query 0x1234 A kubernetes.default.svc.cluster.local');
  });

  it('IPv6 in IPv4 (41)', () => {
    const p = eth(0x0800, ipv4({ proto: 41 }, ipv6({ nxt: 17 }, udp(1, 2, new Uint8Array(4)))));
    const d = decodePacket(p, LinkType.ETHERNET);
    checkLayers(d, ['eth@0', 'ip@0', 'ipv6@1', 'udp@1', 'data@1'], p.length);
    const s = sameSummary(p, LinkType.ETHERNET);
    expect(s.tunnel).toBe(TunnelKind.IP6IN4);
    expect(s.inner.version).toBe(6);
    expect(p[s.inner.srcOffset]).toBe(0xfd);
  });

  it('Geneve with options: options tile the option area, inner Ethernet via protocol 0x6558', () => {
    const inner = eth(0x0800, ipv4({ src: '30.0.0.1', dst: '30.0.0.2', proto: 6 }, tcp(51225, 22, 0x02, [2, 4, 5, 0xb4, 1, 3, 3, 7])));
    const p = eth(
      0x0800,
      ipv4(
        { src: '20.0.0.1', dst: '20.0.0.2', proto: 17 },
        udp(
          12618,
          6081,
          geneve(
            0xabcdef,
            0x6558,
            [
              [0x0102, 0x80, 1],
              [0xffff, 0x01, 2],
            ],
            inner,
          ),
        ),
      ),
    );
    const d = decodePacket(p, LinkType.ETHERNET);
    checkLayers(d, ['eth@0', 'ip@0', 'udp@0', 'geneve@0', 'eth@1', 'ip@1', 'tcp@1'], p.length);
    expect(field(d, 'geneve', 'geneve.vni')).toBe(0xabcdef);
    expect(field(d, 'geneve', 'geneve.options_len')).toBe(20);
    expect(d.layers[3].fields.filter((f) => f.name === 'geneve.option').length).toBe(2);
    expect(d.layers[3].length).toBe(28);
    expect(field(d, 'tcp', 'tcp.options.mss_val')).toBe(1460);
    expect(field(d, 'tcp', 'tcp.options.wscale.shift')).toBe(7);
    expect(d.anomalies).toEqual([]);
    const s = sameSummary(p, LinkType.ETHERNET);
    expect([s.tunnel, s.vni, s.tunnelSrcPort, s.levels]).toEqual([TunnelKind.GENEVE, 0xabcdef, 12618, 2]);
    expect(s.inner.tcpFlags).toBe(0x02);
    expect(s.innerEthOffset).toBe(14 + 20 + 8 + 28);
  });

  it('Geneve option running past the option area is flagged bad-option', () => {
    const g = geneve(5, 0x0800, [[1, 1, 1]], ipv4({ proto: 17 }, udp(1, 2, new Uint8Array(2))));
    g[8 + 3] = 5; // option claims 5 words but the area holds 1
    const d = decodePacket(eth(0x0800, ipv4({ proto: 17 }, udp(1, 6081, g))), LinkType.ETHERNET);
    expect(codes(d)).toContain('bad-option');
  });

  it('GRE with key and sequence: key becomes the tunnel id, payload through the ethertype table', () => {
    const p = eth(
      0x0800,
      ipv4(
        { proto: 47 },
        gre(0x0800, ipv4({ src: '172.16.0.1', dst: '172.16.0.2', proto: 1 }, icmpEcho(8, 7, 1)), { key: 0x1234, seq: 9, checksum: true }),
      ),
    );
    const d = decodePacket(p, LinkType.ETHERNET);
    checkLayers(d, ['eth@0', 'ip@0', 'gre@0', 'ip@1', 'icmp@1', 'data@1'], p.length);
    expect(field(d, 'gre', 'gre.key')).toBe(0x1234);
    expect(field(d, 'gre', 'gre.sequence_number')).toBe(9);
    expect(d.layers[2].length).toBe(16);
    const s = sameSummary(p, LinkType.ETHERNET);
    expect([s.tunnel, s.vni, s.inner.icmpType, s.inner.icmpId, s.inner.icmpSeq]).toEqual([TunnelKind.GRE, 0x1234, 8, 7, 1]);
  });

  it('VXLAN with an IPv6 inner packet', () => {
    const inner = eth(0x86dd, ipv6({ nxt: 6, hlim: 63 }, tcp(443, 55000, 0x12)));
    const p = eth(0x0800, ipv4({ proto: 17 }, udp(33333, 4789, vxlan(42, inner))));
    const d = decodePacket(p, LinkType.ETHERNET);
    checkLayers(d, ['eth@0', 'ip@0', 'udp@0', 'vxlan@0', 'eth@1', 'ipv6@1', 'tcp@1'], p.length);
    const s = sameSummary(p, LinkType.ETHERNET);
    expect([s.tunnel, s.vni, s.tunnelSrcPort]).toEqual([TunnelKind.VXLAN, 42, 33333]);
    expect([s.outer.version, s.inner.version, s.inner.ttl, s.inner.srcPort]).toEqual([4, 6, 63, 443]);
    expect(d.protocol).toBe('TCP');
  });

  it('VXLAN on 8472 (flannel) and user decode-as on another port', () => {
    const inner = eth(0x0806, arpRequest('10.244.1.1', '10.244.1.2'));
    const p8472 = eth(0x0800, ipv4({ proto: 17 }, udp(40000, 8472, vxlan(1, inner))));
    expect(decodePacket(p8472, 1).layers.map((l) => l.proto)).toContain('vxlan');
    const p9999 = eth(0x0800, ipv4({ proto: 17 }, udp(40000, 9999, vxlan(1, inner))));
    expect(decodePacket(p9999, 1).layers.map((l) => l.proto)).not.toContain('vxlan');
    const opts = { decodeAs: [parseDecodeAs('udp:9999=vxlan')] };
    expect(decodePacket(p9999, 1, opts).layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'udp', 'vxlan', 'eth', 'arp']);
    sameSummary(p9999, 1, opts);
    // and the user can turn a built-in port off
    const off = { decodeAs: [parseDecodeAs('udp:8472=data')] };
    expect(decodePacket(p8472, 1, off).layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'udp', 'data']);
    expect(() => parseDecodeAs('udp:8472=nonsense')).toThrow(/unknown protocol/);
    expect(() => parseDecodeAs('8472')).toThrow(/udp:PORT=PROTO/);
  });

  it('flannel UDP backend (8285): bare IPv4 in UDP', () => {
    const p = eth(
      0x0800,
      ipv4(
        { src: '192.168.50.10', dst: '192.168.50.11', proto: 17 },
        udp(8285, 8285, ipv4({ src: '10.1.15.2', dst: '10.1.20.3', proto: 1 }, icmpEcho(8, 1, 1))),
      ),
    );
    const d = decodePacket(p, 1);
    checkLayers(d, ['eth@0', 'ip@0', 'udp@0', 'flannel@0', 'ip@1', 'icmp@1', 'data@1'], p.length);
    const s = sameSummary(p, 1);
    expect([s.tunnel, s.tunnelSrcPort, s.inner.src4]).toEqual([TunnelKind.FLANNEL_UDP, 8285, 0x0a010f02]);
  });

  it('raw IP link type (flannel0 TUN) picks the decoder from the version nibble', () => {
    const v4 = ipv4({ proto: 1 }, icmpEcho(0, 1, 2));
    expect(decodePacket(v4, LinkType.RAW).layers.map((l) => l.proto)).toEqual(['ip', 'icmp', 'data']);
    const v6 = ipv6({ nxt: 58 }, icmpEcho(128, 1, 2));
    expect(decodePacket(v6, LinkType.RAW).layers.map((l) => l.proto)).toEqual(['ipv6', 'icmpv6', 'data']);
    expect(decodePacket(v6, LinkType.RAW_BSD12).layers.map((l) => l.proto)).toEqual(['ipv6', 'icmpv6', 'data']);
    const bad = decodePacket(new Uint8Array([0x20, 0, 0, 0]), LinkType.RAW);
    expect(codes(bad)).toEqual(['bad-version']);
    expect(bad.summary.flags & SummaryFlag.MALFORMED).toBeTruthy();
  });

  it('WireGuard is recognised and labelled encrypted', () => {
    const wg = new Uint8Array(64);
    wg[0] = 4;
    wg[4] = 0x78;
    wg[5] = 0x56;
    const p = eth(0x0800, ipv4({ proto: 17 }, udp(51820, 51820, wg)));
    const d = decodePacket(p, 1);
    checkLayers(d, ['eth@0', 'ip@0', 'udp@0', 'wireguard@0'], p.length);
    expect(d.info).toMatch(/Transport Data.*encrypted/);
    const s = sameSummary(p, 1);
    expect(s.flags & SummaryFlag.ENCRYPTED).toBeTruthy();
    expect([s.tunnel, s.levels]).toEqual([TunnelKind.WIREGUARD, 1]);
  });

  it('ERSPAN type II in GRE reaches the mirrored Ethernet frame', () => {
    const mirrored = eth(0x0800, ipv4({ proto: 17 }, udp(1000, 2000, new Uint8Array(10))));
    const erspan = bytes([0x10, 0x00, 0x00, 0x05, 0, 0, 0, 1], mirrored);
    const p = eth(0x0800, ipv4({ proto: 47 }, gre(0x88be, erspan, { seq: 1 })));
    const d = decodePacket(p, 1);
    checkLayers(d, ['eth@0', 'ip@0', 'gre@0', 'erspan@0', 'eth@1', 'ip@1', 'udp@1', 'data@1'], p.length);
    expect(field(d, 'erspan', 'erspan.spanid')).toBe(5);
  });
});

describe('link layers', () => {
  it('QinQ: 802.1ad S-tag then 802.1Q C-tag, and three stacked tags', () => {
    const p = eth(0x88a8, vlan(200, 0x8100, vlan(2001, 0x0800, ipv4({ proto: 17 }, udp(5, 6, new Uint8Array(4))))));
    const d = decodePacket(p, 1);
    checkLayers(d, ['eth@0', 'vlan@0', 'vlan@0', 'ip@0', 'udp@0', 'data@0'], p.length);
    expect(field(d, 'vlan', 'vlan.tpid', 0)).toBe(0x88a8);
    expect(field(d, 'vlan', 'vlan.id', 1)).toBe(2001);
    const s = sameSummary(p, 1);
    expect([s.vlanId, s.vlanCount]).toEqual([200, 2]);
    const q3 = eth(0x8100, vlan(1, 0x8100, vlan(2, 0x8100, vlan(3, 0x0806, arpRequest('10.0.0.1', '10.0.0.2')))));
    expect(decodePacket(q3, 1).layers.map((l) => l.proto)).toEqual(['eth', 'vlan', 'vlan', 'vlan', 'arp']);
  });

  it('SLL, SLL2 and NULL/LOOP in both byte orders', () => {
    const ip = ipv4({ proto: 17 }, udp(1, 2, new Uint8Array(2)));
    const sll = bytes([0, 4, 0, 1, 0, 6], [1, 2, 3, 4, 5, 6, 0, 0], [0x08, 0x00], ip);
    expect(decodePacket(sll, LinkType.LINUX_SLL).layers.map((l) => l.proto)).toEqual(['sll', 'ip', 'udp', 'data']);
    const sll2 = bytes([0x08, 0x00, 0, 0], [0, 0, 0, 7], [0, 1, 0, 6], [1, 2, 3, 4, 5, 6, 0, 0], ip);
    const d2 = decodePacket(sll2, LinkType.LINUX_SLL2);
    expect(d2.layers.map((l) => l.proto)).toEqual(['sll2', 'ip', 'udp', 'data']);
    expect(field(d2, 'sll2', 'sll.ifindex')).toBe(7);
    const tagged = bytes([0x81, 0x00, 0, 0], [0, 0, 0, 7], [0, 1, 0, 6], [1, 2, 3, 4, 5, 6, 0, 0], vlan(9, 0x0800, ip));
    const dv = decodePacket(tagged, LinkType.LINUX_SLL2);
    expect(dv.layers[1].fields.find((f) => f.name === 'vlan.tpid')).toMatchObject({ value: 0x8100, offset: 0, length: 2 });
    const s2 = sameSummary(sll2, LinkType.LINUX_SLL2);
    expect([s2.cookedIfIndex, s2.cookedPktType, s2.cookedHatype, s2.cookedSrcHi, s2.cookedSrcLo]).toEqual([7, 0, 1, 0x0102, 0x03040506]);
    const s1 = sameSummary(sll, LinkType.LINUX_SLL);
    expect([s1.cookedIfIndex, s1.cookedPktType, s1.cookedHatype]).toEqual([-1, 4, 1]);
    for (const hdr of [
      [2, 0, 0, 0],
      [0, 0, 0, 2],
    ])
      expect(decodePacket(bytes(hdr, ip), LinkType.NULL).layers.map((l) => l.proto)).toEqual(['null', 'ip', 'udp', 'data']);
    expect(decodePacket(bytes([0, 0, 0, 2], ip), LinkType.LOOP).layers.map((l) => l.proto)).toEqual(['null', 'ip', 'udp', 'data']);
    const v6 = ipv6({ nxt: 59 }, new Uint8Array(0));
    expect(decodePacket(bytes([30, 0, 0, 0], v6), LinkType.NULL).layers.map((l) => l.proto)).toEqual(['null', 'ipv6']);
  });

  it('an unknown link type is listed as undecoded with the reason', () => {
    const d = decodePacket(new Uint8Array(40), 147);
    expect(d.layers.map((l) => [l.proto, l.offset, l.length])).toEqual([['data', 0, 40]]);
    expect(d.undecoded).toMatch(/link type 147 has no decoder/);
    expect(codes(d)).toEqual(['unknown-link-type']);
    const s = sameSummary(new Uint8Array(40), 147);
    expect(s.flags & SummaryFlag.UNDECODED).toBeTruthy();
  });

  it('an unknown ethertype is shown as data with a warning', () => {
    const d = decodePacket(eth(0x88b5, new Uint8Array(20)), 1);
    expect(d.layers.map((l) => l.proto)).toEqual(['eth', 'data']);
    expect(d.anomalies.map((a) => [a.code, a.severity])).toEqual([['unknown-next-protocol', 'warning']]);
  });
});

describe('IP details', () => {
  it('IPv4 options, checksum and fragments', () => {
    const withOpts = eth(0x0800, ipv4({ proto: 17, options: [148, 4, 0, 0] }, udp(1, 2, new Uint8Array(0))));
    const d = decodePacket(withOpts, 1);
    expect(d.anomalies).toEqual([]);
    expect(d.layers[1].length).toBe(24);
    expect(d.layers[1].fields.some((f) => f.name === 'ip.opt.type' && f.label === 'Router Alert')).toBe(true);
    const bad = decodePacket(eth(0x0800, ipv4({ proto: 17, badChecksum: true }, udp(1, 2, new Uint8Array(0)))), 1);
    expect(bad.anomalies.map((a) => [a.code, a.severity])).toEqual([['bad-checksum', 'warning']]);
    expect(bad.summary.flags & SummaryFlag.BAD_CHECKSUM).toBeTruthy();
    const frag = decodePacket(eth(0x0800, ipv4({ proto: 17, fragOffset: 6 }, new Uint8Array(16))), 1);
    expect(frag.layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'data']);
    expect(frag.info).toMatch(/Fragmented IP protocol.*off=48/);
    expect(frag.summary.flags & SummaryFlag.FRAGMENT).toBeTruthy();
  });

  it('IPv6 extension header chain: hop-by-hop, routing, fragment, destination options', () => {
    const chain = bytes(
      [43, 0, 5, 2, 0, 0, 0, 0],
      [44, 0, 0, 0, 0, 0, 0, 0],
      [60, 0, 0, 1, 0, 0, 0, 0x2a],
      [17, 0, 1, 4, 0, 0, 0, 0],
      udp(7, 8, new Uint8Array(3)),
    );
    const p = eth(0x86dd, ipv6({ nxt: 0 }, chain));
    const d = decodePacket(p, 1);
    checkLayers(d, ['eth@0', 'ipv6@0', 'udp@0', 'data@0'], p.length);
    expect(d.layers[1].fields.filter((f) => f.children).map((f) => f.name)).toEqual([
      'ipv6.hopopts',
      'ipv6.routing',
      'ipv6.fraghdr',
      'ipv6.dstopts',
    ]);
    const s = sameSummary(p, 1);
    expect([s.inner.proto, s.inner.mf, s.inner.ipId, s.inner.srcPort]).toEqual([17, 1, 0x2a, 7]);
  });

  it('IPv4 total length 0 / IPv6 payload length 0 (GSO super-frames): the frame gives the length', () => {
    for (const p of [
      eth(0x0800, ipv4({ proto: 6, totalLength: 0 }, tcp(1, 2, 0x10, [], new Uint8Array(3000)))),
      eth(0x86dd, ipv6({ nxt: 6, plen: 0 }, tcp(1, 2, 0x10, [], new Uint8Array(3000)))),
    ]) {
      const d = decodePacket(p, 1);
      expect(d.layers.map((l) => l.proto)).toEqual(['eth', d.layers[1].proto, 'tcp', 'data']);
      expect(d.anomalies).toEqual([]);
      expect(d.info).toMatch(/Len=3000$/);
      const s = sameSummary(p, 1);
      expect(s.inner.payloadLength).toBe(3000);
    }
  });

  it('ICMP errors: the quoted header is a field, not an IP layer of the packet', () => {
    const quoted = ipv4({ src: '10.0.0.2', dst: '10.96.0.10', proto: 17 }, udp(5353, 53, new Uint8Array(0)));
    const icmp = bytes([3, 3, 0, 0, 0, 0, 0, 0], quoted);
    const d = decodePacket(eth(0x0800, ipv4({ proto: 1 }, icmp)), 1);
    expect(d.layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'icmp']);
    const q = d.layers[2].fields.find((f) => f.name === 'icmp.ip');
    expect(q?.children?.find((f) => f.name === 'ip.dst')?.value).toBe('10.96.0.10');
    expect(q?.children?.find((f) => f.name === 'icmp.udp.dstport')?.value).toBe(53);
    expect(d.summary.ipCount).toBe(1);
    expect(d.info).toBe('Destination unreachable (Port unreachable)');
  });

  it('DNS answers and TCP SACK/timestamp options', () => {
    const d = decodePacket(
      eth(0x0800, ipv4({ proto: 17 }, udp(53, 40000, dnsAnswerA(0xbeef, 'web.default.svc.cluster.local', '10.96.12.34')))),
      1,
    );
    expect(d.info).toBe('Standard query response 0xbeef A web.default.svc.cluster.local A 10.96.12.34');
    expect(d.summary.dnsQr).toBe(1);
    expect(d.summary.dnsAnCount).toBe(1);
    const opts = [1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9, 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6];
    const t = decodePacket(eth(0x0800, ipv4({ proto: 6 }, tcp(80, 50000, 0x10, opts, new Uint8Array(0), 5, 6))), 1);
    expect(field(t, 'tcp', 'tcp.options.timestamp.tsval')).toBe(5);
    expect(t.layers[2].fields.find((f) => f.name === 'tcp.options.sack')?.value).toBe(1);
    expect(t.info).toBe('80 → 50000 [ACK] Seq=5 Ack=6 Win=64240 Len=0 SACK(1) TSval=5 TSecr=6');
  });
});

describe('ICMPv6 and ERSPAN III', () => {
  it('Neighbor Solicitation: target and source link-layer address option', () => {
    const target = [0xfd, 0, ...new Array(13).fill(0), 2];
    const ns = bytes([135, 0, 0, 0, 0, 0, 0, 0], target, [1, 1, 0x02, 0x42, 0x0a, 0xf4, 0x01, 0x02]);
    const p = eth(0x86dd, ipv6({ nxt: 58, hlim: 255 }, ns));
    const d = decodePacket(p, 1);
    checkLayers(d, ['eth@0', 'ipv6@0', 'icmpv6@0'], p.length);
    expect(field(d, 'icmpv6', 'icmpv6.nd.target')).toBe('fd00::2');
    expect(field(d, 'icmpv6', 'icmpv6.opt.src_linkaddr')).toBe('02:42:0a:f4:01:02');
    expect(d.info).toBe('Neighbor Solicitation for fd00::2 (sll 02:42:0a:f4:01:02)');
    expect(sameSummary(p, 1).inner.icmpType).toBe(135);
    const broken = ns.slice();
    broken[25] = 0; // option length 0
    expect(codes(decodePacket(eth(0x86dd, ipv6({ nxt: 58 }, broken)), 1))).toEqual(['bad-option']);
  });

  it('ERSPAN type III with the platform subheader reaches the mirrored frame', () => {
    const mirrored = eth(0x0806, arpRequest('10.0.0.1', '10.0.0.9'));
    const hdr = [0x20, 0x00, 0x00, 0x09, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]; // O bit set: 8 more bytes
    const p = eth(0x0800, ipv4({ proto: 47 }, gre(0x22eb, bytes(hdr, mirrored), { seq: 3 })));
    const d = decodePacket(p, 1);
    checkLayers(d, ['eth@0', 'ip@0', 'gre@0', 'erspan@0', 'eth@1', 'arp@1'], p.length);
    expect(d.layers[3].length).toBe(20);
    expect(d.info).toBe('Who has 10.0.0.9? Tell 10.0.0.1');
    const s = sameSummary(p, 1);
    expect([s.tunnel, s.vni, s.arpOp, s.arpTargetIp]).toEqual([TunnelKind.GRE, 9, 1, 0x0a000009]);
  });
});

describe('bad input', () => {
  it('IPv4 header length < 20: anomaly, the layers before kept', () => {
    const p = eth(0x0800, ipv4({ proto: 17, ihl: 4 }, udp(1, 2, new Uint8Array(4))));
    const d = decodePacket(p, 1);
    expect(d.layers.map((l) => l.proto)).toEqual(['eth', 'ip']);
    expect(d.anomalies[0]).toMatchObject({ code: 'bad-header-length', layer: 'ip', severity: 'error', needed: 20, available: 16 });
    expect(sameSummary(p, 1).flags & SummaryFlag.MALFORMED).toBeTruthy();
  });

  it('packet shorter than its headers claim: malformed when complete, truncated when cut by the snap length', () => {
    const full = eth(0x0800, ipv4({ proto: 6 }, tcp(1, 2, 0x02, [], new Uint8Array(100))));
    const cut = full.subarray(0, 14 + 20 + 10); // stops inside the TCP header
    const d = decodePacket(cut, 1);
    expect(d.layers.map((l) => l.proto)).toEqual(['eth', 'ip']);
    expect(codes(d)).toEqual(['truncated', 'truncated']); // IP total length, then the TCP header
    expect(d.anomalies[1]).toMatchObject({ layer: 'tcp', offset: 34, needed: 20, available: 10, severity: 'error' });
    expect(sameSummary(cut, 1).flags & (SummaryFlag.MALFORMED | SummaryFlag.TRUNCATED)).toBe(SummaryFlag.MALFORMED);
    const snap = sameSummary(cut, 1, undefined, full.length);
    expect(snap.flags & (SummaryFlag.MALFORMED | SummaryFlag.TRUNCATED)).toBe(SummaryFlag.TRUNCATED);
    expect(decodePacket(cut, 1, undefined, full.length).anomalies[1].severity).toBe('warning');
    // Cut by the snap length, the TCP header's first bytes still give the ports (as tshark shows them), not its flags.
    expect(decodePacket(cut, 1, undefined, full.length).layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'tcp']);
    expect([snap.inner.srcPort, snap.inner.dstPort, snap.flags & SummaryFlag.TRANSPORT_CUT]).toEqual([1, 2, SummaryFlag.TRANSPORT_CUT]);
    // a UDP length beyond the IP payload
    const udpLong = decodePacket(eth(0x0800, ipv4({ proto: 17 }, udp(1, 2, new Uint8Array(4), 400))), 1);
    expect(udpLong.anomalies.map((a) => a.code)).toEqual(['bad-length']);
  });

  it('a BGP message with a bad marker and a huge length keeps its layer inside the packet', () => {
    const keepalive = [...new Array(16).fill(0xff), 0, 19, 4];
    const garbage = [...new Array(16).fill(0x30), 0xff, 0x00, 2, 1, 2, 3];
    const p = eth(0x0800, ipv4({ proto: 6 }, tcp(179, 40000, 0x18, [], new Uint8Array([...keepalive, ...garbage]))));
    const d = decodePacket(p, 1);
    expect(d.layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'tcp', 'bgp', 'bgp']);
    for (const l of d.layers) expect(l.offset + l.length).toBeLessThanOrEqual(p.length);
    expect(codes(d)).toEqual(['bad-length']);
    sameSummary(p, 1);
  });

  it('VXLAN with no inner frame', () => {
    const p = eth(0x0800, ipv4({ proto: 17 }, udp(1, 4789, vxlan(7, new Uint8Array(0)))));
    const d = decodePacket(p, 1);
    expect(d.layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'udp', 'vxlan']);
    expect(d.anomalies[0]).toMatchObject({ code: 'empty-tunnel', layer: 'vxlan', severity: 'error' });
    expect(d.levels).toBe(1);
    sameSummary(p, 1);
  });

  it('tunnel nested past the cap: decoding stops with tunnel-depth-exceeded', () => {
    let pkt = eth(0x0800, ipv4({ proto: 17 }, udp(1, 53, dnsQuery(1, 'a.b'))));
    for (let i = 10; i >= 1; i--) pkt = eth(0x0800, ipv4({ proto: 17 }, udp(1000 + i, 4789, vxlan(i, pkt))));
    const all = decodePacket(pkt, 1, { maxTunnelDepth: 16 });
    expect(all.levels).toBe(11);
    expect(all.layers.filter((l) => l.proto === 'vxlan').map((l) => l.level)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all.anomalies).toEqual([]);
    const capped = decodePacket(pkt, 1, { maxTunnelDepth: 3 });
    expect(capped.levels).toBe(4);
    expect(codes(capped)).toEqual(['tunnel-depth-exceeded']);
    expect(capped.layers.filter((l) => l.proto === 'vxlan').length).toBe(4);
    expect(capped.layers[capped.layers.length - 1].proto).toBe('data');
    const s = sameSummary(pkt, 1, { maxTunnelDepth: 3 });
    expect([s.tunnelCount, s.vni, s.innerVni]).toEqual([3, 1, 3]);
    expect(s.flags & SummaryFlag.TUNNEL_DEPTH_EXCEEDED).toBeTruthy();
    // the default cap (8) also holds
    expect(codes(decodePacket(pkt, 1))).toEqual(['tunnel-depth-exceeded']);
  });

  it('never throws on arbitrary bytes, and the fast path always agrees with the full decode', () => {
    const linktypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];
    const seeds = [
      eth(
        0x0800,
        ipv4(
          { proto: 17 },
          udp(
            1,
            4789,
            vxlan(3, eth(0x8100, vlan(5, 0x86dd, ipv6({ nxt: 0 }, bytes([6, 0, 0, 0, 0, 0, 0, 0], tcp(1, 2, 2, [2, 4, 5, 0xb4])))))),
          ),
        ),
      ),
      eth(0x0800, ipv4({ proto: 17, options: [148, 4, 0, 0] }, udp(53, 4000, dnsAnswerA(7, 'a.svc.cluster.local', '10.96.0.1')))),
      eth(0x86dd, ipv6({ nxt: 58 }, bytes([135, 0, 0, 0, 0, 0, 0, 0], new Array(16).fill(1), [1, 1, 2, 2, 2, 2, 2, 2]))),
      eth(
        0x0800,
        ipv4(
          { proto: 17 },
          udp(
            9,
            6081,
            geneve(
              4,
              0x0800,
              [
                [1, 2, 1],
                [3, 4, 0],
              ],
              ipv4({ proto: 47 }, gre(0x6558, eth(0x0806, arpRequest('1.1.1.1', '2.2.2.2')), { key: 1 })),
            ),
          ),
        ),
      ),
      eth(
        0x0800,
        ipv4(
          { proto: 6 },
          tcp(179, 40000, 0x18, [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], new Uint8Array([...new Array(16).fill(0xff), 0, 19, 4])),
        ),
      ),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...linktypes),
        fc.nat(seeds.length - 1),
        fc.array(fc.tuple(fc.nat(199), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(200),
        (lt, which, flips, cutAt) => {
          const p = seeds[which].slice(0, cutAt);
          for (const [i, v] of flips) if (i < p.length) p[i] = v;
          const d = decodePacket(p, lt);
          expect(d.anomalies.some((a) => a.code === 'internal-error')).toBe(false);
          sameSummary(p, lt);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
