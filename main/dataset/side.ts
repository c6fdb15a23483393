// What the streaming read knows of each row beyond the path finder's table (packets.ts `RowSide`),
// collected during the export's one read through the set reader's row hook, plus each capture's
// CaptureInfo (format, byte order, interfaces): together they let the app fetch a dataset row's
// record again from its original file, as it does for an open capture.

import type { CaptureInfo, RawPacket } from '../engine/types';
import type { PacketSummary } from '../engine/decode/types';
import type { RowSide } from './packets';

function grow<T extends Float64Array | Uint32Array | Uint8Array>(a: T, n: number): T {
  if (n <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

export class SideCollector implements RowSide {
  fileOffset = new Float64Array(1 << 14);
  iface = new Uint32Array(1 << 14);
  capLen = new Uint32Array(1 << 14);
  protoId = new Uint8Array(1 << 14);
  /** CaptureInfo of each capture file read, by path. */
  readonly infos = new Map<string, CaptureInfo>();

  readonly onRow = (r: number, p: RawPacket, s: PacketSummary): void => {
    if (r >= this.fileOffset.length) {
      this.fileOffset = grow(this.fileOffset, r + 1);
      this.iface = grow(this.iface, r + 1);
      this.capLen = grow(this.capLen, r + 1);
      this.protoId = grow(this.protoId, r + 1);
    }
    this.fileOffset[r] = p.fileOffset;
    this.iface[r] = p.iface;
    this.capLen[r] = p.capLen;
    this.protoId[r] = s.protoId;
  };

  readonly onFileRead = (path: string, info: CaptureInfo): void => {
    this.infos.set(path, info);
  };

  /** The columns sized for a table of `count` rows (the table function reads them by row). */
  forTable(count: number): RowSide {
    return {
      fileOffset: grow(this.fileOffset, count),
      iface: grow(this.iface, count),
      capLen: grow(this.capLen, count),
      protoId: grow(this.protoId, count),
    };
  }
}
