// What IPv4 and IPv6 check the same way before reading their header: the version nibble, and that
// the fixed header is all there. On failure the cut header is still shown with the fields present.
import type { DecodeContext } from '../context';
import type { Field } from '../types';

export function ipHeaderPresent(
  c: DecodeContext,
  off: number,
  want: 4 | 6,
  minLen: number,
  fieldsOf: (d: Uint8Array, off: number, limit: number) => Field[],
): boolean {
  const proto = want === 4 ? 'ip' : 'ipv6';
  const name = want === 4 ? 'Internet Protocol Version 4' : 'Internet Protocol Version 6';
  const version = c.data[off] >> 4;
  if (version !== want) {
    if (c.full) c.layer(proto, name, off, 1, fieldsOf(c.data, off, off + 1), `bad version ${version}`, `IPv${want}`);
    c.anomaly('bad-version', proto, off, c.text ? `IP version ${version} where IPv${want} was announced` : '');
    return false;
  }
  const avail = c.end - off;
  if (avail < minLen) {
    if (c.full) c.layer(proto, name, off, Math.max(avail, 0), fieldsOf(c.data, off, c.end), 'header cut short', `IPv${want}`);
    c.need(proto, off, minLen);
    return false;
  }
  return true;
}
