// A capture set as a Parquet dataset directory:
//
//   DIR/packets/<capture>.parquet   one row per sighting, one file per capture (packets.ts)
//   DIR/<table>.parquet             the analysis: captures, points, nodes, node_addresses, pods,
//                                   services, flows, journeys, hops, findings, clock_offsets (tables.ts)
//
// Two ways to run it. The whole set (default): the set is read once, each capture's rows are written
// to its own packets file, then the analysis tables. The map step (`packetsOnly`): each file read
// and written on its own, in bounded memory (one file's table at a time), with nothing shared
// between files, so it runs beside the captures (one process per node or per file) and the packets
// directories are merged by copying. Either way a file that cannot be read is reported with its
// reason and the other files are still exported.

import { mkdir } from 'node:fs/promises';
import { analyze } from '../topology/analyze';
import { readCaptureSet, type CaptureSource, type LoadOptions } from '../topology/load';
import type { FileDraft } from '../topology/analyze';
import { PacketTable } from '../topology/table';
import { openDuck, type Duck, type DuckOptions } from './duck';
import { writePackets } from './packets';
import { writeAnalysisTables } from './tables';
import { exportInputs, writeModel } from './model';
import { SideCollector } from './side';

export interface ExportOptions extends Pick<
  LoadOptions,
  'enrichment' | 'overrides' | 'decodeAs' | 'limits' | 'maxClockSkewMs' | 'matchWindowMs'
> {
  /** The map step: packets only, each file on its own. */
  readonly packetsOnly?: boolean;
  /** Put before each capture's and point's id in the map step (`node1-`: eth0.pcap from two nodes kept apart). */
  readonly prefix?: string;
  /** DuckDB's settings for the writes (threads, memory limit). */
  readonly duck?: DuckOptions;
  /** Called as each capture is done (written or refused). */
  readonly onFile?: (f: ExportedFile) => void;
}

export interface ExportedFile {
  readonly capture: string;
  readonly path: string;
  readonly packets: number;
  /** The Parquet file written; null when nothing could be read. */
  readonly parquet: string | null;
  /** Why the file was not (wholly) exported: read errors, or the write's failure. */
  readonly problems: readonly string[];
}

export interface ExportResult {
  readonly files: readonly ExportedFile[];
  /** Rows per analysis table (absent in the map step). */
  readonly tables?: Record<string, number>;
  /** Packets written, and the time the packet files took (reading, decoding, writing). */
  readonly packets: number;
  readonly packetSeconds: number;
  /** The time the analysis and its tables took (the path finder, then every table but packets; 0 in the map step). */
  readonly tableSeconds: number;
  /** Arguments that gave nothing to export (an empty folder, a bundle without captures), with why. */
  readonly skipped: readonly string[];
}

function problemsOf(f: FileDraft): string[] {
  return f.errors.map((e) => `${e.fatal ? 'stopped' : 'warning'} at byte ${e.offset}: ${e.message} (${e.code})`);
}

async function exportFile(
  duck: Duck,
  d: Parameters<typeof writePackets>[1],
  f: FileDraft,
  dir: string,
  prefix = '',
  side?: SideCollector,
): Promise<ExportedFile> {
  const problems = problemsOf(f);
  if (f.packetCount === 0 && f.errors.some((e) => e.fatal))
    return { capture: f.id, path: f.path, packets: 0, parquet: null, problems: [`not a readable capture: ${problems.join('; ')}`] };
  try {
    const w = await writePackets(duck.db, d, f, dir, prefix, side?.forTable(d.table.count));
    return { capture: f.id, path: f.path, packets: w.packets, parquet: w.path, problems };
  } catch (e) {
    return { capture: f.id, path: f.path, packets: 0, parquet: null, problems: [...problems, `write failed: ${(e as Error).message}`] };
  }
}

export async function exportDataset(
  files: readonly (string | CaptureSource)[],
  dir: string,
  opts: ExportOptions = {},
): Promise<ExportResult> {
  const duck = await openDuck(opts.duck);
  await mkdir(dir, { recursive: true });
  const out: ExportedFile[] = [];
  const done = (f: ExportedFile) => {
    out.push(f);
    opts.onFile?.(f);
  };
  let packetSeconds = 0;
  try {
    if (opts.packetsOnly) {
      // One table and one side collector for every file, emptied before each: the memory is the
      // largest file's, allocated (and faulted in) once rather than once per file.
      const table = new PacketTable();
      const side = new SideCollector();
      for (const file of files) {
        const t0 = performance.now();
        const d = await readCaptureSet([file], {
          limits: opts.limits,
          overrides: opts.overrides,
          decodeAs: opts.decodeAs,
          onRow: side.onRow,
          table,
        });
        for (const f of d.files) done(await exportFile(duck, d, f, dir, opts.prefix, side));
        if (d.files.length === 0) {
          // An enrichment file (kubectl JSON, subnet.env) or an empty bundle: nothing of it is a packet.
          const path = typeof file === 'string' ? file : file.path;
          done({
            capture: path,
            path,
            packets: 0,
            parquet: null,
            problems: ['no capture in it (enrichment files belong to the whole-set export)'],
          });
        }
        packetSeconds += (performance.now() - t0) / 1000;
      }
      return { files: out, packets: out.reduce((n, f) => n + f.packets, 0), packetSeconds, tableSeconds: 0, skipped: [] };
    }
    const t0 = performance.now();
    const side = new SideCollector();
    const d = await readCaptureSet(files, { ...opts, onRow: side.onRow, onFileRead: side.onFileRead });
    // The folders and bundles that held no capture (their reading says so among the enrichment's errors).
    const skipped = (d.enrichment?.errors ?? []).filter((e) => e.endsWith(': no capture file inside'));
    if (d.files.length === 0)
      throw new Error(`nothing to export: no capture among the arguments${skipped.length ? ` (${skipped.join('; ')})` : ''}`);
    for (const f of d.files) done(await exportFile(duck, d, f, dir, '', side));
    const t1 = performance.now();
    packetSeconds = (t1 - t0) / 1000;
    const a = analyze(d.table, d.files, d.points, {
      overrides: d.overrides,
      enrichment: d.enrichment,
      matchWindowMs: opts.matchWindowMs,
      firstPassWindowMs: opts.maxClockSkewMs,
      bgp: d.bgp,
    });
    const tables = await writeAnalysisTables(duck.db, a, dir);
    // The analysis as the app rebuilds its graph and follow views from it.
    await writeModel(duck.db, a, side.infos, dir, exportInputs(files, opts));
    const tableSeconds = (performance.now() - t1) / 1000;
    return { files: out, tables, packets: out.reduce((n, f) => n + f.packets, 0), packetSeconds, tableSeconds, skipped };
  } finally {
    duck.close();
  }
}
