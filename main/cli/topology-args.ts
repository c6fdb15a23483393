// Arguments shared by `topology`, `follow` and `export`: capture files, --json, --enrich, --assign, --decode-as, limits.
import { resolveCaptureRef } from '../topology/select';
import type { InterfaceKind, PointOverride } from '../topology/types';
import type { ReadLimits } from '../engine/readers/budget';
import type { DecodeAsEntry } from '../engine/decode/types';
import { limitsUsage, takeLimit } from './limit-args';
import { decodeAsUsage, takeDecodeAs } from './decode-as-args';

export const COMMON_USAGE = `  --json                 machine-readable output
  --enrich FILE          kubectl get pods,nodes,services,endpoints -A -o json output, or flannel subnet.env (repeatable)
  --assign C=NODE[:IFACE[:KIND]]  attach capture (file or point id) C to a node/interface (repeatable)
  --max-skew MS          largest clock difference between nodes to look for (default 10000)
${decodeAsUsage()}${limitsUsage()}`;

export interface CommonArgs {
  files: string[];
  json: boolean;
  enrich: string[];
  overrides: PointOverride[];
  maxSkewMs?: number;
  /** Ports to decode as a protocol (--decode-as udp:6784=vxlan), beside the built-in ones. */
  decodeAs: DecodeAsEntry[];
  /** Limits on reading the set (--max-bytes, --max-packets, --max-memory). */
  limits: Partial<ReadLimits>;
  /** Options the command declared, by name, with their values. */
  extra: Map<string, string[]>;
}

const KINDS = new Set(['veth', 'bridge', 'vtep', 'tun', 'underlay', 'loopback', 'any', 'unknown']);

/** Parses the common options plus `valued` (options that take a value). Returns a message string on error ('' = help). */
export function parseCommonArgs(args: string[], valued: string[]): CommonArgs | string {
  const a: CommonArgs = { files: [], json: false, enrich: [], overrides: [], decodeAs: [], limits: {}, extra: new Map() };
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    const eq = x.startsWith('--') ? x.indexOf('=') : -1;
    const flag = eq > 0 ? x.slice(0, eq) : x;
    const inline = eq > 0 ? x.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    const limit = takeLimit(flag, value, a.limits);
    if (typeof limit === 'string') return limit;
    if (limit) continue;
    const decodeAs = takeDecodeAs(flag, value, a.decodeAs);
    if (typeof decodeAs === 'string') return decodeAs;
    if (decodeAs) continue;
    if (flag === '--json') a.json = true;
    else if (flag === '--max-skew') {
      const v = Number(value());
      if (!(v > 0)) return '--max-skew needs a positive number of milliseconds';
      a.maxSkewMs = v;
    } else if (flag === '-h' || flag === '--help') return '';
    else if (flag === '--enrich') {
      const v = value();
      if (!v) return '--enrich needs a file';
      a.enrich.push(v);
    } else if (flag === '--assign') {
      const v = value();
      const m = v ? /^(.+?)=([^:]*)(?::([^:]*))?(?::([^:]*))?$/.exec(v) : null;
      if (!m) return `--assign wants CAPTURE=NODE[:IFACE[:KIND]], got '${v ?? ''}'`;
      if (m[4] && !KINDS.has(m[4])) return `unknown interface kind '${m[4]}'`;
      const target = m[1].includes('#') ? { point: m[1] } : { capture: m[1] };
      a.overrides.push({ ...target, node: m[2] || undefined, interface: m[3] || undefined, kind: (m[4] as InterfaceKind) || undefined });
    } else if (valued.includes(flag)) {
      const v = value();
      if (v === undefined) return `${flag} needs a value`;
      a.extra.set(flag, [...(a.extra.get(flag) ?? []), v]);
    } else if (x.startsWith('-')) return `unknown option '${x}'`;
    else a.files.push(x);
  }
  return a;
}

/** Why each --assign correction does not apply: its capture is not in the set, or several captures answer to it. */
export function unresolvedAssignments(a: CommonArgs, captures: readonly { id: string; path: string }[]): string[] {
  const out: string[] = [];
  for (const o of a.overrides) {
    if (o.capture === undefined) continue;
    const r = resolveCaptureRef(o.capture, captures);
    if ('error' in r) out.push(`--assign: ${r.error}`);
  }
  return out;
}
