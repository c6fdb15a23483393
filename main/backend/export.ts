// Exports of the open set: the packets of a selection (the list's filter and graph element, a
// flow, one journey) as pcapng, with the captures' own comments and the session's notes as packet
// comments and one interface per capture point named after its node; and the investigation report.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ExportSelection, ReportFormat } from '../../common/contract';
import { writePcapngFile, type PcapngInterface, type PcapngPacket } from '../engine/writers/pcapng';
import { notePacketOf, requireAnalysis, rowOfRef, type OpenSet } from './open-set';
import { snapshotOf } from './report-session';
import type { PacketQueries } from './queries';

/** Packets read again from their files per batch while writing. */
const BATCH = 2000;

/** The file name an export of `selection` is offered under. */
export function pcapngName(selection: ExportSelection): string {
  return selection.kind === 'filter'
    ? 'tunnelvision-filtered.pcapng'
    : selection.kind === 'flow'
      ? 'tunnelvision-flow.pcapng'
      : `tunnelvision-journey-${selection.journey}.pcapng`;
}

export class Exports {
  constructor(
    private readonly set: OpenSet,
    private readonly queries: PacketQueries,
    /** Settles when the session of the set is bound to its files (a report carries its notes). */
    private readonly notesReady: () => Promise<void>,
  ) {}

  /** Writes the selected packets as pcapng to `path`. */
  async writePcapng(selection: ExportSelection, path: string): Promise<{ packets: number; name: string }> {
    const { store, labels } = this.set;
    const rows = await this.rowsOf(selection);
    const ifaces: PcapngInterface[] = [];
    const ifaceOf = new Map<number, number>();
    for (const r of rows) {
      const k = store.table.file[r] * 65536 + store.ifaceOf(r);
      if (ifaceOf.has(k)) continue;
      const f = store.files[store.table.file[r]];
      const orig = f.info?.interfaces.find((i) => i.key === store.ifaceOf(r));
      const pt = labels.points[labels.pointOf(r)];
      ifaceOf.set(k, ifaces.length);
      ifaces.push({
        linktype: orig?.linktype ?? 1,
        name: pt?.node && pt.iface ? `${pt.node}/${pt.iface}` : (orig?.name ?? f.name),
        description: f.name,
        snaplen: orig?.snaplen,
      });
    }
    const { queries, set } = this;
    async function* packets(): AsyncGenerator<PcapngPacket> {
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        const raw = await queries.readRows(batch);
        for (const r of batch) {
          const p = raw.get(r);
          if (!p) continue;
          const at = set.notes && notePacketOf(set, r);
          const comments = [...(p.comments ?? []), ...((at && set.notes?.commentsOf(at)) ?? [])];
          yield {
            iface: ifaceOf.get(store.table.file[r] * 65536 + store.ifaceOf(r))!,
            tsSec: p.tsSec,
            tsNsec: p.tsNsec,
            data: p.data,
            origLen: p.origLen,
            comments: comments.length ? comments : undefined,
          };
        }
      }
    }
    mkdirSync(dirname(path), { recursive: true });
    const written = await writePcapngFile(path, { interfaces: ifaces, packets: packets(), application: 'Tunnelvision' });
    return { packets: written, name: pcapngName(selection) };
  }

  /** Writes the report of the open set to `path`. */
  async writeReport(format: ReportFormat, path: string): Promise<{ name: string; packets: number }> {
    const a = requireAnalysis(this.set, 'a report needs it');
    mkdirSync(dirname(path), { recursive: true });
    await this.notesReady();
    const notes = this.set.notes;
    // The analysis worker builds the report, beside the journeys it shows; the notes go with the question.
    const r = await a.writeReport(
      format,
      path,
      `Tunnelvision: ${this.set.store.files.length} captures`,
      notes ? snapshotOf(notes.store) : null,
    );
    return { name: `tunnelvision-report.${format}`, packets: r.packets };
  }

  /** The rows of a selection: the list's order for a filter; journeys by time for a flow; hop order for a journey. */
  private async rowsOf(sel: ExportSelection): Promise<number[]> {
    if (sel.kind === 'filter') {
      const m = this.queries.match({ filter: sel.filter, element: sel.element, sort: 'no', descending: false });
      if (m.error) throw new Error(`filter: ${m.error.message}`);
      return [...m.rows];
    }
    const a = requireAnalysis(this.set);
    const journeys = (await a.journeysForFlow(sel.flow)).filter((j) => sel.kind === 'flow' || String(j.id) === sel.journey);
    // Hop order within a journey (same-instant hops stay in path order), journeys by time.
    const rows = new Set<number>();
    for (const j of journeys)
      for (const h of j.hops) {
        const r = rowOfRef(this.set, h.packet.capture, h.packet.index);
        if (r >= 0) rows.add(r);
      }
    if (sel.kind === 'journey') return [...rows];
    const tNs = this.set.store.table.tNs;
    return [...rows].sort((x, y) => tNs[x] - tNs[y]);
  }
}
