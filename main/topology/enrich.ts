// Optional enrichment files: `kubectl get pods,nodes,services,endpoints -A -o json` output (a List)
// and flannel's subnet.env. They only give names and declared facts; the model is still inferred
// from the traffic and every disagreement between a file and the traffic is reported (see model.ts).

import { baseName } from './naming';
import { looksLikeEtcdJson, type FlannelLeaseTable } from './flannel-leases';
import { looksLikeNameHistory, type NameHistory } from './name-history';

export interface EnrichNode {
  readonly name: string;
  readonly internalIps: readonly string[];
  readonly podCidrs: readonly string[];
  /** flannel annotations: public-ip, backend-type, backend-data VtepMAC. */
  readonly publicIp: string | null;
  readonly backendType: string | null;
  readonly vtepMac: string | null;
}

export interface EnrichPod {
  readonly name: string;
  readonly namespace: string;
  readonly ips: readonly string[];
  readonly node: string | null;
  readonly hostNetwork: boolean;
}

export interface EnrichServicePort {
  readonly port: number;
  readonly protocol: string;
  readonly targetPort: number | string | null;
}

export interface EnrichService {
  readonly name: string;
  readonly namespace: string;
  readonly clusterIps: readonly string[];
  readonly ports: readonly EnrichServicePort[];
}

export interface EnrichEndpoints {
  readonly name: string;
  readonly namespace: string;
  readonly addresses: readonly { readonly ip: string; readonly pod: string | null; readonly node: string | null }[];
  readonly ports: readonly { readonly port: number; readonly protocol: string }[];
}

/** One node's flannel subnet.env: FLANNEL_NETWORK, FLANNEL_SUBNET (gateway/len), FLANNEL_MTU, FLANNEL_IPMASQ. */
export interface SubnetEnv {
  readonly source: string;
  /** Node the file belongs to, from its name ('node1-subnet.env', 'node1/subnet.env'), else null. */
  readonly node: string | null;
  readonly network: string | null;
  /** The node's pod subnet as written ('10.42.1.1/24': gateway address and length). */
  readonly subnet: string | null;
  readonly mtu: number | null;
  readonly ipMasq: boolean | null;
}

export interface Enrichment {
  readonly nodes: readonly EnrichNode[];
  readonly pods: readonly EnrichPod[];
  readonly services: readonly EnrichService[];
  readonly endpoints: readonly EnrichEndpoints[];
  readonly subnets: readonly SubnetEnv[];
  /** flannel's lease tables read from etcd (`etcdctl get --prefix /coreos.com/network -w json`). */
  readonly leases?: readonly FlannelLeaseTable[];
  /** Kubeshark name-resolution histories (names applied by time). */
  readonly names?: readonly NameHistory[];
  /** Problems reading the files (bad JSON, unexpected shape): reported, never thrown. */
  readonly errors: readonly string[];
}

export const EMPTY_ENRICHMENT: Enrichment = { nodes: [], pods: [], services: [], endpoints: [], subnets: [], errors: [] };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const strs = (v: unknown): string[] =>
  arr(v)
    .map(str)
    .filter((s): s is string => s !== null);

function parseNode(item: Json): EnrichNode | null {
  const meta = obj(item.metadata);
  const name = str(meta.name);
  if (!name) return null;
  const spec = obj(item.spec);
  const status = obj(item.status);
  const ann = obj(meta.annotations);
  const internalIps = arr(status.addresses)
    .map(obj)
    .filter((a) => a.type === 'InternalIP')
    .map((a) => str(a.address))
    .filter((s): s is string => s !== null);
  const podCidrs = strs(spec.podCIDRs);
  const cidr = str(spec.podCIDR);
  if (cidr && !podCidrs.includes(cidr)) podCidrs.unshift(cidr);
  let vtepMac: string | null = null;
  const backendData = str(ann['flannel.alpha.coreos.com/backend-data']);
  if (backendData) {
    try {
      vtepMac = str(obj(JSON.parse(backendData)).VtepMAC)?.toLowerCase() ?? null;
    } catch {
      vtepMac = null;
    }
  }
  return {
    name,
    internalIps,
    podCidrs,
    publicIp: str(ann['flannel.alpha.coreos.com/public-ip']),
    backendType: str(ann['flannel.alpha.coreos.com/backend-type']),
    vtepMac,
  };
}

function parsePod(item: Json): EnrichPod | null {
  const meta = obj(item.metadata);
  const name = str(meta.name);
  if (!name) return null;
  const spec = obj(item.spec);
  const status = obj(item.status);
  const ips = arr(status.podIPs)
    .map((p) => str(obj(p).ip))
    .filter((s): s is string => s !== null);
  const ip = str(status.podIP);
  if (ip && !ips.includes(ip)) ips.unshift(ip);
  return { name, namespace: str(meta.namespace) ?? 'default', ips, node: str(spec.nodeName), hostNetwork: spec.hostNetwork === true };
}

function parseService(item: Json): EnrichService | null {
  const meta = obj(item.metadata);
  const name = str(meta.name);
  if (!name) return null;
  const spec = obj(item.spec);
  const clusterIps = strs(spec.clusterIPs);
  const cip = str(spec.clusterIP);
  if (cip && cip !== 'None' && !clusterIps.includes(cip)) clusterIps.unshift(cip);
  const ports = arr(spec.ports).map((p) => {
    const o = obj(p);
    const tp = o.targetPort;
    return {
      port: typeof o.port === 'number' ? o.port : 0,
      protocol: str(o.protocol) ?? 'TCP',
      targetPort: typeof tp === 'number' || typeof tp === 'string' ? tp : null,
    };
  });
  return { name, namespace: str(meta.namespace) ?? 'default', clusterIps: clusterIps.filter((c) => c !== 'None'), ports };
}

function parseEndpoints(item: Json): EnrichEndpoints | null {
  const meta = obj(item.metadata);
  const name = str(meta.name);
  if (!name) return null;
  const addresses: { ip: string; pod: string | null; node: string | null }[] = [];
  const ports: { port: number; protocol: string }[] = [];
  for (const s of arr(item.subsets).map(obj)) {
    for (const a of arr(s.addresses).map(obj)) {
      const ip = str(a.ip);
      if (!ip) continue;
      const ref = obj(a.targetRef);
      addresses.push({ ip, pod: ref.kind === 'Pod' ? str(ref.name) : null, node: str(a.nodeName) });
    }
    for (const p of arr(s.ports).map(obj)) {
      if (typeof p.port === 'number') ports.push({ port: p.port, protocol: str(p.protocol) ?? 'TCP' });
    }
  }
  return { name, namespace: str(meta.namespace) ?? 'default', addresses, ports };
}

/**
 * Parses kubectl JSON: a List (`kubectl get pods,nodes,services,endpoints -A -o json`), a single
 * object, or a typed list (PodList...). Unknown kinds are ignored; shape problems go to `errors`.
 */
export function parseKubectlJson(text: string, source = 'kubectl.json'): Enrichment {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return { ...EMPTY_ENRICHMENT, errors: [`${source}: not JSON (${(e as Error).message})`] };
  }
  const r = obj(root);
  const items = Array.isArray(r.items) ? r.items.map(obj) : r.kind ? [r] : [];
  if (items.length === 0 && !Array.isArray(r.items)) {
    return { ...EMPTY_ENRICHMENT, errors: [`${source}: no 'items' list and no 'kind': not kubectl output`] };
  }
  const listKind = str(r.kind)?.replace(/List$/, '') ?? null;
  const nodes: EnrichNode[] = [];
  const pods: EnrichPod[] = [];
  const services: EnrichService[] = [];
  const endpoints: EnrichEndpoints[] = [];
  const errors: string[] = [];
  items.forEach((it, i) => {
    const kind = str(it.kind) ?? (listKind !== 'List' ? listKind : null);
    let ok = true;
    if (kind === 'Node') ok = push(nodes, parseNode(it));
    else if (kind === 'Pod') ok = push(pods, parsePod(it));
    else if (kind === 'Service') ok = push(services, parseService(it));
    else if (kind === 'Endpoints') ok = push(endpoints, parseEndpoints(it));
    if (!ok) errors.push(`${source}: item ${i} (${kind}) has no metadata.name: skipped`);
  });
  return { nodes, pods, services, endpoints, subnets: [], errors };
}

function push<T>(list: T[], v: T | null): boolean {
  if (v === null) return false;
  list.push(v);
  return true;
}

/** Node name from a subnet.env path: 'node1-subnet.env', 'node1_subnet.env', 'node1/subnet.env'. */
function nodeOfSubnetEnv(path: string): string | null {
  const base = baseName(path);
  const m = /^(.+?)[-_.]subnet\.env$/i.exec(base);
  if (m) return m[1];
  const parts = path.split(/[\\/]/);
  if (parts.length >= 2 && /^subnet\.env$/i.test(base)) {
    const dir = parts[parts.length - 2];
    if (dir && dir !== 'flannel' && dir !== 'run' && dir !== '.') return dir;
  }
  return null;
}

/** Parses flannel's /run/flannel/subnet.env (KEY=VALUE lines). */
export function parseSubnetEnv(text: string, source = 'subnet.env'): { env: SubnetEnv | null; errors: string[] } {
  const vals = new Map<string, string>();
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(t);
    if (!m) {
      errors.push(`${source}:${i + 1}: not KEY=VALUE`);
      return;
    }
    vals.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  });
  if (!vals.has('FLANNEL_SUBNET') && !vals.has('FLANNEL_NETWORK')) {
    return { env: null, errors: [...errors, `${source}: no FLANNEL_SUBNET or FLANNEL_NETWORK: not a flannel subnet.env`] };
  }
  const mtu = vals.has('FLANNEL_MTU') ? Number(vals.get('FLANNEL_MTU')) : null;
  const masq = vals.get('FLANNEL_IPMASQ');
  return {
    env: {
      source,
      node: nodeOfSubnetEnv(source),
      network: vals.get('FLANNEL_NETWORK') ?? null,
      subnet: vals.get('FLANNEL_SUBNET') ?? null,
      mtu: mtu !== null && Number.isFinite(mtu) ? mtu : null,
      ipMasq: masq === undefined ? null : masq === 'true',
    },
    errors,
  };
}

/** Merges several enrichment results (files given together). */
export function mergeEnrichment(parts: readonly Enrichment[]): Enrichment {
  return {
    nodes: parts.flatMap((p) => p.nodes),
    pods: parts.flatMap((p) => p.pods),
    services: parts.flatMap((p) => p.services),
    endpoints: parts.flatMap((p) => p.endpoints),
    subnets: parts.flatMap((p) => p.subnets),
    leases: parts.flatMap((p) => p.leases ?? []),
    names: parts.flatMap((p) => p.names ?? []),
    errors: parts.flatMap((p) => p.errors),
  };
}

/** True when a file looks like enrichment rather than a capture: decided by name, then by content. */
export function isEnrichmentFile(path: string, head: Uint8Array): 'kubectl' | 'subnet-env' | 'etcd-leases' | 'name-history' | null {
  const name = baseName(path).toLowerCase();
  if (name.endsWith('subnet.env')) return 'subnet-env';
  if (looksLikeEtcdJson(new TextDecoder().decode(head.subarray(0, 512)))) return 'etcd-leases';
  if (looksLikeNameHistory(path, new TextDecoder().decode(head.subarray(0, 512)))) return 'name-history';
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (head[i] === 0x7b /* { */ && name.endsWith('.json')) return 'kubectl';
  if (head[i] === 0x7b && /"(apiVersion|kind|items)"/.test(new TextDecoder().decode(head.subarray(0, 512)))) return 'kubectl';
  const text = new TextDecoder().decode(head.subarray(0, 256));
  if (/^\s*FLANNEL_(NETWORK|SUBNET)=/m.test(text)) return 'subnet-env';
  return null;
}
