// flannel's subnet lease table as it sits in etcd (the etcd subnet manager, flannel < 0.20 default):
//   /coreos.com/network/config                -> {"Network":"10.244.0.0/16","Backend":{"Type":"vxlan","VNI":1,"Port":8472}}
//   /coreos.com/network/subnets/10.244.1.0-24 -> {"PublicIP":"192.168.56.12","BackendType":"vxlan","BackendData":{"VtepMAC":"aa:.."}}
// read from `etcdctl get --prefix /coreos.com/network -w json` (keys and values base64, v3 API) or
// the same for `/coreos.com/network/subnets`. The leases name node public IPs, pod subnets, the
// backend and VTEP MACs; checkLeases() compares them with what the traffic showed and reports
// every disagreement instead of merging silently.

import type { ClusterNode } from './types';

export interface FlannelLease {
  /** The lease's pod subnet, 'a.b.c.d/len' (from the key '.../subnets/a.b.c.d-len'). */
  readonly subnet: string;
  readonly publicIp: string | null;
  readonly publicIpv6: string | null;
  readonly backendType: string | null;
  /** BackendData.VtepMAC (vxlan backend), lower case. */
  readonly vtepMac: string | null;
  /** etcd lease id (TTL lease flannel renews), as decimal text; null when the key has none. */
  readonly etcdLease: string | null;
  readonly modRevision: number | null;
}

export interface FlannelNetworkConfig {
  readonly network: string | null;
  readonly subnetLen: number | null;
  readonly backendType: string | null;
  readonly vni: number | null;
  readonly port: number | null;
}

export interface FlannelLeaseTable {
  readonly source: string;
  /** etcd key prefix flannel used ('/coreos.com/network' by default; -etcd-prefix changes it). */
  readonly prefix: string | null;
  readonly config: FlannelNetworkConfig | null;
  readonly leases: readonly FlannelLease[];
  /** Problems in the file (bad JSON, undecodable key/value): reported, never thrown. */
  readonly errors: readonly string[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;

const SUBNET_KEY = /^(.*)\/subnets\/(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,2})$/;
const SUBNET6_KEY = /^(.*)\/subnets6?\/([0-9a-fA-F:]+)-(\d{1,3})$/;
const CONFIG_KEY = /^(.*)\/config$/;

function b64(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  return Buffer.from(s, 'base64').toString('utf8');
}

/** True when a JSON text head looks like `etcdctl get -w json` output. */
export function looksLikeEtcdJson(head: string): boolean {
  return /^\s*\{/.test(head) && /"header"\s*:/.test(head) && /"(kvs|cluster_id|revision)"/.test(head);
}

/** Parses `etcdctl get --prefix <flannel prefix> -w json` output. Never throws. */
export function parseEtcdLeases(text: string, source = 'etcd.json'): FlannelLeaseTable {
  const errors: string[] = [];
  let root: Json | null;
  try {
    root = obj(JSON.parse(text));
  } catch (e) {
    return { source, prefix: null, config: null, leases: [], errors: [`${source}: not JSON (${(e as Error).message})`] };
  }
  if (!root || !obj(root.header))
    return { source, prefix: null, config: null, leases: [], errors: [`${source}: not etcdctl -w json output (no "header")`] };
  const kvs = Array.isArray(root.kvs) ? root.kvs : [];
  if (kvs.length === 0) errors.push(`${source}: etcd returned no keys (wrong --prefix, or flannel uses the Kubernetes subnet manager)`);
  const leases: FlannelLease[] = [];
  let config: FlannelNetworkConfig | null = null;
  let prefix: string | null = null;
  kvs.forEach((kvRaw, i) => {
    const kv = obj(kvRaw);
    const key = kv ? b64(kv.key) : null;
    const value = kv ? b64(kv.value) : null;
    if (key === null || value === null) {
      errors.push(`${source}: kvs[${i}]: key or value is not base64`);
      return;
    }
    let v: Json | null;
    try {
      v = obj(JSON.parse(value));
    } catch {
      v = null;
    }
    const cm = CONFIG_KEY.exec(key);
    const sm = SUBNET_KEY.exec(key) ?? SUBNET6_KEY.exec(key);
    if (!cm && !sm) return; // other keys under the prefix (e.g. flannel's "lock")
    if (!v) {
      errors.push(`${source}: ${key}: value is not a JSON object`);
      return;
    }
    if (cm) {
      prefix ??= cm[1];
      const backend = obj(v.Backend);
      config = {
        network: str(v.Network),
        subnetLen: num(v.SubnetLen),
        backendType: backend ? str(backend.Type) : null,
        vni: backend ? num(backend.VNI) : null,
        port: backend ? num(backend.Port) : null,
      };
      return;
    }
    const m = sm!;
    prefix ??= m[1];
    const bits = Number(m[3]);
    const v6 = m[2].includes(':');
    if (bits > (v6 ? 128 : 32) || (!v6 && m[2].split('.').some((o) => Number(o) > 255))) {
      errors.push(`${source}: ${key}: not a subnet`);
      return;
    }
    const bd = obj(v.BackendData);
    const mac = bd ? str(bd.VtepMAC) : null;
    if (mac !== null && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac))
      errors.push(`${source}: ${key}: VtepMAC '${mac}' is not a MAC address`);
    const pub = str(v.PublicIP);
    if (pub === null) errors.push(`${source}: ${key}: lease has no PublicIP`);
    leases.push({
      subnet: `${m[2]}/${bits}`,
      publicIp: pub,
      publicIpv6: str(v.PublicIPv6),
      backendType: str(v.BackendType),
      vtepMac: mac !== null && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac) ? mac.toLowerCase() : null,
      etcdLease: kv && (typeof kv.lease === 'number' || typeof kv.lease === 'string') ? String(kv.lease) : null,
      modRevision: kv ? num(kv.mod_revision) : null,
    });
  });
  return { source, prefix, config, leases, errors };
}

function ip4(s: string): number | null {
  const p = s.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return null;
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

function sameCidr(a: string, b: string): boolean {
  const [pa, la] = a.split('/');
  const [pb, lb] = b.split('/');
  if (la !== lb) return false;
  const x = ip4(pa),
    y = ip4(pb);
  if (x === null || y === null) return pa === pb;
  const bits = Number(la);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (x & mask) >>> 0 === (y & mask) >>> 0;
}

/** Kubernetes' flannel backend names vs the tunnel types the traffic shows. */
const BACKEND_TUNNEL: Readonly<Record<string, string>> = {
  vxlan: 'vxlan',
  udp: 'flannel-udp',
  ipip: 'ipip',
  wireguard: 'wireguard',
  extension: '',
  'host-gw': 'none',
};

/**
 * Fills node facts the traffic did not show (pod CIDR, VTEP MAC) from the leases and reports every
 * disagreement between a lease and the traffic. A lease is matched to a node by PublicIP (the
 * underlay address its tunnels use), else by pod subnet.
 */
export function checkLeases(
  nodes: readonly ClusterNode[],
  tables: readonly FlannelLeaseTable[],
  tunnelTypes: readonly { nodes: readonly [string, string]; type: string; vni: number | null; port: number | null }[],
  disagree: (message: string, node?: string) => void,
): ClusterNode[] {
  const out = nodes.map((n) => ({ ...n }));
  for (const t of tables) {
    for (const e of t.errors) disagree(e);
    for (const l of t.leases) {
      const byIp = l.publicIp ? out.find((n) => n.underlayIps.includes(l.publicIp!)) : undefined;
      const bySubnet = out.find((n) => n.podCidr !== null && sameCidr(n.podCidr, l.subnet));
      const n = byIp ?? bySubnet;
      if (!n) {
        disagree(`${t.source}: lease ${l.subnet} (PublicIP ${l.publicIp ?? '?'}) matches no node seen in the traffic`);
        continue;
      }
      if (byIp && bySubnet && byIp !== bySubnet) {
        disagree(
          `${t.source}: lease ${l.subnet} names PublicIP ${l.publicIp} (${byIp.id}) but the traffic shows ${l.subnet} behind ${bySubnet.id}`,
          byIp.id,
        );
      }
      if (!byIp && l.publicIp)
        disagree(
          `${t.source}: lease ${l.subnet} says PublicIP ${l.publicIp} but its pods' traffic is tunnelled from ${n.underlayIps.join(', ') || 'no known address'} (${n.id})`,
          n.id,
        );
      if (n.podCidr === null) n.podCidr = l.subnet;
      else if (!sameCidr(n.podCidr, l.subnet) && byIp)
        disagree(`${t.source}: lease for ${l.publicIp} holds ${l.subnet} but the traffic shows ${n.id}'s pods in ${n.podCidr}`, n.id);
      if (l.vtepMac) {
        if (n.vtepMac === null) n.vtepMac = l.vtepMac;
        else if (n.vtepMac !== l.vtepMac)
          disagree(`${t.source}: lease ${l.subnet} says VtepMAC ${l.vtepMac} but VXLAN traffic shows ${n.id}'s VTEP as ${n.vtepMac}`, n.id);
      }
      const backend = l.backendType ?? t.config?.backendType ?? null;
      if (backend) {
        const want = BACKEND_TUNNEL[backend.toLowerCase()];
        const seen = tunnelTypes.filter((tu) => tu.nodes.includes(n.id));
        const wrong = want ? seen.filter((tu) => tu.type !== want) : [];
        if (want && want !== 'none' && wrong.length)
          disagree(
            `${t.source}: lease ${l.subnet} says backend ${backend} but ${n.id}'s tunnels carry ${[...new Set(wrong.map((w) => w.type))].join(', ')}`,
            n.id,
          );
        if (want === 'vxlan' && t.config?.vni != null) {
          const vniWrong = seen.filter((tu) => tu.type === 'vxlan' && tu.vni !== t.config!.vni);
          if (vniWrong.length)
            disagree(
              `${t.source}: network config says VNI ${t.config.vni} but ${n.id}'s VXLAN traffic uses VNI ${vniWrong.map((w) => w.vni).join(', ')}`,
              n.id,
            );
        }
      }
      n.evidence = [
        ...n.evidence,
        {
          reason: `flannel lease ${l.subnet} in ${t.source} (PublicIP ${l.publicIp ?? '?'}${l.vtepMac ? `, VtepMAC ${l.vtepMac}` : ''}, backend ${backend ?? '?'})`,
          packets: [],
          count: 0,
        },
      ];
    }
    if (t.config?.network) {
      for (const n of out) {
        if (n.podCidr && !cidrInside(n.podCidr, t.config.network))
          disagree(`${t.source}: ${n.id}'s pods (${n.podCidr}) lie outside flannel's Network ${t.config.network}`, n.id);
      }
    }
  }
  return out;
}

function cidrInside(inner: string, outer: string): boolean {
  const [pi, li] = inner.split('/');
  const [po, lo] = outer.split('/');
  const a = ip4(pi),
    b = ip4(po);
  if (a === null || b === null || Number(li) < Number(lo)) return false;
  const bits = Number(lo);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}
