// Queries over the open set's packets: a page of the list (display filter compiled to a predicate
// over the columns, a graph element's packets, a sort), and one packet decoded in full. Only the
// packets on screen are read again from their files; their protocol and info text are cached.
import { readPacketsAt } from '../engine/readers/read';
import { decodePacket } from '../engine/decode';
import type { RawPacket } from '../engine/types';
import type { DecodeOptions } from '../engine/decode/types';
import type { PacketDetail, PacketPage, PacketQuery, PacketRow } from '../../common/contract';
import { compileFilter, parseFilter } from '../../common/filter';
import { colorOf, encapLabel, endpoints, protocolName, resolver } from './columns';
import { differingFields, levelsOf } from './detail';
import { elementPredicate } from './graph';
import { notePacketOf, type OpenSet } from './open-set';
import { fragmentNote } from '../topology/fragments';

const ROW_CACHE = 50_000;

export type ListOrder = Pick<PacketQuery, 'filter' | 'element' | 'sort' | 'descending'>;
export interface Match {
  readonly rows: Uint32Array;
  readonly error: { message: string; start: number; end: number } | null;
}

export class PacketQueries {
  private cache: { key: string; rows: Uint32Array } | null = null;
  private readonly rowText = new Map<number, { protocol: string; info: string }>();

  constructor(private readonly set: OpenSet) {}

  /** A new set was opened (or read again): cached rows name other packets now. */
  reset(): void {
    this.cache = null;
    this.rowText.clear();
  }

  /** One page of the list; `locate` (a packet number, 0 for none) is found in the query's order. */
  async page(q: PacketQuery & { locate: number }): Promise<PacketPage> {
    const { store } = this.set;
    const m = this.match(q);
    const rows = m.rows.subarray(q.offset, q.offset + q.limit);
    let located = -1;
    if (q.locate > 0) {
      const r = store.rowOfNo(q.locate);
      if (r >= 0) located = m.rows.indexOf(r);
    }
    return {
      generation: this.set.generation,
      total: m.rows.length,
      offset: q.offset,
      rows: await this.rowsView([...rows]),
      filterError: m.error,
      firstTime: store.count ? store.time(store.listOrder()[0]).time : 0,
      located,
    };
  }

  /** Packet `no` decoded in full, null when there is no such packet. */
  async detail(no: number): Promise<PacketDetail | null> {
    const { store, labels } = this.set;
    const r = store.rowOfNo(no);
    if (r < 0) return null;
    const file = store.files[store.table.file[r]];
    if (!file?.info) throw new Error(`${file?.name ?? 'the capture'} is still being read: its packets open in full when it is done.`);
    const raw = (await this.readRows([r])).get(r);
    if (!raw) throw new Error(`packet ${no} could not be read again from ${file.name}`);
    const pt = labels.points[labels.pointOf(r)];
    return packetDetail(
      no,
      raw,
      this.set.decodeOptions,
      packetPlace(store.table.file[r], file.name, pt?.node, pt?.iface),
      fragmentOf(store.table, r, (q) => store.no(q)),
    );
  }

  /** The rows a query keeps, in its order (cached for the last query of this generation and row count). */
  match(q: ListOrder): Match {
    const { store, analysis, generation } = this.set;
    const parsed = parseFilter(q.filter);
    if (!parsed.ok) return { rows: new Uint32Array(0), error: parsed.error };
    const key = `${generation}|${store.count}|${q.filter}|${q.element}|${q.sort}|${q.descending}`;
    if (this.cache?.key === key) return { rows: this.cache.rows, error: null };
    const labels = this.set.labels;
    const pred = compileFilter(parsed.ast, resolver(store, labels));
    const elem = q.element && analysis ? elementPredicate(q.element, analysis.data, store, labels, this.set.pointIndex) : null;
    const order = store.listOrder();
    const all = parsed.ast === null && !elem;
    let out = all ? order : new Uint32Array(Math.min(order.length, 1 << 16));
    let n = all ? order.length : 0;
    for (let i = 0; i < order.length && !all; i++) {
      const r = order[i];
      if (!pred(r) || (elem !== null && !elem(r))) continue;
      if (n === out.length) {
        const bigger = new Uint32Array(Math.min(order.length, out.length * 2));
        bigger.set(out);
        out = bigger;
      }
      out[n++] = r;
    }
    let rows = out.subarray(0, n);
    const k = this.sortKey(q.sort);
    if (k) {
      const keys = new Float64Array(store.count);
      for (const r of rows) keys[r] = k(r);
      rows = rows.slice().sort((a, b) => keys[a] - keys[b] || store.compareNo(a, b));
    }
    if (q.descending) rows = rows.slice().reverse();
    this.cache = { key, rows };
    return { rows, error: null };
  }

  /** Reads rows again from their files (in file order, one pass per file). Rows of a file still being read are left out. */
  async readRows(rows: readonly number[]): Promise<Map<number, RawPacket>> {
    const { store } = this.set;
    const byFile = new Map<number, number[]>();
    for (const r of rows) {
      const f = store.table.file[r];
      (byFile.get(f) ?? byFile.set(f, []).get(f)!).push(r);
    }
    const out = new Map<number, RawPacket>();
    for (const [fi, rs] of byFile) {
      const f = store.files[fi];
      if (!f.info) continue;
      rs.sort((a, b) => store.fileOffset[a] - store.fileOffset[b]);
      const got = await readPacketsAt(
        f.path,
        f.info,
        rs.map((r) => ({ fileOffset: store.fileOffset[r], iface: store.ifaceOf(r), index: store.table.index[r] })),
      );
      got.forEach((g, k) => {
        if (g.ok) out.set(rs[k], g.packet);
      });
    }
    return out;
  }

  private async rowsView(rows: readonly number[]): Promise<PacketRow[]> {
    const { store, labels, notes } = this.set;
    // Rows of a file still being read cannot be fetched again yet: listed without their Info for now.
    const pendingInfo = new Map<number, { protocol: string; info: string }>();
    for (const r of rows) if (!store.files[store.table.file[r]]?.info) pendingInfo.set(r, { protocol: protocolName(store, r), info: '' });
    const missing = rows.filter((r) => !this.rowText.has(r) && !pendingInfo.has(r));
    if (missing.length) {
      const raw = await this.readRows(missing);
      for (const r of missing) {
        const p = raw.get(r);
        if (!p) {
          this.rowText.set(r, { protocol: protocolName(store, r), info: '(could not be read again from the file)' });
          continue;
        }
        this.rowText.set(r, rowText(p, this.set.decodeOptions));
      }
      // The oldest texts go, never one of this page's (listed below from the cache).
      if (this.rowText.size > ROW_CACHE) {
        const page = new Set(rows);
        let over = this.rowText.size - ROW_CACHE;
        for (const k of this.rowText.keys()) {
          if (over <= 0) break;
          if (page.has(k)) continue;
          this.rowText.delete(k);
          over--;
        }
      }
    }
    return rows.map((r) => {
      const { noTime, ...t } = store.time(r);
      const [src, dst] = endpoints(store, r);
      const pt = labels.points[labels.pointOf(r)];
      const c = pendingInfo.get(r) ?? this.rowText.get(r)!;
      return {
        no: store.no(r),
        capture: store.table.file[r],
        ...t,
        ...(noTime ? { noTime: true } : {}),
        node: pt?.node ?? '',
        iface: pt?.iface ?? '',
        src,
        dst,
        protocol: c.protocol,
        length: store.table.origLen[r],
        encap: encapLabel(store, r),
        info: c.info,
        color: colorOf(store, r),
        note: notes ? notes.severityOf(notePacketOf(this.set, r) ?? { path: '', index: -1 }) : null,
      };
    });
  }

  private sortKey(column: PacketQuery['sort']): ((r: number) => number) | null {
    const { store, labels } = this.set;
    const t = store.table;
    const textRank = (get: (r: number) => string) => {
      const values = new Map<string, number>();
      for (let r = 0; r < store.count; r++) {
        const v = get(r);
        if (!values.has(v)) values.set(v, 0);
      }
      [...values.keys()].sort().forEach((v, i) => values.set(v, i));
      return (r: number) => values.get(get(r)) ?? 0;
    };
    switch (column) {
      case 'no':
      case 'time':
        return null;
      case 'length':
        return (r) => t.origLen[r];
      case 'src':
        return (r) => (t.innerVer[r] ? t.innerVer[r] * 2 ** 33 + t.innerSrc[r] : t.outerSrc[r]);
      case 'dst':
        return (r) => (t.innerVer[r] ? t.innerVer[r] * 2 ** 33 + t.innerDst[r] : t.outerDst[r]);
      case 'node':
        return textRank((r) => labels.points[labels.pointOf(r)]?.node ?? '');
      case 'iface':
        return textRank((r) => labels.points[labels.pointOf(r)]?.iface ?? '');
      case 'protocol':
        return textRank((r) => protocolName(store, r));
      case 'encap':
        return textRank((r) => encapLabel(store, r));
      default:
        return null;
    }
  }
}

/** Where a packet was captured, as its detail names it. */
export interface PacketPlace {
  readonly capture: number;
  readonly captureName: string;
  readonly node: string;
  readonly iface: string;
}

/** A packet's place, 'unknown' for a node or interface not known (the capture's reasons are under its 'why here'). */
export function packetPlace(
  capture: number,
  captureName: string,
  node: string | null | undefined,
  iface: string | null | undefined,
): PacketPlace {
  return { capture, captureName, node: node || 'unknown', iface: iface || 'unknown' };
}

/** Packet `no`, read again from its file as `raw`, decoded in full. */
export function packetDetail(
  no: number,
  raw: RawPacket,
  decodeOptions: DecodeOptions | undefined,
  place: PacketPlace,
  more: { fragment?: string } = {},
): PacketDetail {
  const d = decodePacket(raw.data, raw.linktype, decodeOptions, raw.origLen);
  return {
    no,
    ...place,
    tsSec: raw.tsSec,
    tsNsec: raw.tsNsec,
    ...(raw.hasTime ? {} : { noTime: true }),
    capLen: raw.capLen,
    origLen: raw.origLen,
    info: d.undecoded ?? d.info,
    levels: levelsOf(d),
    differing: differingFields(d),
    anomalies: d.anomalies.map((x) => ({ code: x.code, message: x.message, severity: x.severity, offset: x.offset })),
    ...more,
    bytes: raw.data,
    comments: raw.comments ?? [],
  };
}

/** The list's Protocol and Info columns of a packet read again from its file. */
export function rowText(raw: RawPacket, decodeOptions: DecodeOptions | undefined): { protocol: string; info: string } {
  const d = decodePacket(raw.data, raw.linktype, decodeOptions, raw.origLen);
  return { protocol: d.protocol, info: d.undecoded ?? d.info };
}

/** The detail's `fragment` entry, present only for a fragment. */
function fragmentOf(t: Parameters<typeof fragmentNote>[0], r: number, no: (row: number) => number): { fragment?: string } {
  const note = fragmentNote(t, r, no);
  return note === null ? {} : { fragment: note };
}
