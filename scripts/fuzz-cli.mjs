#!/usr/bin/env node
// Seeded mutation fuzzer for the command line, run by hand (not part of the test suite): it damages
// real captures (fixtures/captures/**, and the public ones when present, read in place) and crafts
// hostile packets, writes each mutant to a temporary folder and runs it through
// `tunnelvision decode --format jsonl`, `decode --format text`, `topology` and `follow --flow`, each
// with a time limit and an address-space cap. A case fails when a command
//   - prints a stack trace or an internal error, dies on a signal, or exits with a code it does not document;
//   - runs past the time limit or the memory cap;
//   - exits 0 while reporting an error, or 1 without saying why (every message names a byte offset);
//   - lists another number of packets than an independent record parser finds before the first
//     fatal error it reports (a packet silently lost or invented), or the text and JSON outputs
//     disagree on that number.
// Usage: node scripts/fuzz-cli.mjs [--seed N] [--per-category N] [--only CATEGORY,...] [--keep DIR]
//   [--bundle DIR]: run a copy of the CLI bundle (cp -r out/cli out/fuzz-cli) instead of main/cli/bin.mjs,
//   so that the sources may change while it runs.
// Failing mutants are kept in DIR (default /tmp/tunnelvision-fuzz/failures) with a line in index.txt.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'main/cli/bin.mjs');
const PUBLIC = join(ROOT, '../shared/captures/public');
const TIME_LIMIT_MS = 20_000;
const AS_LIMIT = String(3 * 1024 ** 3);
const MAX_RECORD = 262144;

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const SEED = Number(arg('--seed', '1'));
const PER = Number(arg('--per-category', '40'));
const ONLY = arg('--only', '')?.split(',').filter(Boolean);
const WORK = arg('--work', '/tmp/tunnelvision-fuzz');
const KEEP = arg('--keep', join(WORK, 'failures'));
const CMDS = (arg('--commands', 'jsonl,text,topology,follow') ?? '').split(',');
// A copy of out/cli to run (made by this script under out/, so the sources can change during a run).
const BUNDLE = arg('--bundle', '');
// Keep every mutant in this folder too (for test/engine/fuzz-app.ts, which opens them in the app's backend).
const SAVE = arg('--save', '');
// With --save: write the mutants without running the commands.
const GENERATE_ONLY = process.argv.includes('--generate-only');

// ---- seeded random -------------------------------------------------------------------------
let state = SEED >>> 0 || 1;
const rnd = () => {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
};
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];

// ---- independent record parser -----------------------------------------------------------------
/** Records of a capture: [{start, end}] of every complete packet record, and where parsing stopped. */
function records(bytes) {
  let b = bytes;
  if (b[0] === 0x1f && b[1] === 0x8b) {
    // gzip(1) writes out every member it can read, whatever follows them (it warns, and exits 1 or 2).
    const r = spawnSync('gzip', ['-dc'], { input: b, maxBuffer: 1 << 30 });
    if (r.error) return null;
    b = new Uint8Array(r.stdout);
  }
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const out = [];
  if (b.length < 4) return { recs: out, stop: 0 };
  const m = v.getUint32(0, true);
  if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(m)) {
    const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
    if (b.length < 24) return { recs: out, stop: 0 };
    let o = 24;
    while (o + 16 <= b.length) {
      const cap = v.getUint32(o + 8, le);
      if (cap > MAX_RECORD || o + 16 + cap > b.length) break;
      out.push({ start: o, end: o + 16 + cap });
      o += 16 + cap;
    }
    return { recs: out, stop: o };
  }
  if (m === 0x0a0d0d0a) {
    let o = 0;
    let le = true;
    while (o + 12 <= b.length) {
      let type = v.getUint32(o, le);
      if (type === 0x0a0d0d0a) {
        const bom = v.getUint32(o + 8, true);
        if (bom === 0x1a2b3c4d) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else break;
        type = 0x0a0d0d0a;
      }
      const len = v.getUint32(o + 4, le);
      if (len < 12 || len % 4 || len > MAX_RECORD + 1024 || o + len > b.length) break;
      if (v.getUint32(o + len - 4, le) !== len) break;
      if (type === 6 || type === 3 || type === 2) out.push({ start: o, end: o + len });
      o += len;
    }
    return { recs: out, stop: o };
  }
  return { recs: out, stop: 0 };
}

// ---- crafted packets ---------------------------------------------------------------------------
const cat = (...parts) => {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const o = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    o.set(p, at);
    at += p.length;
  }
  return o;
};
const u16 = (x) => [(x >> 8) & 0xff, x & 0xff];
const eth = (type) => new Uint8Array([0x0a, 0x58, 10, 244, 1, 2, 0x0a, 0x58, 10, 244, 0, 2, ...u16(type)]);
function ipv4(proto, payload, { src = [10, 0, 0, 1], dst = [10, 0, 0, 2], options = [] } = {}) {
  const ihl = 20 + options.length;
  const h = new Uint8Array(ihl);
  const v = new DataView(h.buffer);
  h[0] = 0x40 | ((ihl / 4) & 0x0f);
  v.setUint16(2, Math.min(0xffff, ihl + payload.length));
  h[8] = 64;
  h[9] = proto;
  h.set(src, 12);
  h.set(dst, 16);
  h.set(options, 20);
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += v.getUint16(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  v.setUint16(10, ~s & 0xffff);
  return cat(h, payload);
}
function ipv6(next, payload, ext = []) {
  const h = new Uint8Array(40);
  const v = new DataView(h.buffer);
  h[0] = 0x60;
  const body = cat(...ext, payload);
  v.setUint16(4, Math.min(0xffff, body.length));
  h[6] = next;
  h[7] = 64;
  h[8] = 0xfd;
  h[23] = 1;
  h[24] = 0xfd;
  h[39] = 2;
  return cat(h, body);
}
function udp(sport, dport, payload, len) {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, len ?? Math.min(0xffff, 8 + payload.length));
  return cat(h, payload);
}
function tcp(payload, dataOffsetWords = 5, flags = 0x18) {
  const h = new Uint8Array(Math.max(20, dataOffsetWords * 4));
  const v = new DataView(h.buffer);
  v.setUint16(0, 40000);
  v.setUint16(2, 80);
  v.setUint32(4, 1000);
  h[12] = (dataOffsetWords & 0x0f) << 4;
  h[13] = flags;
  v.setUint16(14, 65535);
  return cat(h, payload);
}
const vxlanHdr = (flags = 0x08, vni = 1) => new Uint8Array([flags, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0]);
const genevePayload = (optWords, proto = 0x6558, opts) =>
  cat(new Uint8Array([optWords & 0x3f, 0, ...u16(proto), 0, 0, 1, 0]), opts ?? new Uint8Array(optWords * 4));
const greHdr = (proto) => new Uint8Array([0, 0, ...u16(proto)]);
const innerUdp = () => cat(eth(0x0800), ipv4(17, udp(1234, 53, new Uint8Array(12)), { src: [10, 244, 1, 5], dst: [10, 244, 2, 6] }));

/** An Ethernet frame with `depth` tunnels of the kinds chosen from `kinds` around an inner UDP packet. */
function nested(depth, kinds) {
  let frame = innerUdp(); // an Ethernet frame
  for (let i = 0; i < depth; i++) {
    const k = kinds[i % kinds.length];
    const ipPayload = frame.subarray(14); // the frame's network layer
    const ethType = (frame[12] << 8) | frame[13];
    let outer;
    if (k === 'vxlan') outer = ipv4(17, udp(40000 + i, 4789, cat(vxlanHdr(), frame)));
    else if (k === 'geneve') outer = ipv4(17, udp(40000 + i, 6081, cat(genevePayload(0), frame)));
    else if (k === 'gre-eth') outer = ipv4(47, cat(greHdr(0x6558), frame));
    else if (k === 'gre') outer = ipv4(47, cat(greHdr(ethType), ipPayload));
    else if (k === 'ipip') outer = ethType === 0x86dd ? ipv4(41, ipPayload) : ipv4(4, ipPayload);
    else if (k === 'ip6ip') outer = null;
    if (k === 'ip6ip') frame = cat(eth(0x86dd), ipv6(ethType === 0x86dd ? 41 : 4, ipPayload));
    else frame = cat(eth(0x0800), outer);
  }
  return frame;
}

function pcapFile(frames, linktype = 1, snaplen = 262144) {
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linktype, true);
  const recs = frames.map((f, i) => {
    const r = new Uint8Array(16 + f.length);
    const rv = new DataView(r.buffer);
    rv.setUint32(0, 1_700_000_000 + i, true);
    rv.setUint32(8, f.length, true);
    rv.setUint32(12, f.length, true);
    r.set(f, 16);
    return r;
  });
  return cat(h, ...recs);
}

// ---- seeds ---------------------------------------------------------------------------------------
function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'expected') walk(p, out);
    } else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out;
}
const seedPaths = [...walk(join(ROOT, 'fixtures/captures')), ...(statSync(PUBLIC, { throwIfNoEntry: false }) ? walk(PUBLIC) : [])]
  .filter((p) => statSync(p).size > 0 && statSync(p).size < 512 * 1024)
  .sort();
const seeds = seedPaths
  .map((p) => {
    let b = new Uint8Array(readFileSync(p));
    const r = records(b);
    if (r && p.endsWith('.gz')) b = new Uint8Array(spawnSync('gzip', ['-dc'], { input: b, maxBuffer: 1 << 30 }).stdout);
    return { path: p, bytes: b, recs: r?.recs ?? [], ng: b[0] === 0x0a };
  })
  .filter((s) => s.recs.length > 0);
const pcapSeeds = seeds.filter((s) => !s.ng && s.bytes[0] !== 0x0a);
const ngSeeds = seeds.filter((s) => s.ng);

const setU32 = (b, at, x, le = true) => {
  if (at >= 0 && at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, x >>> 0, le);
  return b;
};
const seedLE = (s) =>
  s.ng || new DataView(s.bytes.buffer).getUint32(0, true) === 0xa1b2c3d4 || new DataView(s.bytes.buffer).getUint32(0, true) === 0xa1b23c4d;

/** pcapng blocks of a seed: [{start, type, len}]. */
function blocks(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const out = [];
  let le = true;
  for (let o = 0; o + 12 <= b.length;) {
    if (v.getUint32(o, true) === 0x0a0d0d0a) le = v.getUint32(o + 8, true) === 0x1a2b3c4d;
    const len = v.getUint32(o + 4, le);
    if (len < 12 || o + len > b.length) break;
    out.push({ start: o, type: v.getUint32(o, le), len, le });
    o += len;
  }
  return out;
}

// ---- categories ------------------------------------------------------------------------------------
const ABSURD = [0, 1, 15, 16, 17, 65535, 65536, MAX_RECORD, MAX_RECORD + 1, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];
const categories = {
  'flip-record-header': () => {
    const s = pick(seeds);
    const b = s.bytes.slice();
    const r = pick(s.recs);
    const hdr = s.ng ? 28 : 16;
    for (let k = 1 + int(3); k > 0; k--) b[r.start + int(hdr)] ^= 1 << int(8);
    return { bytes: b, from: s.path };
  },
  'flip-packet-bytes': () => {
    const s = pick(seeds);
    const b = s.bytes.slice();
    for (let k = 1 + int(8); k > 0; k--) {
      const r = pick(s.recs);
      const d = r.start + (s.ng ? 28 : 16);
      const span = Math.min(r.end - d, 96);
      if (span > 0) b[d + int(span)] ^= 1 << int(8);
    }
    return { bytes: b, from: s.path };
  },
  'truncate-boundary': () => {
    const s = pick(seeds);
    const r = pick(s.recs);
    const hdr = s.ng ? 28 : 16;
    const at = pick([
      r.start,
      r.start + 1,
      r.start + 4,
      r.start + 8,
      r.start + hdr - 1,
      r.start + hdr,
      r.start + hdr + 1,
      r.end - 1,
      r.end - 4,
      r.end,
      1,
      4,
      8,
      23,
      24,
      25,
      27,
    ]);
    return { bytes: s.bytes.slice(0, Math.max(0, at)), from: s.path };
  },
  'caplen-origlen-absurd': () => {
    const s = pick(pcapSeeds);
    const b = s.bytes.slice();
    const r = pick(s.recs);
    const le = seedLE(s);
    const snap = new DataView(b.buffer).getUint32(16, le);
    const vals = [...ABSURD, snap + 1, snap, Math.max(0, snap - 1)];
    if (rnd() < 0.5) setU32(b, r.start + 8, pick(vals), le);
    if (rnd() < 0.7) setU32(b, r.start + 12, pick(vals), le);
    if (rnd() < 0.2) setU32(b, 16, pick(vals), le); // snaplen itself
    return { bytes: b, from: s.path };
  },
  'pcapng-block-length': () => {
    const s = pick(ngSeeds);
    const b = s.bytes.slice();
    const bl = blocks(b);
    const k = pick(bl);
    const val = pick([
      0,
      4,
      8,
      12,
      13,
      14,
      15,
      16,
      20,
      k.len + 1,
      k.len + 2,
      k.len - 4,
      k.len + 4,
      0x7ffffffc,
      0xfffffffc,
      0xffffffff,
      MAX_RECORD * 4,
    ]);
    const where = int(3);
    if (where !== 1) setU32(b, k.start + 4, val, k.le);
    if (where !== 0) setU32(b, k.start + k.len - 4, val, k.le);
    if (k.type === 6 && rnd() < 0.5) setU32(b, k.start + 20, pick(ABSURD), k.le); // EPB captured length
    return { bytes: b, from: s.path };
  },
  'shb-version': () => {
    const s = pick(ngSeeds);
    const b = s.bytes.slice();
    const shbs = blocks(b).filter((x) => x.type === 0x0a0d0d0a);
    const k = pick(shbs);
    const dv = new DataView(b.buffer);
    const major = pick([0, 1, 2, 3, 0xffff]);
    const minor = pick([0, 1, 2, 0xffff]);
    dv.setUint16(k.start + 12, major, k.le);
    dv.setUint16(k.start + 14, minor, k.le);
    if (rnd() < 0.3) setU32(b, k.start + 16, pick([0, 12345, 0xffffffff]), k.le); // section length (low half)
    return { bytes: b, from: s.path };
  },
  'idb-missing': () => {
    const s = pick(ngSeeds);
    const bl = blocks(s.bytes);
    const idbs = bl.filter((x) => x.type === 1);
    const drop = rnd() < 0.5 ? idbs : [pick(idbs)];
    const keep = bl.filter((x) => !drop.includes(x)).map((x) => s.bytes.subarray(x.start, x.start + x.len));
    return { bytes: cat(...keep), from: s.path };
  },
  'options-bad-length': () => {
    const s = pick(ngSeeds);
    const b = s.bytes.slice();
    const bl = blocks(b).filter((x) => x.type === 0x0a0d0d0a || x.type === 1 || x.type === 6);
    const k = pick(bl);
    const dv = new DataView(b.buffer);
    let optStart;
    if (k.type === 0x0a0d0d0a) optStart = k.start + 24;
    else if (k.type === 1) optStart = k.start + 16;
    else optStart = k.start + 28 + ((dv.getUint32(k.start + 20, k.le) + 3) & ~3);
    const end = k.start + k.len - 4;
    if (optStart + 4 > end) {
      // No options: write one over the body's last word, when there is room.
      optStart = end - 4;
      if (optStart <= k.start + 8) return { bytes: b, from: s.path };
    }
    dv.setUint16(optStart, pick([1, 2, 3, 4, 9, 0x8000, 0xffff]), k.le);
    dv.setUint16(optStart + 2, pick([0, 1, 3, 4, 7, 8, 255, 0x7fff, 0xfffc, 0xffff]), k.le);
    return { bytes: b, from: s.path };
  },
  'gzip-cut': () => {
    const s = pick(seeds);
    const gz = gzipSync(s.bytes);
    const at = pick([
      1,
      2,
      9,
      10,
      11,
      20,
      Math.floor(gz.length / 2),
      gz.length - 9,
      gz.length - 8,
      gz.length - 4,
      gz.length - 1,
      int(gz.length),
    ]);
    const b = new Uint8Array(gz.subarray(0, at));
    if (rnd() < 0.3) b[10 + int(Math.max(1, b.length - 10))] ^= 1 << int(8);
    return { bytes: b, from: s.path, gz: true };
  },
  'gzip-trailing': () => {
    const s = pick(seeds);
    const at = int(s.bytes.length + 1);
    const members = rnd() < 0.5 ? [gzipSync(s.bytes)] : [gzipSync(s.bytes.subarray(0, at)), gzipSync(s.bytes.subarray(at))];
    const tail = pick([
      new Uint8Array(0),
      new Uint8Array(1 + int(64)),
      new Uint8Array([0x1f]),
      new Uint8Array([0x1f, 0x8b, 8, 0]),
      new TextEncoder().encode('garbage'),
      members[0].subarray(0, 10),
    ]);
    const b = cat(...members, tail);
    if (rnd() < 0.3) b[members[0].length - 1 - int(8)] ^= 1 << int(8); // the first member's trailer (CRC, length)
    return { bytes: b, from: s.path, gz: true };
  },
  'linktype-unknown-or-mismatched': () => {
    const lt = pick([0, 1, 9, 12, 101, 105, 108, 113, 127, 147, 228, 229, 239, 276, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, 65000]);
    if (rnd() < 0.6) {
      const s = pick(pcapSeeds);
      const b = s.bytes.slice();
      const le = seedLE(s);
      setU32(b, 20, lt, le);
      return { bytes: b, from: s.path };
    }
    const s = pick(ngSeeds);
    const b = s.bytes.slice();
    const idbs = blocks(b).filter((x) => x.type === 1);
    const k = pick(idbs);
    new DataView(b.buffer).setUint16(k.start + 8, lt & 0xffff, k.le);
    return { bytes: b, from: s.path };
  },
  'tunnels-nested': () => {
    const kinds = pick([
      ['vxlan'],
      ['geneve'],
      ['gre-eth'],
      ['ipip'],
      ['ipip', 'gre', 'vxlan'],
      ['ip6ip'],
      ['ip6ip', 'ipip'],
      ['geneve', 'gre', 'vxlan', 'ipip'],
    ]);
    const depth = pick([9, 10, 20, 50, 64, 100, 200]);
    const frames = [nested(depth, kinds), nested(int(12), kinds), innerUdp()];
    return { bytes: pcapFile(frames), from: `crafted ${kinds.join('/')} x${depth}` };
  },
  'ipv6-ext-chain': () => {
    // Hop-by-hop (0), destination (60), routing (43), fragment (44), AH (51): long chains, loops, bad lengths.
    const exts = [];
    const n = pick([1, 2, 8, 16, 50, 200, 1000]);
    const types = [];
    for (let i = 0; i < n; i++) types.push(pick([0, 60, 43, 44, 51, 60]));
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? types[i + 1] : pick([17, 6, 58, 59, 4, 41, 0]);
      const t = types[i];
      let h;
      if (t === 44) h = new Uint8Array([next, 0, 0, pick([0, 1, 8]), 0, 0, 0, 1]);
      else if (t === 51) {
        const plen = pick([0, 1, 2, 4, 255]);
        h = new Uint8Array(Math.max(8, (plen + 2) * 4));
        h[0] = next;
        h[1] = plen;
      } else {
        const hlen = pick([0, 0, 1, 255]);
        h = new Uint8Array(rnd() < 0.8 ? (hlen + 1) * 8 : 8);
        h[0] = next;
        h[1] = hlen;
        if (t === 43) h[2] = pick([0, 2, 3, 4]);
      }
      exts.push(h);
    }
    const payload = udp(1234, 53, new Uint8Array(12));
    return { bytes: pcapFile([cat(eth(0x86dd), ipv6(types[0], payload, exts))]), from: `crafted ipv6 ext x${n}` };
  },
  'ip-options': () => {
    const opts = [];
    const n = 1 + int(6);
    for (let i = 0; i < n; i++) {
      const t = pick([0, 1, 7, 68, 130, 131, 137, 148, 0xff]);
      if (t === 0 || t === 1) opts.push(t);
      else opts.push(t, pick([0, 1, 2, 3, 4, 40, 255]), ...Array(int(6)).fill(0));
    }
    const padded = opts.slice(0, 40);
    while (padded.length % 4) padded.push(0);
    const f = cat(eth(0x0800), ipv4(pick([17, 6, 1]), udp(1234, 53, new Uint8Array(12)), { options: padded }));
    if (rnd() < 0.3) f[14] = 0x40 | pick([5, 6, 15]); // header length disagreeing with the options
    return { bytes: pcapFile([f, innerUdp()]), from: 'crafted ip options' };
  },
  'udp-length': () => {
    const len = pick([0, 1, 7, 8, 9, 0xffff]);
    const inner = pick([new Uint8Array(0), vxlanHdr(), cat(vxlanHdr(), innerUdp())]);
    const port = pick([53, 4789, 8472, 6081, 51820, 179, 9999]);
    const f = cat(eth(0x0800), ipv4(17, udp(40000, port, inner, len)));
    const v6 = cat(eth(0x86dd), ipv6(17, udp(40000, port, inner, len)));
    return { bytes: pcapFile([f, v6]), from: 'crafted udp length' };
  },
  'tcp-data-offset': () => {
    const off = pick([0, 1, 2, 3, 4, 5, 15]);
    const payload = pick([new Uint8Array(0), new Uint8Array(10).fill(0x41), new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')]);
    const t = tcp(payload, off);
    if (off < 5) t[12] = off << 4;
    const f = cat(eth(0x0800), ipv4(6, t));
    const v6 = cat(eth(0x86dd), ipv6(6, t));
    return { bytes: pcapFile([f, v6, f.subarray(0, 14 + 20 + int(20))]), from: `crafted tcp data offset ${off}` };
  },
  'vxlan-flags': () => {
    const flags = pick([0, 0x01, 0x04, 0x08, 0x0c, 0x88, 0xff]);
    const hdr = vxlanHdr(flags, int(1 << 24));
    if (rnd() < 0.5) hdr[1 + int(2)] = 0xff; // reserved bytes not zero
    const inner = pick([innerUdp(), new Uint8Array(0), innerUdp().subarray(0, 10), nested(3, ['vxlan'])]);
    const f = cat(eth(0x0800), ipv4(17, udp(40000, pick([4789, 8472]), cat(hdr, inner))));
    return { bytes: pcapFile([f]), from: `crafted vxlan flags ${flags}` };
  },
  'geneve-options': () => {
    const words = pick([0, 1, 2, 16, 63]);
    let opts = new Uint8Array(words * 4);
    for (let p = 0; p + 4 <= opts.length;) {
      const ol = pick([0, 1, 31]);
      opts[p + 3] = ol;
      p += 4 + ol * 4;
    }
    if (rnd() < 0.3) opts = opts.subarray(0, int(opts.length + 1)); // option area cut short
    const proto = pick([0x6558, 0x0800, 0x86dd, 0x1234, 0]);
    const inner = proto === 0x6558 ? innerUdp() : innerUdp().subarray(14);
    const g = cat(new Uint8Array([pick([0, 0x40, 0xc0]) | words, pick([0, 0x80, 0x40]), ...u16(proto), 0, 0, 1, 0]), opts, inner);
    const f = cat(eth(0x0800), ipv4(17, udp(40000, 6081, g)));
    return { bytes: pcapFile([f]), from: `crafted geneve ${words} words` };
  },
};

// ---- running ------------------------------------------------------------------------------------
function run(args) {
  const t0 = Date.now();
  const entry = BUNDLE
    ? [
        '--input-type=module',
        '-e',
        `const { main } = await import(${JSON.stringify(join(BUNDLE, 'main.js'))}); process.exitCode = await main(process.argv.slice(1));`,
      ]
    : [BIN];
  const r = spawnSync('prlimit', [`--as=${AS_LIMIT}`, 'nice', 'node', ...entry, ...args], {
    encoding: 'utf8',
    timeout: TIME_LIMIT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { ...r, ms: Date.now() - t0 };
}

const STACK =
  /\n\s+at .+[(:]\d+|TypeError|RangeError|ReferenceError|SyntaxError|internal error|Maximum call stack|out of memory|heap limit|Aborted|undefined|NaN|\[object /;

function checkCommand(name, r) {
  const problems = [];
  if (r.error?.code === 'ETIMEDOUT' || r.signal)
    problems.push(`${name}: ${r.signal ? `killed by ${r.signal}` : 'timed out'} after ${r.ms} ms`);
  if (r.status !== 0 && r.status !== 1 && r.status !== null) problems.push(`${name}: exit code ${r.status}`);
  if (STACK.test(r.stderr)) problems.push(`${name}: stderr shows an internal failure: ${r.stderr.slice(0, 400)}`);
  if (name === 'jsonl' || name === 'text') {
    if (r.status === 0 && r.stderr.trim()) problems.push(`${name}: exit 0 with messages: ${r.stderr.slice(0, 200)}`);
    if (r.status === 1 && !/byte offset \d+/.test(r.stderr))
      problems.push(`${name}: exit 1 without a message naming a byte offset: ${r.stderr.slice(0, 200)}`);
    for (const line of r.stderr.split('\n').filter(Boolean))
      if (!/byte offset \d+: \S/.test(line)) problems.push(`${name}: a message without a byte offset: ${line.slice(0, 200)}`);
  }
  return problems;
}

/**
 * The first fatal error's offset in the decode messages (those not marked '(reading continued)').
 * A gzip error does not count: gzip(1) gave the bytes the records are counted in, and every record
 * it could decompress must be listed, whatever offset the product names.
 */
function fatalOffset(stderr) {
  let first = Infinity;
  for (const line of stderr.split('\n')) {
    const m = /byte offset (\d+): (.*)$/.exec(line);
    if (m && !m[2].endsWith('(reading continued)') && !m[2].startsWith('gzip data is corrupt')) first = Math.min(first, Number(m[1]));
  }
  return first;
}

function checkCase(path, bytes) {
  const problems = [];
  const results = {};
  const j = run(['decode', '--format', 'jsonl', path]);
  results.jsonl = j;
  problems.push(...checkCommand('jsonl', j));
  const lines = j.stdout.split('\n').filter(Boolean);
  const recs = [];
  for (const l of lines) {
    try {
      recs.push(JSON.parse(l));
    } catch {
      problems.push(`jsonl: a line that is not JSON: ${l.slice(0, 100)}`);
      break;
    }
  }
  for (const p of recs)
    for (const a of p.anomalies ?? [])
      if (a.code === 'internal-error') problems.push(`jsonl: packet ${p.number}: decoder threw: ${a.message}`);
  if (CMDS.includes('text')) {
    const t = run(['decode', '--format', 'text', path]);
    problems.push(...checkCommand('text', t));
    const tl = t.stdout.split('\n').filter(Boolean).length;
    if (!t.error && tl !== lines.length) problems.push(`text lists ${tl} packets, jsonl ${lines.length}`);
    if (!t.error && t.status !== j.status) problems.push(`text exits ${t.status}, jsonl ${j.status}`);
  }
  // Independent count: every complete record before the first fatal error is listed.
  const ind = records(bytes);
  if (ind && !j.error) {
    const f = fatalOffset(j.stderr);
    const expected = ind.recs.filter((r) => r.start < f).length;
    if (recs.length !== expected)
      problems.push(`jsonl lists ${recs.length} packets; the records before ${f === Infinity ? 'the end' : `byte ${f}`} are ${expected}`);
  }
  if (CMDS.includes('topology')) {
    const tp = run(['topology', path]);
    problems.push(...checkCommand('topology', tp));
  }
  if (CMDS.includes('follow')) {
    const withIp = recs.find((p) => (p.layers ?? []).some((l) => l.proto === 'ip' || l.proto === 'ipv6'));
    let spec = '10.244.1.5 -> 10.244.2.6 udp';
    if (withIp) {
      const ips = (withIp.layers ?? []).filter((l) => l.proto === 'ip' || l.proto === 'ipv6');
      const inner = ips[ips.length - 1];
      const src = inner.fields?.find((x) => /\.src$/.test(x.name))?.display ?? inner.fields?.find((x) => /\.src$/.test(x.name))?.value;
      const dst = inner.fields?.find((x) => /\.dst$/.test(x.name))?.display ?? inner.fields?.find((x) => /\.dst$/.test(x.name))?.value;
      if (typeof src === 'string' && typeof dst === 'string') spec = `${src} <-> ${dst}`;
    }
    const fo = run(['follow', path, '--flow', spec]);
    problems.push(...checkCommand('follow', fo));
  }
  return problems;
}

mkdirSync(join(WORK, 'cases'), { recursive: true });
mkdirSync(KEEP, { recursive: true });
if (SAVE) mkdirSync(SAVE, { recursive: true });
const names = Object.keys(categories).filter((c) => !ONLY?.length || ONLY.includes(c));
const tally = {};
console.log(
  `seed ${SEED}: ${seeds.length} seed captures (${pcapSeeds.length} pcap, ${ngSeeds.length} pcapng), ${PER} mutants per category`,
);
for (const name of names) {
  tally[name] = { run: 0, failed: 0 };
  for (let i = 0; i < PER; i++) {
    const m = categories[name]();
    const ext = m.gz ? 'pcap.gz' : m.bytes[0] === 0x0a ? 'pcapng' : 'pcap';
    const path = join(WORK, 'cases', `${name}-${i}.${ext}`);
    writeFileSync(path, m.bytes);
    const problems = GENERATE_ONLY ? [] : checkCase(path, m.bytes);
    tally[name].run++;
    if (problems.length) {
      tally[name].failed++;
      const keep = join(KEEP, `${name}-s${SEED}-${i}.${ext}`);
      writeFileSync(keep, m.bytes);
      appendFileSync(join(KEEP, 'index.txt'), `${keep}\t(from ${m.from})\n  ${problems.join('\n  ')}\n`);
      console.log(`FAIL ${keep} (from ${m.from})\n  ${problems.join('\n  ')}`);
    }
    if (SAVE) writeFileSync(join(SAVE, `${name}-s${SEED}-${i}.${ext}`), m.bytes);
    rmSync(path, { force: true });
  }
  console.log(`${name}: ${tally[name].run} run, ${tally[name].failed} failed`);
}
console.log(JSON.stringify(tally));
