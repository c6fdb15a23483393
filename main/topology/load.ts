// Loading a capture set: every capture file streamed once through the decoder's fast path into the
// columnar PacketTable (one row per packet, its capture point resolved on the way), enrichment files
// parsed beside them, then the analysis.

import { openRegularFile } from '../engine/readers/source';
import type { DecodeAsTable } from '../engine/decode';
import { ReadBudget, type ReadLimits } from '../engine/readers/read';
import type { CaptureInfo, ReadProgress } from '../engine/types';
import { analyze, type Analysis } from './analyze';
import { isEnrichmentFile, mergeEnrichment, parseKubectlJson, parseSubnetEnv, type Enrichment } from './enrich';
import { baseName, captureNames } from './naming';
import { resolveCaptureRef } from './select';
import { parseEtcdLeases } from './flannel-leases';
import { parseNameHistory } from './name-history';
import { expandBundles, nodeOfBundleFile, type BundleSource } from './bundles';
import { CaptureSetReader, type CaptureSetData, type FileReadHooks } from './set-reader';
import type { InterfaceKind, PointOverride } from './types';
import type { PacketTable } from './table';

export type { CaptureSetData } from './set-reader';

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
  /** Reading threads (default: one per core; sets under PARALLEL_MIN_BYTES are read on this thread). */
  readonly threads?: number;
  /** Limits on what reading the set may cost (defaults: DEFAULT_LIMITS); past one, reading stops with a read error. */
  readonly limits?: Partial<ReadLimits>;
  /** Called after each row is filled (what a caller keeps per row beyond the table: file offsets...). */
  readonly onRow?: FileReadHooks['onRow'];
  /** Called when each capture file has been read, with what its reading found (format, interfaces). */
  readonly onFileRead?: (path: string, info: CaptureInfo) => void;
  /** The table to read into, emptied first (SetReadOptions.table): a caller reading file after file reuses its memory. */
  readonly table?: PacketTable;
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

/** A set sorted before reading: its captures (with their ids), enrichment files, and the attributions bundles and callers gave. */
export interface SetPlan {
  readonly captures: readonly BundleSource[];
  readonly ids: readonly string[];
  readonly enrichment: readonly string[];
  /** Kind of each enrichment file found among the sources, by path. */
  readonly kinds: ReadonlyMap<string, NonNullable<ReturnType<typeof isEnrichmentFile>>>;
  readonly overrides: PointOverride[];
}

/**
 * Sorts already-expanded sources into captures and enrichment files by their first KiB (a file
 * that cannot be opened counts as a capture: its read reports why) and turns the attributions a
 * source carries (node, interface, a bundle's interface names) into overrides.
 */
export async function planSet(
  sources: readonly BundleSource[],
  overridesIn: readonly PointOverride[] = [],
  enrichmentIn: readonly string[] = [],
): Promise<SetPlan> {
  const overrides: PointOverride[] = [...overridesIn];
  const captures: BundleSource[] = [];
  const enrichment: string[] = [...enrichmentIn];
  const kinds = new Map<string, NonNullable<ReturnType<typeof isEnrichmentFile>>>();
  for (const s of sources) {
    const h = await head(s.path);
    const kind = h ? isEnrichmentFile(s.path, h) : null;
    if (kind) {
      enrichment.push(s.path);
      kinds.set(s.path, kind);
    } else captures.push(s);
  }
  const ids = captureNames(captures.map((c) => c.path));
  // A user's correction may name its capture by path ('worker-2/eth0.pcap'): the id it means.
  const known = captures.map((c, i) => ({ id: ids[i], path: c.path }));
  overrides.forEach((o, i) => {
    if (o.capture === undefined) return;
    const r = resolveCaptureRef(o.capture, known);
    if ('id' in r) overrides[i] = { ...o, capture: r.id };
  });
  captures.forEach((s, i) => {
    if (s.node || s.interface || s.kind) overrides.push({ capture: ids[i], node: s.node, interface: s.interface, kind: s.kind });
    // A bundle's interface table names the interface indexes of its `-i any` capture.
    if (s.ifnames) for (const [idx, name] of s.ifnames) overrides.push({ point: `${ids[i]}#if${idx}`, interface: name });
  });
  return { captures, ids, enrichment, kinds, overrides };
}

/** The enrichment of a set: its files parsed, with the bundles that could not be opened among its problems (findings, never thrown). */
export async function setEnrichment(paths: readonly string[], bundleErrors: readonly string[]): Promise<Enrichment | undefined> {
  const loaded = paths.length ? await loadEnrichment(paths) : undefined;
  return bundleErrors.length
    ? mergeEnrichment([
        ...(loaded ? [loaded] : []),
        { nodes: [], pods: [], services: [], endpoints: [], subnets: [], errors: [...bundleErrors] },
      ])
    : loaded;
}

/**
 * The reading half of loadCaptureSet: every packet through the decoder's fast path into the table.
 * analyze(table, files, points, opts) can then run (again, e.g. with other overrides) on the result.
 */
export async function readCaptureSet(files: readonly (string | CaptureSource)[], opts: LoadOptions = {}): Promise<CaptureSetData> {
  const expanded = await expandBundles(files.map((f) => (typeof f === 'string' ? { path: f } : f)));
  const plan = await planSet(expanded.sources, opts.overrides, opts.enrichment);
  const reader = new CaptureSetReader(plan.ids, {
    decodeAs: opts.decodeAs,
    signal: opts.signal,
    budget: new ReadBudget(opts.limits),
    table: opts.table,
  });
  const paths = plan.captures.map((c) => c.path);
  const onProgress = opts.onProgress;
  const progressOf = (fi: number) =>
    onProgress ? (pr: ReadProgress) => onProgress({ ...pr, file: paths[fi], fileIndex: fi, files: paths.length }) : undefined;
  if (opts.onRow || opts.onFileRead) {
    // Hooks that see every row run where the rows are read: one file after another, on this thread.
    for (let fi = 0; fi < paths.length; fi++) {
      if (opts.signal?.aborted) break;
      const info = await reader.readFile(paths[fi], { onProgress: progressOf(fi), onRow: opts.onRow });
      opts.onFileRead?.(paths[fi], info);
    }
  } else await reader.readFiles(paths, { onProgress: onProgress ? (fi, pr) => progressOf(fi)!(pr) : undefined, threads: opts.threads });
  return reader.data(await setEnrichment(plan.enrichment, expanded.errors), plan.overrides);
}
