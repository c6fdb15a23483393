// Types for pcap-parser 0.2.1 (the package ships none). Only what the classic pcap reader uses.
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';

  export interface PcapPacketHeader {
    timestampSeconds: number;
    /** The record's fraction field: microseconds, or nanoseconds in a nanosecond file. */
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }

  export interface PcapParser extends EventEmitter {
    /** Set by the parser after a fatal error; while true it ignores further input. */
    errored?: boolean;
  }

  /** `input` is a path or a readable stream (anything emitting 'data' Buffers, with pause/resume). */
  export function parse(input: string | EventEmitter): PcapParser;
}
