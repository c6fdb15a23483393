// Raw IP link types: no link header at all, the frame starts with the IP header.
//   LINKTYPE_RAW (101, and 12 / 14 as some BSDs write it): the version nibble picks IPv4 or IPv6
//   (flannel0, the flannel UDP backend's TUN device, is captured like this).
//   LINKTYPE_IPV4 (228) / LINKTYPE_IPV6 (229): the link type says which.
//
//  0 1 2 3 4 5 6 7
// +-+-+-+-+-+-+-+-+
// |Version|  ...  |   (the IP header itself)
// +-+-+-+-+-+-+-+-+
import { Next, type DecodeContext } from '../context';
import { register } from '../registry';
import { LinkType } from '../../types';
import { decodeIpv4 } from './ipv4';
import { decodeIpv6 } from './ipv6';

/** No layer of its own: dispatches on the version nibble. */
export function decodeRawIp(c: DecodeContext, off: number): number {
  if (!c.need('ip', off, 1)) return -1;
  c.setNext(Next.IPVERSION, c.data[off] >> 4);
  return off;
}

register(Next.LINK, LinkType.RAW, 'raw', decodeRawIp);
register(Next.LINK, LinkType.RAW_BSD12, 'raw', decodeRawIp);
register(Next.LINK, LinkType.RAW_BSD14, 'raw', decodeRawIp);
register(Next.LINK, LinkType.IPV4, 'ip', decodeIpv4);
register(Next.LINK, LinkType.IPV6, 'ipv6', decodeIpv6);
