// Evidence collection: a reason, a small sample of packet rows and a total count per fact.

import type { Evidence, PacketRef } from './types';
import type { PacketTable } from './table';

export const EVIDENCE_SAMPLE = 5;

/** Mutable accumulator while inferring; frozen into an Evidence at the end. */
export class EvidenceAcc {
  count = 0;
  readonly rows: number[] = [];
  add(row: number): void {
    this.count++;
    if (this.rows.length < EVIDENCE_SAMPLE) this.rows.push(row);
  }
  merge(o: EvidenceAcc): void {
    this.count += o.count;
    for (const r of o.rows) if (this.rows.length < EVIDENCE_SAMPLE) this.rows.push(r);
  }
}

export function packetRef(t: PacketTable, captureIds: readonly string[], row: number): PacketRef {
  return { capture: captureIds[t.file[row]], index: t.index[row] };
}

export function evidence(t: PacketTable, captureIds: readonly string[], reason: string, acc: EvidenceAcc | null): Evidence {
  if (!acc) return { reason, packets: [], count: 0 };
  return { reason, packets: acc.rows.map((r) => packetRef(t, captureIds, r)), count: acc.count };
}
