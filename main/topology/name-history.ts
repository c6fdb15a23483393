// Kubeshark's name-resolution history (name_resolution_history.json in its PCAP export): which IP
// (or IP:port) was which pod or service, and since when. The file is a JSON object whose keys are
// UNIX timestamps (seconds) marking a change, each holding the whole map in effect from then on:
//   { "1700000000": { "10.0.0.5": { "FullAddress": "web-0.default", "Namespace": "default" }, ... }, ... }
// Names are applied by time: a packet or flow at time t takes the latest map whose key is <= t, so
// an address reused by another pod later gets the later pod's name.

export interface ResolvedName {
  /** 'name.namespace' as Kubeshark writes it (services and pods alike). */
  readonly fullAddress: string;
  readonly namespace: string;
  /** The name without the '.namespace' suffix. */
  readonly name: string;
}

export interface NameHistory {
  readonly source: string;
  /** Node the file came from (per-node export folders), else null. */
  readonly node: string | null;
  /** Snapshots in time order. */
  readonly snapshots: readonly { readonly t: number; readonly map: ReadonlyMap<string, ResolvedName> }[];
  readonly errors: readonly string[];
}

/** True when a JSON head looks like a name-resolution history (an object keyed by UNIX timestamps). */
export function looksLikeNameHistory(path: string, head: string): boolean {
  if (/name_resolution_history[^/\\]*\.json$/i.test(path)) return true;
  return /^\s*\{\s*"\d{9,11}"\s*:\s*\{/.test(head);
}

export function parseNameHistory(text: string, source = 'name_resolution_history.json', node: string | null = null): NameHistory {
  const errors: string[] = [];
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return { source, node, snapshots: [], errors: [`${source}: not JSON (${(e as Error).message})`] };
  }
  if (!root || typeof root !== 'object' || Array.isArray(root))
    return { source, node, snapshots: [], errors: [`${source}: not a name-resolution history (expected an object keyed by timestamps)`] };
  const snapshots: { t: number; map: Map<string, ResolvedName> }[] = [];
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (!/^\d{1,12}$/.test(k)) {
      errors.push(`${source}: key '${k.slice(0, 40)}' is not a UNIX timestamp`);
      continue;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      errors.push(`${source}: ${k}: not an address map`);
      continue;
    }
    const map = new Map<string, ResolvedName>();
    for (const [addr, info] of Object.entries(v as Record<string, unknown>)) {
      const o = info as Record<string, unknown> | null;
      const full = o && typeof o.FullAddress === 'string' ? o.FullAddress : null;
      if (!full) continue; // deleted entries and malformed values carry no name
      const ns = typeof o!.Namespace === 'string' ? o!.Namespace : '';
      const name = ns && full.endsWith(`.${ns}`) ? full.slice(0, -ns.length - 1) : full;
      map.set(addr, { fullAddress: full, namespace: ns, name });
    }
    snapshots.push({ t: Number(k), map });
  }
  snapshots.sort((a, b) => a.t - b.t);
  return { source, node, snapshots, errors };
}

/** The name of `addr` ('10.0.0.5' or '10.0.0.5:80') at epoch second `t`, from every history given (latest change wins). */
export function resolveAt(histories: readonly NameHistory[], addr: string, t: number): ResolvedName | null {
  let best: { t: number; r: ResolvedName | null } | null = null;
  for (const h of histories) {
    // binary search: last snapshot with snapshot.t <= t
    let lo = 0,
      hi = h.snapshots.length - 1,
      at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (h.snapshots[mid].t <= t) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) continue;
    const s = h.snapshots[at];
    if (!best || s.t > best.t) best = { t: s.t, r: s.map.get(addr) ?? null };
  }
  return best?.r ?? null;
}

interface FlowLike {
  readonly a: { ip: string; port: number | null };
  readonly b: { ip: string; port: number | null };
  readonly firstTs: number;
}
interface PodLike {
  readonly ip: string;
  readonly name: string | null;
  readonly namespace: string | null;
}
interface ServiceLike {
  readonly ip: string;
  readonly port: number | null;
  readonly name: string | null;
  readonly namespace: string | null;
}

const nameOf = (h: readonly NameHistory[], ip: string, port: number | null, t: number) =>
  (port !== null ? resolveAt(h, `${ip}:${port}`, t) : null) ?? resolveAt(h, ip, t);

/**
 * Names from the histories, applied by time: each flow's endpoints at the flow's first packet,
 * each pod and service at the first flow that involves it. Names already known (kubectl) are kept.
 */
export function applyNameHistories<F extends FlowLike, P extends PodLike, S extends ServiceLike>(
  histories: readonly NameHistory[],
  flows: F[],
  pods: readonly P[],
  services: readonly S[],
): { flows: (F & { aName: string | null; bName: string | null })[]; pods: P[]; services: S[] } {
  const firstSeen = new Map<string, number>();
  for (const f of flows)
    for (const ip of [f.a.ip, f.b.ip]) if (!firstSeen.has(ip) || firstSeen.get(ip)! > f.firstTs) firstSeen.set(ip, f.firstTs);
  const label = (r: ResolvedName | null) => (r ? (r.namespace ? `${r.namespace}/${r.name}` : r.name) : null);
  return {
    flows: flows.map((f) => ({
      ...f,
      aName: label(nameOf(histories, f.a.ip, f.a.port, f.firstTs)),
      bName: label(nameOf(histories, f.b.ip, f.b.port, f.firstTs)),
    })),
    pods: pods.map((p) => {
      if (p.name) return p;
      const r = resolveAt(histories, p.ip, firstSeen.get(p.ip) ?? Number.MAX_SAFE_INTEGER);
      return r ? { ...p, name: r.name, namespace: r.namespace || null } : p;
    }),
    services: services.map((s) => {
      if (s.name) return s;
      const r = nameOf(histories, s.ip, s.port, firstSeen.get(s.ip) ?? Number.MAX_SAFE_INTEGER);
      return r ? { ...s, name: r.name, namespace: r.namespace || null } : s;
    }),
  };
}

/** The model and flows (replaced in place) with history names applied. */
export function withNames<M extends { pods: readonly PodLike[]; services: readonly ServiceLike[] }, F extends FlowLike>(
  model: M,
  flows: F[],
  histories: readonly NameHistory[] | undefined,
): M {
  if (!histories?.length) return model;
  const r = applyNameHistories(histories, flows, model.pods, model.services);
  r.flows.forEach((f, i) => (flows[i] = f));
  return { ...model, pods: r.pods, services: r.services };
}
