// A batch of packets copied out of the reader's buffer, so that a second thread can decode and
// format them (`decode --format text` on large files, text-thread.ts): what the text line needs of
// each RawPacket (number, time, lengths, link type, capture name) and its bytes. Posting a batch
// moves its memory to the other thread, which moves it back with the text: the same few buffers
// go back and forth, with no new memory (and page faults) per batch.
import type { RawPacket } from '../engine/types';

/** Doubles per packet: index, tsSec, tsNsec, origLen, linktype, capture, data start, data length. */
const FIELDS = 8;
/** Packets per batch: a few hundred KB of text, a message to the other thread per 2048 packets. */
export const BATCH_PACKETS = 2048;
const DATA_BYTES = 4 << 20;

/** What is posted to the formatting thread, and what comes back (meta and data moved back, chunks the text). */
export interface BatchMessage {
  id: number;
  meta: Float64Array;
  data: Uint8Array;
  count: number;
  captures: string[];
  chunks?: Uint8Array[];
}

export class PacketBatch {
  id = -1;
  count = 0;
  /** The capture column's values, indexed by the packets' capture field. */
  captures: string[] = [];
  private meta: Float64Array = new Float64Array(BATCH_PACKETS * FIELDS);
  private data: Uint8Array = new Uint8Array(DATA_BYTES);
  private used = 0;
  private lastCapture = '';
  private lastCaptureIndex = -1;

  /** Empties the batch for reuse under a new id. */
  reset(id: number): void {
    this.id = id;
    this.count = 0;
    this.used = 0;
    this.captures = [];
    this.lastCapture = '';
    this.lastCaptureIndex = -1;
  }

  get full(): boolean {
    return this.count === BATCH_PACKETS;
  }

  /** Copies `p` in; false (nothing added) when its bytes do not fit beside the packets already in. */
  add(p: RawPacket, capture: string): boolean {
    const len = p.data.length;
    if (this.used + len > this.data.length) {
      if (this.count > 0) return false;
      this.data = new Uint8Array(len);
    }
    if (capture !== this.lastCapture || this.lastCaptureIndex < 0) {
      let i = this.captures.indexOf(capture);
      if (i < 0) i = this.captures.push(capture) - 1;
      this.lastCapture = capture;
      this.lastCaptureIndex = i;
    }
    const m = this.meta;
    const at = this.count * FIELDS;
    m[at] = p.index;
    m[at + 1] = p.tsSec;
    m[at + 2] = p.tsNsec;
    m[at + 3] = p.origLen;
    m[at + 4] = p.linktype;
    m[at + 5] = this.lastCaptureIndex;
    m[at + 6] = this.used;
    m[at + 7] = len;
    this.data.set(p.data, this.used);
    this.used += len;
    this.count++;
    return true;
  }

  /** Posts the batch, moving its memory away until `back` returns it. */
  post(to: { postMessage(m: BatchMessage, transfer: ArrayBuffer[]): void }): void {
    const m: BatchMessage = { id: this.id, meta: this.meta, data: this.data, count: this.count, captures: this.captures };
    to.postMessage(m, [this.meta.buffer as ArrayBuffer, this.data.buffer as ArrayBuffer]);
  }

  /** Takes back the memory of a posted batch. */
  back(m: BatchMessage): void {
    this.meta = m.meta;
    this.data = m.data;
  }
}

/** Calls `each` with every packet of the batch, in order (`p` is reused, `p.data` a view of the shared bytes). */
export function forEachPacket(m: BatchMessage, each: (p: RawPacket, capture: string) => void): void {
  const { meta, data } = m;
  const p: RawPacket = {
    index: 0,
    tsSec: 0,
    tsNsec: 0,
    capLen: 0,
    origLen: 0,
    linktype: 0,
    iface: 0,
    fileOffset: -1,
    data,
    comments: null,
  };
  for (let i = 0, at = 0; i < m.count; i++, at += FIELDS) {
    p.index = meta[at];
    p.tsSec = meta[at + 1];
    p.tsNsec = meta[at + 2];
    p.origLen = meta[at + 3];
    p.linktype = meta[at + 4];
    const start = meta[at + 6];
    p.capLen = meta[at + 7];
    p.data = data.subarray(start, start + p.capLen);
    each(p, m.captures[meta[at + 5]]);
  }
}
