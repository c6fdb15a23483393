// flannel's "udp" backend (UDP 8285): the UDP payload is a bare IPv4 (or IPv6) packet, read from
// the flannel0 TUN device and sent to the peer's flanneld (flannel pkg/backend/udp). No header of
// its own: a zero-length layer marks the tunnel boundary, the version nibble picks the decoder.
//
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | outer IP | UDP (dst 8285) | inner IP header | inner payload ...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { Next, fld, protoId, type DecodeContext } from '../context';
import { register, registerDecodeAs } from '../registry';
import { TunnelKind } from '../types';

const PID = protoId('flannel');

export function decodeFlannel(c: DecodeContext, off: number): number {
  if (off >= c.end) {
    c.anomaly('empty-tunnel', 'flannel', off, 'flannel UDP datagram with no inner packet');
    return -1;
  }
  c.enter(PID);
  const version = c.data[off] >> 4;
  if (c.full) {
    c.layer(
      'flannel',
      'flannel UDP encapsulation',
      off,
      0,
      [fld('flannel.version', 'Inner IP version', version, off, 1)],
      `bare IPv${version} packet`,
      'flannel',
    );
  }
  if (!c.tunnel(TunnelKind.FLANNEL_UDP, -1, 'flannel', off)) return off;
  c.setNext(Next.IPVERSION, version);
  return off;
}

const entry = register(Next.UDP, 8285, 'flannel', decodeFlannel);
registerDecodeAs(entry, 'flannel', 'flannel-udp');
