// `tunnelvision decode [--decode-as udp:PORT=PROTO]... [--format text|jsonl|oracle] FILE...`
//   text    one line per packet: number, time, capture, outer src > dst, inner src > dst, protocol, length, info
//   jsonl   one JSON object per packet with every decoded layer, field and anomaly
//   oracle  the JSON document shape of the tshark oracle files (oracle.sh v1), one per file
// Exit codes: 0 every file read completely, 1 some file failed or --max-bytes stopped the reading
// (the message names the file, the byte offset and the reason), 2 usage.
import { basename } from 'node:path';
import { ReadBudget, readCapture, epochText, type ReadLimits, type ReadOptions } from '../engine/readers/read';
import type { CaptureInfo, CaptureInterface, RawPacket } from '../engine/types';
import { decodePacket } from '../engine/decode/index';
import { oracleFrame, pyJson, type OracleFrame } from '../engine/decode/oracle';
import type { DecodeAsEntry, DecodeOptions, DecodedPacket } from '../engine/decode/types';
import { withOutput, type Output } from './output';
import { limitsUsage, takeLimit } from './limit-args';
import { decodeAsUsage, takeDecodeAs } from './decode-as-args';
import { TextFormatter } from './text-line';

const USAGE = `usage: tunnelvision decode [--decode-as udp:PORT=PROTO]... [--format text|jsonl|oracle] FILE...
${decodeAsUsage(29)}  --format text|jsonl|oracle   output format (default text)
  --max-tunnel-depth N         nested tunnels decoded before giving up (default 8)
${limitsUsage(['maxBytes'], 29)}`;

/** The oracle's decode-as (oracle.sh): 8472 as VXLAN, 8285 as bare IP (flannel UDP). Also built in. */
export const ORACLE_DECODE_AS: DecodeAsEntry[] = [
  { layer: 'udp', port: 8472, proto: 'vxlan' },
  { layer: 'udp', port: 8285, proto: 'flannel' },
];

interface Args {
  format: 'text' | 'jsonl' | 'oracle';
  decodeAs: DecodeAsEntry[];
  maxDepth?: number;
  limits: Partial<ReadLimits>;
  files: string[];
}

function parseArgs(args: string[]): Args | string {
  const a: Args = { format: 'text', decodeAs: [], limits: {}, files: [] };
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    const eq = x.startsWith('--') ? x.indexOf('=') : -1;
    const flag = eq > 0 ? x.slice(0, eq) : x;
    const val = (): string | undefined => (eq > 0 ? x.slice(eq + 1) : args[++i]);
    const limit = takeLimit(flag, val, a.limits, ['maxBytes']);
    if (typeof limit === 'string') return limit;
    if (limit) continue;
    const decodeAs = takeDecodeAs(flag, val, a.decodeAs);
    if (typeof decodeAs === 'string') return decodeAs;
    if (decodeAs) continue;
    if (x === '--format' || x.startsWith('--format=')) {
      const v = x.startsWith('--format=') ? x.slice(9) : args[++i];
      if (v !== 'text' && v !== 'jsonl' && v !== 'oracle') return `unknown format '${v}'`;
      a.format = v;
    } else if (x === '--max-tunnel-depth') {
      const n = Number(val());
      if (!Number.isInteger(n) || n < 0 || n > 64) return '--max-tunnel-depth needs an integer 0..64';
      a.maxDepth = n;
    } else if (x === '-h' || x === '--help') {
      return '';
    } else if (x.startsWith('-') && x !== '-') {
      return `unknown option '${x}'`;
    } else a.files.push(x);
  }
  if (a.files.length === 0) return 'no capture file given';
  return a;
}

export function jsonRecord(p: RawPacket, d: DecodedPacket, capture: string): Record<string, unknown> {
  return {
    number: p.index + 1,
    time_epoch: epochText(p),
    capture,
    iface: p.iface,
    file_offset: p.fileOffset,
    cap_len: p.capLen,
    len: p.origLen,
    linktype: p.linktype,
    protocol: d.protocol,
    info: d.info,
    levels: d.levels,
    ...(d.undecoded ? { undecoded: d.undecoded } : {}),
    layers: d.layers,
    anomalies: d.anomalies,
    ...(p.comments?.length ? { comments: p.comments } : {}),
  };
}

export interface OracleDocument {
  capture: string;
  oracle: string;
  decode_as: string[];
  readable: boolean;
  errors: { code: string; message: string; offset: number; fatal: boolean }[];
  frame_count: number;
  any_malformed: boolean;
  any_truncated: boolean;
  frames: OracleFrame[];
}

/** Decodes one file into the oracle document (used by the CLI and the oracle test). */
export async function oracleForFile(
  path: string,
  opts: DecodeOptions = { decodeAs: ORACLE_DECODE_AS },
  read: ReadOptions = {},
): Promise<{ doc: OracleDocument; info: CaptureInfo }> {
  const frames: OracleFrame[] = [];
  const ifaces: CaptureInterface[] = [];
  const info = await readCapture(
    path,
    {
      onInterface: (i) => {
        ifaces[i.key] = i;
      },
      onPacket: (p) => {
        frames.push(oracleFrame(p, decodePacket(p.data, p.linktype, opts, p.origLen), ifaces[p.iface], true));
      },
    },
    read,
  );
  if (info.format !== 'pcapng')
    for (const f of frames) {
      delete f.section;
      delete f.interface_id;
    }
  const doc: OracleDocument = {
    capture: basename(path),
    oracle: 'tunnelvision oracle v1 (oracle.sh v1 frame shape)',
    decode_as: (opts.decodeAs ?? []).map((e) => `${e.layer}.port==${e.port},${e.proto}`),
    readable: !(info.errors.some((e) => e.fatal) && frames.length === 0),
    errors: info.errors.map((e) => ({ code: e.code, message: e.message, offset: e.offset, fatal: e.fatal })),
    frame_count: frames.length,
    any_malformed: frames.some((f) => f.malformed),
    any_truncated: frames.some((f) => f.truncated),
    frames,
  };
  return { doc, info };
}

export function formatOracleDocument(doc: OracleDocument): string {
  const { frames, ...head } = doc;
  const h = JSON.stringify(head, null, 1);
  const body = frames.map((f) => '  ' + pyJson(f)).join(',\n');
  return h.slice(0, -2) + ',\n "frames": [\n' + body + (body ? '\n' : '') + ' ]\n}\n';
}

function reportErrors(path: string, info: CaptureInfo): boolean {
  for (const e of info.errors)
    process.stderr.write(`${path}: byte offset ${e.offset}: ${e.message}${e.fatal ? '' : ' (reading continued)'}\n`);
  return info.errors.length > 0;
}

export async function run(args: string[]): Promise<number> {
  const a = parseArgs(args);
  if (typeof a === 'string') {
    process.stderr.write((a ? `tunnelvision decode: ${a}\n` : '') + USAGE);
    return a ? 2 : 0;
  }
  const opts: DecodeOptions = {
    decodeAs: a.format === 'oracle' ? [...ORACLE_DECODE_AS, ...a.decodeAs] : a.decodeAs,
    ...(a.maxDepth !== undefined ? { maxTunnelDepth: a.maxDepth } : {}),
  };
  return withOutput('decode', (out) => decodeTo(out, a, opts));
}

/**
 * Bytes read per step of the packet loop: between steps, the loop waits for stdout to drain. 1 MiB
 * reads cost a third of what 64 KiB ones did on a 221 MB file (each read is a trip to the thread
 * pool), and the text one step makes stays a few MB at most.
 */
const CHUNK = 1 << 20;

async function decodeTo(out: Output, a: Args, opts: DecodeOptions): Promise<number> {
  // Output goes out as it is made; when the reader of our output goes away (`| head`), reading stops quietly.
  let failed = false;
  // Decoding keeps nothing, so only the bytes read are limited (a gzip bomb would otherwise run for hours).
  const budget = new ReadBudget({ ...a.limits, maxPackets: Number.POSITIVE_INFINITY, maxMemoryBytes: Number.POSITIVE_INFINITY });
  for (const path of a.files) {
    if (out.ended) break;
    if (a.format === 'oracle') {
      const { doc, info } = await oracleForFile(path, opts, { budget });
      await out.write(formatOracleDocument(doc));
      failed = reportErrors(path, info) || failed;
      continue;
    }
    // The capture column: the file name, plus the interface name when a pcapng file has several.
    const file = basename(path);
    const ifaces: CaptureInterface[] = [];
    const text = new TextFormatter(opts);
    const lines = text.lines;
    const info = await readCapture(
      path,
      {
        onInterface: (i) => {
          ifaces[i.key] = i;
        },
        onPacket: (p) => {
          if (out.ended) return;
          const capture = ifaces.length > 1 ? `${file}:${ifaces[p.iface]?.name ?? `if${p.iface}`}` : file;
          if (a.format === 'text') {
            // The info line without building layers and fields: same text as the full decode, several times faster.
            void out.push(text.packet(p, capture));
          } else {
            void out.push(lines.add(JSON.stringify(jsonRecord(p, decodePacket(p.data, p.linktype, opts, p.origLen), capture))));
          }
        },
      },
      { signal: out.signal, chunkSize: CHUNK, pause: () => out.drained(), budget },
    );
    await out.write(lines.take());
    if (!out.ended) failed = reportErrors(path, info) || failed;
  }
  return failed ? 1 : 0;
}
