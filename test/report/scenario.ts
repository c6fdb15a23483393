// A small two-node flannel VXLAN capture set written by the tests themselves, with hostile strings in
// the places a capture can carry them: an interface name (pcapng if_name), a packet comment and a DNS
// query name. Pod 10.244.0.5 on node1 pings pod 10.244.1.7 on node2 (delivered) and asks it a DNS
// question that never arrives in node2's cni0 capture (a drop).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePcapng, type PcapngPacket } from '../../main/engine/writers/pcapng';
import { encodePcap } from '../../main/engine/writers/pcap';
import { dnsQuery, eth, icmpEcho, ipv4, udp, vxlan } from './frames';
import { HOSTILE } from './hostile';

export const POD_A = '10.244.0.5';
export const POD_B = '10.244.1.7';
const N1 = { ip: '192.168.50.11', mac: '02:00:00:00:01:01', vtep: '9a:00:00:00:00:01', bridge: '0a:58:0a:f4:00:01' };
const N2 = { ip: '192.168.50.12', mac: '02:00:00:00:02:01', vtep: '9a:00:00:00:00:02', bridge: '0a:58:0a:f4:01:01' };
const MAC_A = '0a:58:0a:f4:00:05';
const MAC_B = '0a:58:0a:f4:01:07';
/** The DNS name asked: hostile, as any name on the wire can be. */
export const HOSTILE_DNS_NAME = `${HOSTILE.imgOnerror}.${HOSTILE.script}.svc`;
export const HOSTILE_IF_NAME = HOSTILE.script;
export const HOSTILE_CAPTURE_COMMENT = HOSTILE.imgOnerror;

const BASE = 1_700_000_000;

export interface Scenario {
  files: string[];
  cni1: string;
  eth1: string;
  eth2: string;
  cni2: string;
}

export function writeScenario(dir: string): Scenario {
  // Inner packets as sent by pod A: 3 pings (each answered), 1 DNS query.
  const inner: { at: number; frame: (ttl: number, srcMac: string, dstMac: string) => Uint8Array; reply: boolean; dns: boolean }[] = [];
  for (let i = 0; i < 3; i++) {
    inner.push({
      at: i * 10_000_000,
      reply: false,
      dns: false,
      frame: (ttl, s, d) => eth(s, d, 0x0800, ipv4(POD_A, POD_B, 1, icmpEcho(7, i + 1), { id: 100 + i, ttl })),
    });
    inner.push({
      at: i * 10_000_000 + 2_000_000,
      reply: true,
      dns: false,
      frame: (ttl, s, d) => eth(s, d, 0x0800, ipv4(POD_B, POD_A, 1, icmpEcho(7, i + 1, true), { id: 500 + i, ttl })),
    });
  }
  inner.push({
    at: 40_000_000,
    reply: false,
    dns: true,
    frame: (ttl, s, d) => eth(s, d, 0x0800, ipv4(POD_A, POD_B, 17, udp(40000, 53, dnsQuery(0x1234, HOSTILE_DNS_NAME)), { id: 900, ttl })),
  });

  const ts = (ns: number) => ({ tsSec: BASE + Math.floor(ns / 1e9), tsNsec: ns % 1e9 });
  const encap = (from: typeof N1, to: typeof N1, innerFrame: Uint8Array, sport: number) =>
    eth(from.mac, to.mac, 0x0800, ipv4(from.ip, to.ip, 17, udp(sport, 8472, vxlan(1, innerFrame)), { id: 1 }));

  const cni1: PcapngPacket[] = [];
  const eth1: PcapngPacket[] = [];
  const eth2: { tsSec: number; tsNsec: number; data: Uint8Array }[] = [];
  const cni2: { tsSec: number; tsNsec: number; data: Uint8Array }[] = [];
  for (const p of inner) {
    if (!p.reply) {
      // node1 cni0 (ttl 64) -> node1 eth0 (ttl 63, encapsulated) -> node2 eth0 -> node2 cni0 (ttl 62)
      cni1.push({
        iface: 0,
        ...ts(p.at),
        data: p.frame(64, MAC_A, N1.bridge),
        ...(cni1.length === 0 ? { comments: [HOSTILE_CAPTURE_COMMENT] } : {}),
      });
      eth1.push({ iface: 0, ...ts(p.at + 40_000), data: encap(N1, N2, p.frame(63, N1.vtep, N2.vtep), 41000) });
      eth2.push({ ...ts(p.at + 140_000), data: encap(N1, N2, p.frame(63, N1.vtep, N2.vtep), 41000) });
      if (!p.dns) cni2.push({ ...ts(p.at + 180_000), data: p.frame(62, N2.bridge, MAC_B) });
    } else {
      cni2.push({ ...ts(p.at), data: p.frame(64, MAC_B, N2.bridge) });
      eth2.push({ ...ts(p.at + 40_000), data: encap(N2, N1, p.frame(63, N2.vtep, N1.vtep), 42000) });
      eth1.push({ iface: 0, ...ts(p.at + 140_000), data: encap(N2, N1, p.frame(63, N2.vtep, N1.vtep), 42000) });
      cni1.push({ iface: 0, ...ts(p.at + 180_000), data: p.frame(62, N1.bridge, MAC_A) });
    }
  }
  const order = <T extends { tsSec: number; tsNsec: number }>(xs: T[]) => xs.sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
  const s: Scenario = {
    files: [],
    cni1: join(dir, 'node1-cni0.pcapng'),
    eth1: join(dir, 'node1-eth0.pcapng'),
    eth2: join(dir, 'node2-eth0.pcap'),
    cni2: join(dir, 'node2-cni0.pcap'),
  };
  writeFileSync(s.cni1, encodePcapng({ interfaces: [{ linktype: 1, name: 'cni0' }], packets: order(cni1) }));
  writeFileSync(
    s.eth1,
    encodePcapng({ interfaces: [{ linktype: 1, name: HOSTILE_IF_NAME, description: HOSTILE.jsUrl }], packets: order(eth1) }),
  );
  writeFileSync(s.eth2, encodePcap({ linktype: 1, nanosecond: true }, order(eth2)));
  writeFileSync(s.cni2, encodePcap({ linktype: 1, nanosecond: true }, order(cni2)));
  s.files = [s.cni1, s.eth1, s.eth2, s.cni2];
  return s;
}
