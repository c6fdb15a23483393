// The --decode-as option (a UDP port's protocol, the app's "Decode as…"), shared by every command
// that decodes captures: one parser, one usage line.
import { decodeAsNames, parseDecodeAs } from '../engine/decode';
import type { DecodeAsEntry } from '../engine/decode/types';

/** The usage line of --decode-as; `width` aligns the description. */
export function decodeAsUsage(width = 23): string {
  const flag = '--decode-as udp:PORT=PROTO';
  return `  ${flag.length < width ? flag.padEnd(width) : `${flag}  `}decode a UDP port as PROTO (${decodeAsNames().join(', ')}); repeatable\n`;
}

/**
 * Takes `flag` when it is --decode-as: false when it is another option, true when its value went
 * into `into`, a message when the value is missing or wrong.
 */
export function takeDecodeAs(flag: string, value: () => string | undefined, into: DecodeAsEntry[]): boolean | string {
  if (flag !== '--decode-as') return false;
  const v = value();
  if (!v) return '--decode-as needs a value (udp:PORT=PROTO, e.g. udp:6784=vxlan)';
  try {
    into.push(parseDecodeAs(v));
  } catch (e) {
    return (e as Error).message;
  }
  return true;
}
