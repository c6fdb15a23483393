// Export of a dataset's packets to pcapng (Export to Wireshark): the packets of a selection (the
// list's filter and graph element, a flow, one journey) read again from their original captures,
// with the captures' own comments and the dataset's notes as packet comments, and one interface per
// capture interface named after its node, as the capture-backed export (backend/export.ts) writes
// them. The interfaces are written as they are first met (pcapng allows them anywhere in the section),
// so a selection of any size streams through in one pass.

import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ExportSelection } from '../../common/contract';
import { PcapngFileWriter } from '../engine/writers/pcapng';
import { pcapngName } from '../backend/export';
import type { Notes } from '../backend/notes';
import type { DatasetSource } from './app-source';

/** Packets read again from their files per batch while writing. */
const BATCH = 2000;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v));
const label = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Writes the selected packets of dataset `d` as pcapng to `path`. */
export async function writeDatasetPcapng(
  d: DatasetSource,
  selection: ExportSelection,
  path: string,
  notes: Notes | null,
): Promise<{ packets: number; name: string }> {
  mkdirSync(dirname(path), { recursive: true });
  const w = await PcapngFileWriter.create(path, { application: 'Tunnelvision' });
  try {
    const ifaceOf = new Map<number, number>();
    for await (const batch of d.selection(selection, BATCH))
      for (const { row, raw } of batch) {
        const cap = num(row.cap_no);
        const k = cap * 65536 + raw.iface;
        let iface = ifaceOf.get(k);
        if (iface === undefined) {
          const f = d.files[cap];
          const orig = f?.info?.interfaces.find((i) => i.key === raw.iface);
          const [node, name] = [label(row.pt_node), label(row.pt_iface)];
          iface = await w.addInterface({
            linktype: orig?.linktype ?? 1,
            name: node && name ? `${node}/${name}` : (orig?.name ?? basename(f?.path ?? '')),
            description: basename(f?.path ?? ''),
            snaplen: orig?.snaplen,
          });
          ifaceOf.set(k, iface);
        }
        const comments = [...(raw.comments ?? []), ...(notes?.commentsOf(d.notePacket(cap, num(row.idx))) ?? [])];
        await w.packet({
          iface,
          tsSec: raw.tsSec,
          tsNsec: raw.tsNsec,
          data: raw.data,
          origLen: raw.origLen,
          comments: comments.length ? comments : undefined,
        });
      }
  } finally {
    await w.close().catch(() => undefined);
  }
  return { packets: w.packets, name: pcapngName(selection) };
}
