// Shared vocabulary of the capture engine. Plain TypeScript: no Electron, no Node-only types here,
// so the renderer can import these types too (type-only).

/** LINKTYPE_* values the engine decodes (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW_BSD12: 12,
  RAW_BSD14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type CaptureFormat = 'pcap' | 'pcapng';

/** One interface of a capture: a pcap file has exactly one; a pcapng file one per IDB per section. */
export interface CaptureInterface {
  /** 0-based index over the whole file (sections flattened), used as the packet's interface key. */
  readonly key: number;
  /** 0-based section number (pcap: 0). */
  readonly section: number;
  /** 0-based interface id inside its section, as pcapng numbers them (pcap: 0). */
  readonly interfaceId: number;
  readonly linktype: number;
  readonly snaplen: number;
  readonly name?: string;
  readonly description?: string;
  /** Timestamp resolution as a power-of-ten exponent (6 = microseconds, 9 = nanoseconds); binary resolutions are converted. */
  readonly tsresolExp?: number;
  readonly tsresolRaw?: number;
  readonly tsoffsetSec?: number;
}

/** A problem found while reading a file (not while decoding a packet). */
export interface ReadError {
  /** Stable code, e.g. 'empty-file', 'bad-magic', 'truncated-header', 'truncated-record', 'record-too-large', 'bad-block-length', 'gzip-error'. */
  readonly code: string;
  readonly message: string;
  /** Byte offset in the (decompressed) file where the problem is. */
  readonly offset: number;
  /** True when reading stopped here; false for a recoverable problem (e.g. one skipped block). */
  readonly fatal: boolean;
}

/**
 * One record handed out by a reader. Readers reuse ONE object and ONE buffer between callbacks
 * (hot path: no allocation per packet): copy what you keep.
 */
export interface RawPacket {
  /** 0-based number of the packet in the file. */
  index: number;
  /** Whole seconds since the epoch. */
  tsSec: number;
  /** Nanoseconds inside the second (0..999999999 for well-formed files; kept as read otherwise). */
  tsNsec: number;
  /**
   * False when the record carries no timestamp (a pcapng Simple Packet Block): tsSec and tsNsec are
   * then 0 and mean nothing. Such a packet is shown with no time and never timed.
   */
  hasTime: boolean;
  capLen: number;
  origLen: number;
  linktype: number;
  /** CaptureInterface.key of the interface this packet was captured on. */
  iface: number;
  /** Byte offset of the record (header included) in the decompressed file. */
  fileOffset: number;
  /** Captured bytes; a view valid only during the callback. */
  data: Uint8Array;
  /** pcapng opt_comment values, if any. */
  comments: string[] | null;
}

export interface ReadProgress {
  readonly bytesRead: number;
  /** Size on disk (compressed size for gzip files); bytesRead counts compressed bytes then too. */
  readonly bytesTotal: number;
  readonly packets: number;
}

export interface CaptureInfo {
  readonly path: string;
  readonly format: CaptureFormat | 'unknown';
  readonly compressed: boolean;
  readonly byteOrder?: 'little' | 'big';
  /** Classic pcap: 'us' or 'ns' from the magic number. */
  readonly tsPrecision?: 'us' | 'ns';
  readonly version?: string;
  readonly interfaces: readonly CaptureInterface[];
  readonly packetCount: number;
  readonly errors: readonly ReadError[];
  /** pcapng section header comments. */
  readonly comments: readonly string[];
}
