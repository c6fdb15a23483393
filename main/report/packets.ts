// Fetches the few packets a report shows in full (the annotated ones) and decodes them: one streaming
// pass per capture that has any, stopping as soon as all its wanted packets are copied.
import { readCapture } from '../engine/readers/read';
import { decodePacket } from '../engine/decode';
import type { DecodedPacket, DecodeOptions, Field } from '../engine/decode/types';
import type { ReportField, ReportLevel } from './model';

export interface FetchedPacket {
  capture: string;
  index: number;
  tsSec: number;
  tsNsec: number;
  /** False when the record has no timestamp (tsSec and tsNsec mean nothing). */
  hasTime: boolean;
  iface: number;
  linktype: number;
  origLen: number;
  data: Uint8Array;
}

/** Copies packets `indexes` of one capture file. Missing ones are simply absent from the result. */
export async function fetchPackets(path: string, capture: string, indexes: ReadonlySet<number>): Promise<Map<number, FetchedPacket>> {
  const out = new Map<number, FetchedPacket>();
  if (!indexes.size) return out;
  const last = Math.max(...indexes);
  const stop = new AbortController();
  await readCapture(
    path,
    {
      onPacket(p) {
        if (indexes.has(p.index)) {
          out.set(p.index, {
            capture,
            index: p.index,
            tsSec: p.tsSec,
            tsNsec: p.tsNsec,
            hasTime: p.hasTime,
            iface: p.iface,
            linktype: p.linktype,
            origLen: p.origLen,
            data: p.data.slice(),
          });
        }
        if (p.index >= last && !stop.signal.aborted) stop.abort();
      },
    },
    { signal: stop.signal },
  );
  return out;
}

export function decodeFetched(p: FetchedPacket, opts?: DecodeOptions): DecodedPacket {
  return decodePacket(p.data, p.linktype, opts, p.origLen);
}

function flatten(fields: readonly Field[], depth: number, out: ReportField[]): void {
  for (const f of fields) {
    out.push({ name: f.name, label: f.label, value: f.display ?? (f.value === null ? '' : String(f.value)), depth, differs: false });
    if (f.children?.length) flatten(f.children, depth + 1, out);
  }
}

export function levelTitle(level: number, levels: number): string {
  if (levels <= 1) return 'Headers';
  if (level === 0) return 'Outer (level 0)';
  if (level === levels - 1) return `Inner (level ${level})`;
  return `Level ${level}`;
}

/** Layers grouped by encapsulation level, outermost first: the columns of the side-by-side view. */
export function reportLevels(d: DecodedPacket): ReportLevel[] {
  const levels = Math.max(d.levels, 1, ...d.layers.map((l) => l.level + 1));
  const out: ReportLevel[] = [];
  for (let level = 0; level < levels; level++) {
    const layers = d.layers
      .filter((l) => l.level === level)
      .map((l) => {
        const fields: ReportField[] = [];
        flatten(l.fields, 0, fields);
        return { proto: l.proto, name: l.name, summary: l.summary, fields };
      });
    if (layers.length) out.push({ level, title: levelTitle(level, levels), layers });
  }
  // Mark what the path changes between levels: a field name present at several levels with other values.
  const values = new Map<string, Set<string>>();
  for (const l of out)
    for (const ly of l.layers) for (const f of ly.fields) values.set(f.name, (values.get(f.name) ?? new Set()).add(f.value));
  return out.map((l) => ({
    ...l,
    layers: l.layers.map((ly) => ({
      ...ly,
      fields: ly.fields.map((f) => ((values.get(f.name)?.size ?? 0) > 1 ? { ...f, differs: true } : f)),
    })),
  }));
}
