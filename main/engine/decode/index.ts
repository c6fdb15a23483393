// Public surface of the packet decoder.
//
//   decodePacket(data, linktype, opts?, origLen?) -> DecodedPacket
//       Full decode: layers outer to inner with Field trees and byte ranges, levels (tunnel
//       boundaries), anomalies with stable codes, Wireshark-like info line, and the summary below.
//   summarize(data, linktype, out: PacketSummary, opts?, origLen?) -> out
//       Fast path for whole files: fills one reusable PacketSummary, no allocation per packet.
//       Same decoders, same code path as decodePacket (each decoder records fields only in full mode).
//   opts: DecodeOptions { decodeAs?: [{ layer: 'udp', port, proto }], maxTunnelDepth? (default 8) }
//   origLen: the original wire length; tells a snap-length cut (TRUNCATED) from a packet shorter
//       than its headers claim (MALFORMED).
//   describePacket(data, linktype, out, opts?, origLen?) -> { info, protocol }
//       The info line and Protocol column of decodePacket (same text) without Layers/Fields: list views, text output.
//   describePacketText(data, linktype, out, text: PacketText, opts?, origLen?) -> text
//       The same into a reusable PacketText whose info is made only when asked for, or written
//       in parts (writeInfo) straight into an output chunk: the text output's hot path.
//   parseDecodeAs('udp:8472=vxlan') / decodeAsNames(): the CLI's --decode-as syntax and the names.
//
// Layout: protocols/<name>.ts, one decoder per protocol with its header diagram, each registering
// itself in registry.ts's dispatch tables (link type, ethertype, IP protocol, UDP/TCP port, IP
// version); packet.ts is the loop; context.ts the state shared by the decoders; oracle.ts renders
// a decoded packet in the tshark oracle shape.
export { decodePacket, describePacket, describePacketText, summarize, PacketText } from './packet';
export { parseDecodeAs, decodeAsNames } from './registry';
export * from './types';
