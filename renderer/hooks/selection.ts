// The selected packet: its number, its full decode for the Packet tab, and its journey's path,
// which lights up on the graph. A new analysis (generation) forgets the selection.
import { useCallback, useEffect, useState } from 'react';
import type { PacketDetail } from '../../common/contract';
import { api } from '../api';
import { errorText } from '../logic/format';

/** The graph elements of the selected packet's journey, and those of the packet's own hop. */
export interface SelectionPath {
  readonly path: string[];
  readonly focus: readonly string[];
}

export interface Selection {
  readonly selected: number | null;
  /** The packet the list must scroll to (seq changes each time it is asked, even for the same packet). */
  readonly reveal: { no: number; seq: number } | null;
  readonly detail: PacketDetail | null;
  readonly detailError: string | null;
  readonly path: SelectionPath | null;
  /** Selects a packet the user clicked in the list. */
  select(no: number): void;
  /** Selects a packet and scrolls the list to it (from a note, a hop). */
  show(no: number): void;
}

export function useSelection(generation: number, analysed: boolean): Selection {
  const [selected, setSelected] = useState<number | null>(null);
  const [reveal, setReveal] = useState<{ no: number; seq: number } | null>(null);
  const [detail, setDetail] = useState<PacketDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [path, setPath] = useState<SelectionPath | null>(null);

  useEffect(() => {
    if (!generation) return;
    setSelected(null);
    setDetail(null);
    setPath(null);
  }, [generation]);

  useEffect(() => {
    if (selected === null) return;
    let live = true;
    setDetailError(null);
    api.getPacket({ no: selected }).then(
      (d) => live && setDetail(d),
      (e: unknown) => live && setDetailError(errorText(e)),
    );
    if (analysed)
      api.followPacket({ no: selected }).then(
        (f) => {
          if (!live) return;
          const j = f?.journeys[f.selected];
          setPath(
            j ? { path: j.hops.flatMap((h) => h.elements), focus: j.hops.find((h) => h.packetNo === selected)?.elements ?? [] } : null,
          );
        },
        () => live && setPath(null),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- fetched when the selection or the analysis changes, not when the phase does
  }, [selected, generation]);

  const select = useCallback((no: number) => setSelected(no), []);
  const show = useCallback((no: number) => {
    setSelected(no);
    setReveal({ no, seq: Date.now() });
  }, []);
  return { selected, reveal, detail, detailError, path, select, show };
}
