// Loading a capture set: every capture file streamed once through the decoder's fast path into the
// columnar PacketTable (one row per packet, its capture point resolved on the way), enrichment files
// parsed beside them, then the analysis.

import { openRegularFile } from '../engine/readers/source';
import { summarize, PacketSummary, type DecodeAsTable } from '../engine/decode';
import { ReadBudget, readCapture, type ReadLimits } from '../engine/readers/read';
import type { CaptureInterface, ReadProgress } from '../engine/types';
import { LinkType } from '../engine/types';
import { analyze, type Analysis, type FileDraft } from './analyze';
import type { PointDraft } from './attribution';
import { isEnrichmentFile, mergeEnrichment, parseKubectlJson, parseSubnetEnv, type Enrichment } from './enrich';
import { baseName } from './naming';
import { parseEtcdLeases } from './flannel-leases';
import { BgpCollector } from './calico/bgp-routes';
import { parseNameHistory } from './name-history';
import { expandBundles, nodeOfBundleFile } from './bundles';
import { macNumber } from './addr';
import { PKTTYPE_UNKNOWN, PacketTable } from './table';
import type { InterfaceKind, PointOverride } from './types';

/** A capture file with an explicit attribution (same as a PointOverride on the whole file). */
export interface CaptureSource {
  readonly path: string;
  readonly node?: string;
  readonly interface?: string;
  readonly kind?: InterfaceKind;
}

export interface LoadProgress extends ReadProgress {
  readonly file: string;
  readonly fileIndex: number;
  readonly files: number;
}

export interface LoadOptions {
  /** Explicit node/interface/kind per capture point or file (wins over everything inferred). */
  readonly overrides?: readonly PointOverride[];
  /** Extra enrichment files (kubectl JSON, subnet.env); such files among `files` are recognised too. */
  readonly enrichment?: readonly string[];
  readonly decodeAs?: DecodeAsTable;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: LoadProgress) => void;
  /** See AnalyzeOptions. */
  readonly matchWindowMs?: number;
  /** Largest clock difference between nodes to look for (default 10000 ms): the first matching pass,
   *  before offsets are known, joins sightings this far apart. */
  readonly maxClockSkewMs?: number;
  /** Limits on what reading the set may cost (defaults: DEFAULT_LIMITS); past one, reading stops with a read error. */
  readonly limits?: Partial<ReadLimits>;
}

async function head(path: string, n = 1024): Promise<Uint8Array | null> {
  try {
    const fh = await openRegularFile(path);
    try {
      const buf = new Uint8Array(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}

async function readText(path: string): Promise<string> {
  const fh = await openRegularFile(path);
  try {
    return await fh.readFile({ encoding: 'utf8' });
  } finally {
    await fh.close();
  }
}

/** Parses enrichment files; problems become `errors`, never exceptions. */
export async function loadEnrichment(paths: readonly string[]): Promise<Enrichment> {
  const parts: Enrichment[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = await readText(p);
    } catch (e) {
      parts.push({ nodes: [], pods: [], services: [], endpoints: [], subnets: [], errors: [`${p}: ${(e as Error).message}`] });
      continue;
    }
    const kind = isEnrichmentFile(p, new TextEncoder().encode(text.slice(0, 1024)));
    if (kind === 'name-history') {
      const h = parseNameHistory(text, baseName(p), nodeOfBundleFile(p));
      parts.push({ nodes: [], pods: [], services: [], endpoints: [], subnets: [], names: [h], errors: [...h.errors] });
    } else if (kind === 'etcd-leases') {
      const t = parseEtcdLeases(text, baseName(p));
      parts.push({ nodes: [], pods: [], services: [], endpoints: [], subnets: [], leases: [t], errors: [] });
    } else if (kind === 'subnet-env') {
      const { env, errors } = parseSubnetEnv(text, p);
      parts.push({ nodes: [], pods: [], services: [], endpoints: [], subnets: env ? [env] : [], errors });
    } else {
      parts.push(parseKubectlJson(text, p));
    }
  }
  return mergeEnrichment(parts);
}

function uniqueIds(paths: readonly string[]): string[] {
  const used = new Map<string, number>();
  return paths.map((p) => {
    const b = baseName(p);
    const n = (used.get(b) ?? 0) + 1;
    used.set(b, n);
    return n === 1 ? b : `${b} (${n})`;
  });
}

/** What reading a capture set gives before any inference: the packet table, files, points, enrichment. */
export interface CaptureSetData {
  readonly table: PacketTable;
  readonly files: FileDraft[];
  readonly points: PointDraft[];
  readonly enrichment: Enrichment | undefined;
  readonly overrides: PointOverride[];
  /** BGP facts seen while reading (TCP 179): pass to analyze() as `bgp`. */
  readonly bgp: BgpCollector;
}

/**
 * Opens captures (and enrichment files) together as one analysis. Unreadable or malformed files
 * are reported in CaptureFile.errors / findings; nothing is thrown for bad input.
 */
export async function loadCaptureSet(files: readonly (string | CaptureSource)[], opts: LoadOptions = {}): Promise<Analysis> {
  const d = await readCaptureSet(files, opts);
  return analyze(d.table, d.files, d.points, {
    overrides: d.overrides,
    enrichment: d.enrichment,
    matchWindowMs: opts.matchWindowMs,
    firstPassWindowMs: opts.maxClockSkewMs,
    bgp: d.bgp,
  });
}

/**
 * The reading half of loadCaptureSet: every packet through the decoder's fast path into the table.
 * analyze(table, files, points, opts) can then run (again, e.g. with other overrides) on the result.
 */
export async function readCaptureSet(files: readonly (string | CaptureSource)[], opts: LoadOptions = {}): Promise<CaptureSetData> {
  const overrides: PointOverride[] = [...(opts.overrides ?? [])];
  const capturePaths: string[] = [];
  const enrichPaths: string[] = [...(opts.enrichment ?? [])];
  const expanded = await expandBundles(files.map((f) => (typeof f === 'string' ? { path: f } : f)));
  const sources: CaptureSource[] = expanded.sources;
  for (const s of sources) {
    const h = await head(s.path);
    if (h && isEnrichmentFile(s.path, h)) enrichPaths.push(s.path);
    else capturePaths.push(s.path);
  }
  const ids = uniqueIds(capturePaths);
  for (const s of sources) {
    const i = capturePaths.indexOf(s.path);
    if (i >= 0 && (s.node || s.interface || s.kind))
      overrides.push({ capture: ids[i], node: s.node, interface: s.interface, kind: s.kind });
    // A bundle's interface table names the interface indexes of its `-i any` capture.
    const ifnames = (s as { ifnames?: ReadonlyMap<number, string> }).ifnames;
    if (i >= 0 && ifnames) for (const [idx, name] of ifnames) overrides.push({ point: `${ids[i]}#if${idx}`, interface: name });
  }
  const table = new PacketTable(1 << 14);
  const bgp = new BgpCollector();
  const summary = new PacketSummary();
  const points: PointDraft[] = [];
  const drafts: FileDraft[] = [];
  const budget = new ReadBudget(opts.limits);
  for (let fi = 0; fi < capturePaths.length; fi++) {
    if (opts.signal?.aborted) break;
    const path = capturePaths[fi];
    const ifaces: CaptureInterface[] = [];
    const pointOf = new Map<number, number>();
    const filePoints: number[] = [];
    const linktypes = new Set<number>();
    const firstRow = table.count;
    let lastKey = -1;
    let lastPoint = -1;
    const info = await readCapture(
      path,
      {
        onInterface: (i) => ifaces.push(i),
        onPacket: (p) => {
          const d = p.data;
          let ifindex = -1;
          let pktType = PKTTYPE_UNKNOWN;
          let arphrd = -1;
          let slla = -1;
          if (p.linktype === LinkType.LINUX_SLL2 && d.length >= 20) {
            ifindex = ((d[4] << 24) | (d[5] << 16) | (d[6] << 8) | d[7]) >>> 0;
            arphrd = (d[8] << 8) | d[9];
            pktType = d[10];
            if (d[11] === 6 && arphrd === 1) slla = 12;
          } else if (p.linktype === LinkType.LINUX_SLL && d.length >= 16) {
            pktType = (d[0] << 8) | d[1];
            arphrd = (d[2] << 8) | d[3];
            if (((d[4] << 8) | d[5]) === 6 && arphrd === 1) slla = 6;
          }
          const key = p.iface * 4294967296 + (ifindex + 1);
          let pi = lastKey === key ? lastPoint : pointOf.get(key);
          if (pi === undefined) {
            pi = points.length;
            const iface = ifaces.find((x) => x.key === p.iface);
            points.push({
              id: '',
              capture: ids[fi],
              file: fi,
              path,
              iface: p.iface,
              ifindex: ifindex >= 0 ? ifindex : null,
              ifName: iface?.name ?? null,
              arphrd: arphrd >= 0 ? arphrd : null,
              linktype: p.linktype,
              count: 0,
              node: null,
              nodeSource: 'none',
              interface: null,
              interfaceSource: 'none',
              kind: 'unknown',
              kindSource: 'none',
              evidence: [],
              podIp: -1,
              podMac: -1,
              firstNs: Number.POSITIVE_INFINITY,
              lastNs: Number.NEGATIVE_INFINITY,
            });
            pointOf.set(key, pi);
            filePoints.push(pi);
          }
          lastKey = key;
          lastPoint = pi;
          points[pi].count++;
          linktypes.add(p.linktype);
          summarize(d, p.linktype, summary, opts.decodeAs ? { decodeAs: opts.decodeAs } : undefined, p.origLen);
          const r = table.add(fi, p.index, pi, p.tsSec, p.tsNsec, p.origLen, pktType, d, summary);
          bgp.observe(r, d, summary, p.tsSec * 1e9 + p.tsNsec, () => ({ capture: ids[fi], index: p.index }));
          // Cooked captures carry the sender's MAC in the SLL header, not in an Ethernet header.
          if (slla >= 0 && summary.outerEthOffset < 0 && d.length >= slla + 6) {
            const mac = macNumber(
              (d[slla] << 8) | d[slla + 1],
              ((d[slla + 2] << 24) | (d[slla + 3] << 16) | (d[slla + 4] << 8) | d[slla + 5]) >>> 0,
            );
            table.outerMacSrc[r] = mac;
            if (summary.ipCount <= 1) table.innerMacSrc[r] = mac;
          }
        },
        onProgress: opts.onProgress
          ? (pr) => opts.onProgress!({ ...pr, file: path, fileIndex: fi, files: capturePaths.length })
          : undefined,
      },
      { signal: opts.signal, pcapReader: 'fast', budget },
    );
    // Point ids: the capture id alone when the file is one point, else capture#interface.
    const multiIface = new Set(filePoints.map((p) => points[p].iface)).size > 1;
    for (const pi of filePoints) {
      const p = points[pi];
      if (filePoints.length === 1) {
        p.id = ids[fi];
        if (!multiIface) p.iface = ifaces.length > 1 ? p.iface : null;
      } else {
        const name = p.ifindex !== null ? `if${p.ifindex}` : (p.ifName ?? `iface${p.iface}`);
        p.id = `${ids[fi]}#${name}`;
        if (p.ifindex !== null) p.ifName = null;
      }
      if (!multiIface && filePoints.length === 1) p.iface = null;
    }
    drafts.push({
      id: ids[fi],
      path,
      format: info.format,
      packetCount: table.count - firstRow,
      linktypes: [...linktypes],
      errors: info.errors,
      firstRow,
      points: filePoints,
    });
  }
  const loaded = enrichPaths.length ? await loadEnrichment(enrichPaths) : undefined;
  // Bundles that could not be opened are reported with the enrichment problems (findings), never thrown.
  const enrichment = expanded.errors.length
    ? mergeEnrichment([
        ...(loaded ? [loaded] : []),
        { nodes: [], pods: [], services: [], endpoints: [], subnets: [], errors: expanded.errors },
      ])
    : loaded;
  return { table, files: drafts, points, enrichment, overrides, bgp };
}
